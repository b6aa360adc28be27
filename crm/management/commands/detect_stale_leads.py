from django.core.management.base import BaseCommand

from crm.services import leads_flag_stale


class Command(BaseCommand):
    help = "Flag leads with no contact past their status's threshold and notify (idempotent)."

    def handle(self, *args, **options) -> None:
        flagged = leads_flag_stale()
        self.stdout.write(f"{len(flagged)} lead(s) flagged stale.")

"""Expire sent/viewed quotes past validUntil and send the reminders due (the daily job)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from sales.quotes.services.jobs import quotes_expire, quotes_remind


class Command(BaseCommand):
    help = "Expire sent/viewed quotes past their validity and send the reminders that are due."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default: each "
                                           "firm's today.")
        parser.add_argument("--no-reminders", action="store_true",
                            help="Only expire; send no reminders.")

    def handle(self, *args, date=None, no_reminders=False, **options) -> None:
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from error
        expired = quotes_expire(today=today)
        reminded = [] if no_reminders else quotes_remind(today=today)
        self.stdout.write(f"expired: {len(expired)}, reminded: {len(reminded)}")

"""Write CELERY_BEAT_SCHEDULE into django-celery-beat's tables (idempotent).

Beat does the same when it starts; this lets staff see and pause the jobs in the admin
before beat has ever run, and lets deployments sync them as a release step.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app


class Command(BaseCommand):
    help = "Create or update a periodic task for each entry of CELERY_BEAT_SCHEDULE."

    def handle(self, *args, **options) -> None:
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            DatabaseScheduler.Entry.from_entry(name, app=app, **entry)
            self.stdout.write(f"{name}: {entry['task']}")

from celery import shared_task
from django.core.management import call_command


@shared_task(name="core.tasks.sessions_clear_expired")
def sessions_clear_expired() -> None:
    """Delete expired staff sessions (idempotent: a second run finds nothing to delete)."""
    call_command("clearsessions")

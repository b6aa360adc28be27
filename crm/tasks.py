from celery import shared_task
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone


@shared_task(name="crm.tasks.notification_email")
def notification_email(notification_id: int) -> None:
    """E-mail one notification, once: the run that claims `emailed_at` sends, others skip.

    The claim and the send share a transaction: a run racing it waits on the row and then
    finds it claimed, and a failed send releases the claim so a retry can still send it.
    """
    from .models import Notification
    from .services import notification_email_send

    notification = Notification.objects.select_related("user").filter(
        pk=notification_id).first()
    if notification is None or not (notification.user.email_notifications
                                    and notification.user.email):
        return  # deleted, or the user opted out since it was queued
    with transaction.atomic():
        # One table, no join: the claim's condition is re-checked on the row a racing run
        # has just updated, so only one run claims.
        claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True
                                              ).update(emailed_at=timezone.now())
        if claimed:
            notification_email_send(notification=notification)


@shared_task(name="crm.tasks.leads_detect_stale")
def leads_detect_stale() -> None:
    """Hourly: flag and notify leads past their status's threshold (once per episode)."""
    call_command("detect_stale_leads")

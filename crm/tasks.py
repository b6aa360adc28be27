from celery import shared_task
from django.core.management import call_command
from django.utils import timezone


@shared_task(name="crm.tasks.notification_email")
def notification_email(notification_id: int) -> None:
    """E-mail one notification, once: the run that claims `emailed_at` sends, others skip."""
    from .models import Notification
    from .services import notification_email_send

    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now())
    if claimed:
        notification = Notification.objects.select_related("user").get(pk=notification_id)
        notification_email_send(notification=notification)


@shared_task(name="crm.tasks.leads_detect_stale")
def leads_detect_stale() -> None:
    """Hourly: flag and notify leads past their status's threshold (once per episode)."""
    call_command("detect_stale_leads")

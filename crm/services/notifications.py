"""Notifications: stored for the user's bell, e-mailed after commit to those who opted in."""

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.models import User

from ..models import Lead, Notification


def notification_send(*, user: User, type: str, title: str, title_ar: str, message: str,
                      message_ar: str, entity_type: str = "",
                      entity_id: int | None = None) -> Notification:
    """Store a notification; the e-mail (if wanted) goes only once the transaction commits."""
    notification = Notification.objects.create(
        firm_id=user.firm_id, user=user, type=type, title=title, title_ar=title_ar,
        message=message, message_ar=message_ar, entity_type=entity_type, entity_id=entity_id)
    if user.email_notifications and user.email:
        transaction.on_commit(lambda: _email(notification.pk))
    return notification


def lead_assignee_notify(*, lead: Lead, type: str, title: str, title_ar: str, message: str,
                         message_ar: str) -> Notification | None:
    """Notify the lead's assignee, linking the notice to the lead; an unassigned lead has
    nobody to tell."""
    if not lead.assigned_to_id:
        return None
    return notification_send(user=lead.assigned_to, type=type, title=title, title_ar=title_ar,
                             message=message, message_ar=message_ar, entity_type="lead",
                             entity_id=lead.pk)


def _email(notification_id: int) -> None:
    from ..tasks import notification_email

    notification_email.delay(notification_id)


def notification_email_send(*, notification: Notification) -> None:
    """Both languages in one message, the reader's language first."""
    user = notification.user
    parts = [(notification.title, notification.message),
             (notification.title_ar, notification.message_ar)]
    if user.language == "ar":
        parts.reverse()
    send_mail(subject=parts[0][0], message="\n\n".join(f"{t}\n{m}" for t, m in parts),
              from_email=None, recipient_list=[user.email])


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids); how many changed."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())

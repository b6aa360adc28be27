"""The notification the service and job tests send (its texts are asserted word for word)."""

from crm import services
from crm.models import Notification


def send(user, **fields) -> Notification:
    fields = {"type": "general", "title": "Quote approved", "title_ar": "تمت الموافقة",
              "message": "QT-2026-0001 was approved.", "message_ar": "تمت الموافقة على العرض.",
              **fields}
    return services.notification_send(user=user, **fields)

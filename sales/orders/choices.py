from django.db import models
from django.utils.translation import gettext_lazy as _


class SalesOrderStatus(models.TextChoices):
    """business-rules §6: confirmed, then the status follows delivery and invoicing progress."""

    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    PARTIALLY_INVOICED = "partially_invoiced", _("Partially invoiced")
    INVOICED = "invoiced", _("Invoiced")
    COMPLETED = "completed", _("Completed")
    ON_HOLD = "on_hold", _("On hold")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses progress can give a confirmed order (business-rules §6), in the order of the rule.
ORDER_PROGRESS_STATUSES = [
    SalesOrderStatus.CONFIRMED, SalesOrderStatus.IN_PROGRESS,
    SalesOrderStatus.PARTIALLY_SHIPPED, SalesOrderStatus.SHIPPED,
    SalesOrderStatus.PARTIALLY_INVOICED, SalesOrderStatus.INVOICED, SalesOrderStatus.COMPLETED,
]
# "Any open status" a hold may come from: confirmed and not yet completed.
ORDER_OPEN_STATUSES = [status for status in ORDER_PROGRESS_STATUSES
                       if status != SalesOrderStatus.COMPLETED]

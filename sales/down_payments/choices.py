from django.db import models
from django.utils.translation import gettext_lazy as _

# --- down payments (business-rules §8) ----------------------------------------------


class DownPaymentType(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage of the source")
    FIXED_AMOUNT = "fixed_amount", _("Fixed amount")


class DownPaymentSource(models.TextChoices):
    QUOTE = "quote", _("Quote")
    SALES_ORDER = "sales_order", _("Sales order")


class DownPaymentStatus(models.TextChoices):
    """business-rules §8: draft → pending (invoice generated) → paid → partially/fully applied;
    refunded; cancelled (from draft or pending)."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending payment")
    PAID = "paid", _("Paid")
    PARTIALLY_APPLIED = "partially_applied", _("Partially applied")
    FULLY_APPLIED = "fully_applied", _("Fully applied")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


# Down payments that count against their source's total (business-rules §8: "active").
DOWN_PAYMENT_INACTIVE_STATUSES = [DownPaymentStatus.CANCELLED, DownPaymentStatus.REFUNDED]
# Down payments with paid money left to apply or refund.
DOWN_PAYMENT_AVAILABLE_STATUSES = [DownPaymentStatus.PAID, DownPaymentStatus.PARTIALLY_APPLIED]

from django.db import models
from django.utils.translation import gettext_lazy as _


class DiscountType(models.TextChoices):
    """How a document's own discount is given (lines carry a percentage or an amount)."""

    PERCENTAGE = "percentage", _("Percentage")
    AMOUNT = "amount", _("Fixed amount")


class QuoteStatus(models.TextChoices):
    """business-rules §5."""

    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    VIEWED = "viewed", _("Viewed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    REVISED = "revised", _("Revised")
    CONVERTED = "converted", _("Converted")
    CANCELLED = "cancelled", _("Cancelled")
    ARCHIVED = "archived", _("Archived")


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


# --- invoices, payments, credit notes (business-rules §8) ---------------------------------------


class InvoiceKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    DOWN_PAYMENT = "down_payment", _("Down payment")


class InvoiceStatus(models.TextChoices):
    """business-rules §8: draft → posted → partially_paid → paid; cancelled only without
    payments."""

    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses the money on a posted invoice moves it between.
INVOICE_MONEY_STATUSES = [InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID,
                          InvoiceStatus.PAID]


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")


class PaymentStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    VOIDED = "voided", _("Voided")


class CreditNoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


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

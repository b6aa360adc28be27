from django.db import models
from django.utils.translation import gettext_lazy as _

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


class PaymentStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    VOIDED = "voided", _("Voided")


class CreditNoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")

"""Choices several sales documents share.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The first status of every sales document, the only one in which it is edited or deleted.
DRAFT = "draft"


class DiscountType(models.TextChoices):
    """How a document's own discount is given (lines carry a percentage or an amount)."""

    PERCENTAGE = "percentage", _("Percentage")
    AMOUNT = "amount", _("Fixed amount")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")

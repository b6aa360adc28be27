from django.db import models
from django.utils.translation import gettext_lazy as _


class DiscountType(models.TextChoices):
    """How a document's own discount is given (lines carry a percentage or an amount)."""

    PERCENTAGE = "percentage", _("Percentage")
    AMOUNT = "amount", _("Fixed amount")


class QuoteStatus(models.TextChoices):
    """RULES.md §5 (spec 000 §2.2)."""

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

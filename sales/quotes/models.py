"""Quotes with their lines and archived versions (business-rules §2, §5).
"""

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from core.fields import MONEY, PERCENT, RATE, money_field, unique_per_firm
from core.models import DocumentModel, TenantModel
from sales.common.choices import DiscountType
from sales.common.models import Approvable, DocumentLine, PricedDocument, optional_link
from sales.quotes.choices import QuoteStatus
from sales.quotes.querysets import QuoteQuerySet


def public_token() -> str:
    """The secret part of a quote's public link (the link itself is signed on top)."""
    return secrets.token_urlsafe(32)


def approval_not_needed(quote: "Quote") -> bool:
    return not quote.needs_approval


class Quote(DocumentModel, PricedDocument, Approvable):
    """A priced offer to a customer or a lead, moving through business-rules §5's states."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    customer = optional_link("crm.Customer", _("customer"), "quotes")
    lead = optional_link("crm.Lead", _("lead"), "quotes")
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    owner = optional_link(settings.AUTH_USER_MODEL, _("owner"), "owned_quotes")
    sales_person = optional_link("crm.SalesPerson", _("sales person"), "quotes")
    price_list = optional_link("pricing.PriceList", _("price list"), "quotes")
    # A promotion code the customer gave; the price resolver applies rules that ask for it.
    promo_code = models.CharField(_("promotion code"), max_length=40, blank=True)
    quote_date = models.DateField(_("quote date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    probability = models.DecimalField(_("probability (%)"), **RATE, null=True, blank=True,
                                      validators=PERCENT)
    currency = models.CharField(_("currency"), max_length=3, default="SAR")

    weighted_value = models.DecimalField(_("weighted value"), **MONEY, null=True, blank=True,
                                         editable=False)

    status = FSMField(_("status"), max_length=20, choices=QuoteStatus.choices,
                      default=QuoteStatus.DRAFT, protected=True)
    # Revisions archive the quote in QuoteVersion and bump `version` on this same row;
    # `parent` is the quote this one was copied from (a duplicate starts a new history).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    parent = models.ForeignKey("self", verbose_name=_("copied from"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="copies", editable=False)


    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    viewed_at = models.DateTimeField(_("viewed at"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True, editable=False)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True, editable=False)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True,
                                        editable=False)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True,
                                            editable=False)
    rejection_reason = models.TextField(_("rejection reason"), blank=True, editable=False)
    public_token = models.CharField(_("public link token"), max_length=64, default=public_token,
                                    editable=False)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-quote_date", "-pk"]
        permissions = [("approve_quote", _("Can approve quotes"))]
        constraints = [
            unique_per_firm("number", name="sales_quote_number_unique"),
            models.UniqueConstraint(fields=["public_token"], name="sales_quote_token_unique"),
            models.CheckConstraint(condition=Q(customer__isnull=False) | Q(lead__isnull=False),
                                   name="sales_quote_customer_or_lead"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F(
                    "quote_date")),
                name="sales_quote_valid_after_date"),
            models.CheckConstraint(
                condition=~Q(discount_type=DiscountType.PERCENTAGE) | Q(discount_value__lte=100),
                name="sales_quote_percentage_max_100"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="sales_quote_status_idx"),
            models.Index(fields=["firm", "owner"], name="sales_quote_owner_idx"),
            models.Index(fields=["firm", "valid_until"], name="sales_quote_valid_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("New quote"))

    # The state machine declares; sales.quotes.services.quotes performs (architecture §5.5).
    @transition(field=status, source=QuoteStatus.DRAFT, target=QuoteStatus.PENDING_APPROVAL)
    def submit(self) -> None:
        pass

    @transition(field=status, source=QuoteStatus.PENDING_APPROVAL, target=QuoteStatus.APPROVED)
    def approve(self, *, approver) -> None:
        self.approved_by = approver
        self.approved_at = timezone.now()

    # Stacked declarations: from draft only when no approval is needed; once approved, always.
    @transition(field=status, source=QuoteStatus.DRAFT, target=QuoteStatus.SENT,
                conditions=[approval_not_needed])
    @transition(field=status, source=QuoteStatus.APPROVED, target=QuoteStatus.SENT)
    def send(self) -> None:
        self.sent_at = timezone.now()

    @transition(field=status, source=QuoteStatus.SENT, target=QuoteStatus.VIEWED)
    def view(self) -> None:
        self.viewed_at = timezone.now()

    @transition(field=status, source=[QuoteStatus.SENT, QuoteStatus.VIEWED],
                target=QuoteStatus.ACCEPTED)
    def accept(self) -> None:
        self.accepted_at = timezone.now()

    # The approver refusing a pending quote, or the customer refusing a sent one.
    @transition(field=status, source=[QuoteStatus.PENDING_APPROVAL, QuoteStatus.SENT,
                                      QuoteStatus.VIEWED],
                target=QuoteStatus.REJECTED)
    def reject(self, *, rejection_reason: str = "") -> None:
        self.rejected_at = timezone.now()
        self.rejection_reason = rejection_reason

    @transition(field=status, source=[QuoteStatus.SENT, QuoteStatus.VIEWED],
                target=QuoteStatus.EXPIRED)
    def expire(self) -> None:
        self.expired_at = timezone.now()

    @transition(field=status, source=[QuoteStatus.SENT, QuoteStatus.VIEWED,
                                      QuoteStatus.REJECTED, QuoteStatus.EXPIRED],
                target=QuoteStatus.REVISED)
    def revise(self) -> None:
        pass

    @transition(field=status, source=[QuoteStatus.REJECTED, QuoteStatus.EXPIRED],
                target=QuoteStatus.ARCHIVED)
    def archive(self) -> None:
        pass

    @transition(field=status, source=QuoteStatus.ACCEPTED, target=QuoteStatus.CONVERTED)
    def convert(self) -> None:
        self.converted_at = timezone.now()

    @transition(field=status, source=QuoteStatus.DRAFT, target=QuoteStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    # Back to an editable draft: a withdrawn request, an approved quote to change, the next
    # version after a revision, or a restored archive. An approval does not survive edits.
    @transition(field=status, source=[QuoteStatus.PENDING_APPROVAL, QuoteStatus.APPROVED,
                                      QuoteStatus.REVISED, QuoteStatus.ARCHIVED],
                target=QuoteStatus.DRAFT)
    def redraft(self) -> None:
        self.approved_by = None
        self.approved_at = None


# Target status -> the transition method that reaches it (the API takes a target status).
QUOTE_TRANSITIONS = {
    QuoteStatus.PENDING_APPROVAL: "submit",
    QuoteStatus.APPROVED: "approve",
    QuoteStatus.SENT: "send",
    QuoteStatus.VIEWED: "view",
    QuoteStatus.ACCEPTED: "accept",
    QuoteStatus.REJECTED: "reject",
    QuoteStatus.EXPIRED: "expire",
    QuoteStatus.REVISED: "revise",
    QuoteStatus.ARCHIVED: "archive",
    QuoteStatus.CONVERTED: "convert",
    QuoteStatus.CANCELLED: "cancel",
    QuoteStatus.DRAFT: "redraft",
}


class QuoteLine(DocumentLine):
    """One priced line of a quote; amounts after `cost_price` are written by the engine."""

    document_field = "quote"

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE,
                              related_name="lines")
    product = optional_link("pricing.Product", _("product"), "quote_lines")

    class Meta(DocumentLine.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position", "pk"]


class QuoteVersion(TenantModel):
    """A quote as it was (fields, lines, totals) when a revision replaced it. Never changed."""

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE,
                              related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=QuoteStatus.choices)
    total = money_field(_("total"))
    snapshot = models.JSONField(_("snapshot"), encoder=DjangoJSONEncoder)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("archived by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    archived_at = models.DateTimeField(_("archived at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("quote version")
        verbose_name_plural = _("quote versions")
        ordering = ["quote", "-version"]
        constraints = [models.UniqueConstraint(fields=["quote", "version"],
                                               name="sales_quoteversion_once")]

    def __str__(self) -> str:
        return f"{self.quote_id} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        # History does not change: a version is written once, when it is archived.
        if not self._state.adding:
            raise ValueError("An archived quote version cannot be changed.")
        super().save(*args, **kwargs)

"""Quotes with their lines and archived versions (business-rules §2, §5), sales orders
with their lines (business-rules §6), invoices with payments and credit notes, and
down payments with their applications and refunds (business-rules §8).

Stored totals are written only by sales.services through the totals engine (sales.totals).
"""

import secrets
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition
from simple_history.models import HistoricalRecords

from core.choices import PaymentTerms
from core.fields import MONEY, PERCENT, RATE, money_field, percent_field, unique_per_firm
from core.models import AuditedModel, DocumentModel, TenantModel

from .choices import (
    DOWN_PAYMENT_AVAILABLE_STATUSES,
    INVOICE_MONEY_STATUSES,
    ORDER_OPEN_STATUSES,
    ORDER_PROGRESS_STATUSES,
    CreditNoteStatus,
    DiscountType,
    DownPaymentSource,
    DownPaymentStatus,
    DownPaymentType,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
    PaymentStatus,
    QuoteStatus,
    SalesOrderStatus,
)
from .querysets import QuoteQuerySet, SalesOrderManager, SalesOrderQuerySet
from .querysets_down_payments import DownPaymentQuerySet
from .querysets_invoices import InvoicePartQuerySet, InvoiceQuerySet

QUANTITY = {"max_digits": 14, "decimal_places": 4}


def public_token() -> str:
    """The secret part of a quote's public link (the link itself is signed on top)."""
    return secrets.token_urlsafe(32)


def approval_not_needed(quote: "Quote") -> bool:
    return not quote.needs_approval


class PricedDocument(models.Model):
    """What quotes and sales orders share (business-rules §2): the document discount, shipping,
    texts, and the totals the services write from the totals engine (sales.services.lines)."""

    discount_type = models.CharField(_("discount type"), max_length=12,
                                     choices=DiscountType.choices, default=DiscountType.AMOUNT)
    # A percentage (4 places) or an amount, as discount_type says.
    discount_value = models.DecimalField(_("discount"), max_digits=16, decimal_places=4,
                                         default=Decimal("0"),
                                         validators=[MinValueValidator(Decimal("0"))])
    shipping_cost = money_field(_("shipping cost"))

    terms = models.TextField(_("terms and conditions"), blank=True)
    terms_ar = models.TextField(_("Arabic terms and conditions"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    notes_ar = models.TextField(_("Arabic notes"), blank=True)

    # Totals (business-rules §2), written by the services from the totals engine only.
    subtotal = money_field(_("subtotal"), editable=False)
    discount_amount = money_field(_("document discount"), editable=False)
    after_discount = money_field(_("after discount"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)
    total = money_field(_("total"), editable=False)
    total_in_words = models.CharField(_("total in words"), max_length=500, blank=True,
                                      editable=False)
    total_in_words_en = models.CharField(_("total in words (English)"), max_length=500,
                                         blank=True, editable=False)
    # Margin warnings of the last calculation, shown until the next one.
    warnings = models.JSONField(_("warnings"), default=list, blank=True, editable=False,
                                encoder=DjangoJSONEncoder)

    class Meta:
        abstract = True


class Quote(DocumentModel, PricedDocument):
    """A priced offer to a customer or a lead, moving through business-rules §5's states."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="quotes")
    lead = models.ForeignKey("crm.Lead", verbose_name=_("lead"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="quotes")
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, null=True, blank=True,
                              related_name="owned_quotes")
    sales_person = models.ForeignKey("crm.SalesPerson", verbose_name=_("sales person"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="quotes")
    price_list = models.ForeignKey("pricing.PriceList", verbose_name=_("price list"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="quotes")
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

    needs_approval = models.BooleanField(_("needs approval"), default=False, editable=False)
    approval_reasons = models.JSONField(_("why approval is needed"), default=list, blank=True,
                                        editable=False, encoder=DjangoJSONEncoder)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

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

    # The state machine declares; sales.services.quotes performs (architecture §5.5).
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


class DocumentLine(TenantModel):
    """The priced line quotes and sales orders share (business-rules §2, §10): what the caller or
    the
    price resolver gives, and the amounts the totals engine writes (after `cost_price`).
    Each document's line adds its document and its product (their reverse names differ)."""

    # The foreign key to the document, left out when a line is validated before it has one.
    document_field: ClassVar[str]

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=500)
    description_ar = models.CharField(_("Arabic description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY,
                                   validators=[MinValueValidator(Decimal("0.0001"))])
    unit = models.CharField(_("unit"), max_length=20, default="unit")
    unit_price = money_field(_("unit price"))
    discount_percent = percent_field(_("discount (%)"))
    discount_amount = money_field(_("discount amount"))
    tax_rate = percent_field(_("tax rate (%)"))
    taxable = models.BooleanField(_("taxable"), default=True)
    cost_price = models.DecimalField(_("cost price"), **MONEY, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal("0"))])
    base_amount = money_field(_("amount before discount"), editable=False)
    line_discount = money_field(_("line discount"), editable=False)
    line_total = money_field(_("line total"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)
    # What the price resolver did: base price, list, rules applied and skipped (business-rules §10).
    pricing_trace = models.JSONField(_("pricing trace"), default=dict, blank=True,
                                     encoder=DjangoJSONEncoder)
    price_override_reason = models.CharField(_("price override reason"), max_length=300,
                                             blank=True)
    # A free (or discounted) line a buy-X-get-Y rule added; recomputed on every repricing.
    is_reward = models.BooleanField(_("reward line"), default=False, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(discount_percent=0) | Q(discount_amount=0),
                                   name="%(app_label)s_%(class)s_one_discount_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class QuoteLine(DocumentLine):
    """One priced line of a quote; amounts after `cost_price` are written by the engine."""

    document_field = "quote"

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE,
                              related_name="lines")
    product = models.ForeignKey("pricing.Product", verbose_name=_("product"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="quote_lines")

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


# --- sales orders (business-rules §6) ---------------------------------------------


def nothing_delivered_or_invoiced(order: "SalesOrder") -> bool:
    """An order may be cancelled only while no line has anything delivered or invoiced."""
    if order.pk is None:
        return True
    # Reads prefetched lines when a list has them (no query per row).
    return not any(line.delivered_quantity > 0 or line.invoiced_quantity > 0
                   for line in order.lines.all())


class SalesOrder(DocumentModel, PricedDocument):
    """A confirmed sale to a customer; after confirmation its status follows delivery and
    invoicing progress (business-rules §6). Soft-deleted with its campaign: the
    default manager hides those rows, `all_objects` still reaches them by id for audit."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    order_date = models.DateField(_("order date"), default=timezone.localdate)
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="orders", editable=False)
    quote_number = models.CharField(_("quote number"), max_length=30, blank=True,
                                    editable=False)

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="sales_orders")
    # The customer's names as they were when the order was last saved (documents keep them).
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True,
                                     editable=False)
    customer_name_ar = models.CharField(_("customer Arabic name"), max_length=200,
                                        blank=True, editable=False)
    billing_address = models.ForeignKey("crm.CustomerAddress",
                                        verbose_name=_("billing address"),
                                        on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    shipping_address = models.ForeignKey("crm.CustomerAddress",
                                         verbose_name=_("shipping address"),
                                         on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    # Copied from the customer's addresses at confirmation: later edits of the customer do
    # not change what was confirmed.
    billing_address_snapshot = models.JSONField(_("billing address (as confirmed)"),
                                                default=dict, blank=True, editable=False,
                                                encoder=DjangoJSONEncoder)
    shipping_address_snapshot = models.JSONField(_("shipping address (as confirmed)"),
                                                 default=dict, blank=True, editable=False,
                                                 encoder=DjangoJSONEncoder)
    contact = models.ForeignKey("crm.CustomerContact", verbose_name=_("contact"),
                                on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)

    sales_person = models.ForeignKey("crm.SalesPerson", verbose_name=_("sales person"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="sales_orders")
    sales_team = models.ForeignKey("crm.SalesTeam", verbose_name=_("sales team"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="sales_orders")
    territory = models.ForeignKey("crm.Territory", verbose_name=_("territory"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="sales_orders")
    campaign = models.ForeignKey("crm.Campaign", verbose_name=_("campaign"),
                                 on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="sales_orders")
    price_list = models.ForeignKey("pricing.PriceList", verbose_name=_("price list"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="sales_orders")
    promo_code = models.CharField(_("promotion code"), max_length=40, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=20,
                                     choices=PaymentTerms.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="SAR")

    expected_delivery_date = models.DateField(_("expected delivery date"), null=True,
                                              blank=True)
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True,
                                               blank=True)
    shipping_method = models.CharField(_("shipping method"), max_length=100, blank=True)
    # Instructions for whoever delivers ("delivery notes" are the delivery app's documents).
    delivery_instructions = models.TextField(_("delivery instructions"), blank=True)

    internal_notes = models.TextField(_("internal notes"), blank=True)
    # business-rules §6: balanceDue = total − downPaymentsApplied − payments.
    down_payments_applied = money_field(_("down payments applied"), editable=False)
    amount_paid = money_field(_("amount paid"), editable=False)
    balance_due = models.DecimalField(_("balance due"), **MONEY, default=Decimal("0"),
                                      editable=False)
    delivery_progress = models.DecimalField(_("delivery progress (%)"), **RATE,
                                            default=Decimal("0"), editable=False)
    invoicing_progress = models.DecimalField(_("invoicing progress (%)"), **RATE,
                                             default=Decimal("0"), editable=False)

    status = FSMField(_("status"), max_length=20, choices=SalesOrderStatus.choices,
                      default=SalesOrderStatus.DRAFT, protected=True)
    needs_approval = models.BooleanField(_("needs approval"), default=False, editable=False)
    approval_reasons = models.JSONField(_("why approval is needed"), default=list, blank=True,
                                        editable=False, encoder=DjangoJSONEncoder)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True,
                                        editable=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True,
                                           editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True,
                                        editable=False)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = SalesOrderManager()
    all_objects = SalesOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-order_date", "-pk"]
        # Related lookups (a line's order, a history row's) reach soft-deleted orders too.
        base_manager_name = "all_objects"
        permissions = [("confirm_salesorder", _("Can confirm sales orders")),
                       ("approve_salesorder", _("Can approve sales orders"))]
        constraints = [
            unique_per_firm("number", name="sales_salesorder_number_unique"),
            models.CheckConstraint(
                condition=~Q(discount_type=DiscountType.PERCENTAGE) | Q(discount_value__lte=100),
                name="sales_salesorder_percentage_max_100"),
            models.CheckConstraint(
                condition=Q(delivery_progress__gte=0, delivery_progress__lte=100,
                            invoicing_progress__gte=0, invoicing_progress__lte=100),
                name="sales_salesorder_progress_0_100"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="sales_order_status_idx"),
            models.Index(fields=["firm", "customer"], name="sales_order_customer_idx"),
            models.Index(fields=["firm", "order_date"], name="sales_order_date_idx"),
            models.Index(fields=["firm", "campaign"], name="sales_order_campaign_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("New sales order"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    # The state machine declares; sales.services.orders performs (architecture §5.5).
    @transition(field=status, source=SalesOrderStatus.DRAFT, target=SalesOrderStatus.CONFIRMED)
    def confirm(self, *, by, snapshot: dict) -> None:
        # `snapshot`: the customer's names and addresses as they are at confirmation.
        for name, value in snapshot.items():
            setattr(self, name, value)
        self.confirmed_at = timezone.now()
        self.confirmed_by = by

    # Delivery and invoicing move a confirmed order; the service works out where to.
    @transition(field=status, source=ORDER_PROGRESS_STATUSES,
                target=RETURN_VALUE(*ORDER_PROGRESS_STATUSES))
    def follow_progress(self, *, target: str, progress: dict) -> str:
        for name, value in progress.items():
            setattr(self, name, value)
        return target

    @transition(field=status, source=ORDER_OPEN_STATUSES, target=SalesOrderStatus.ON_HOLD)
    def hold(self) -> None:
        pass

    @transition(field=status, source=SalesOrderStatus.ON_HOLD,
                target=RETURN_VALUE(*ORDER_PROGRESS_STATUSES))
    def resume(self, *, target: str, progress: dict) -> str:
        for name, value in progress.items():
            setattr(self, name, value)
        return target

    @transition(field=status, source=[SalesOrderStatus.DRAFT, SalesOrderStatus.CONFIRMED,
                                      SalesOrderStatus.IN_PROGRESS, SalesOrderStatus.ON_HOLD],
                target=SalesOrderStatus.CANCELLED, conditions=[nothing_delivered_or_invoiced])
    def cancel(self, *, cancellation_reason: str, by) -> None:
        self.cancellation_reason = cancellation_reason
        self.cancelled_at = timezone.now()
        self.cancelled_by = by


class SalesOrderLine(DocumentLine):
    """One line of an order: priced like a quote line, then delivered, invoiced and returned
    (quantities written under row locks by the delivery, invoice and return services)."""

    document_field = "order"

    order = models.ForeignKey(SalesOrder, verbose_name=_("sales order"),
                              on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("pricing.Product", verbose_name=_("product"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="sales_order_lines")
    delivered_quantity = models.DecimalField(_("delivered quantity"), **QUANTITY,
                                             default=Decimal("0"), editable=False)
    invoiced_quantity = models.DecimalField(_("invoiced quantity"), **QUANTITY,
                                            default=Decimal("0"), editable=False)
    returned_quantity = models.DecimalField(_("returned quantity"), **QUANTITY,
                                            default=Decimal("0"), editable=False)

    class Meta(DocumentLine.Meta):
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        ordering = ["order", "position", "pk"]
        constraints = [
            *DocumentLine.Meta.constraints,
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="sales_salesorderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(delivered_quantity__gte=0)
                & Q(delivered_quantity__lte=models.F("quantity")),
                name="sales_salesorderline_delivered_le_ordered"),
            models.CheckConstraint(
                condition=Q(invoiced_quantity__gte=0)
                & Q(invoiced_quantity__lte=models.F("quantity")),
                name="sales_salesorderline_invoiced_le_ordered"),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0)
                & Q(returned_quantity__lte=models.F("delivered_quantity")),
                name="sales_salesorderline_returned_le_delivered"),
        ]

    @property
    def remaining_quantity(self) -> Decimal:
        """Still to deliver (the spec's quantityRemaining)."""
        return max(self.quantity - self.delivered_quantity, Decimal("0"))


# --- invoices, payments and credit notes (business-rules §1, §2, §8) ---------------------------



def invoice_without_money(invoice: "Invoice") -> bool:
    """An invoice may be cancelled only while nothing was paid, applied or credited on it."""
    return not (invoice.amount_paid or invoice.down_payments_applied
                or invoice.credit_notes_total)


def _number_unique_when_set(name: str) -> models.UniqueConstraint:
    # Drafts have no number yet (business-rules §1: numbers at posting): "" is not unique.
    return models.UniqueConstraint(fields=["firm", "number"], condition=~Q(number=""),
                                   name=name)


class Invoice(DocumentModel):
    """A tax invoice to a customer, from a sales order's uninvoiced quantities or for a down
    payment. Numbered (INV-YYYY-NNNN) when posted, never before; the money on it (payments,
    down payments applied, credit notes) is written by sales.services.invoices only:
    `amountDue = total − downPaymentsApplied − payments − creditNotes`, never below 0."""

    number = models.CharField(_("number"), max_length=30, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices,
                            default=InvoiceKind.REGULAR, editable=False)
    order = models.ForeignKey(SalesOrder, verbose_name=_("sales order"),
                              on_delete=models.PROTECT, null=True, blank=True,
                              related_name="invoices", editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="invoices")
    # What the invoice says about the customer stays as it was when the invoice was made.
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True,
                                     editable=False)
    customer_name_ar = models.CharField(_("customer Arabic name"), max_length=200,
                                        blank=True, editable=False)
    customer_vat_number = models.CharField(_("customer VAT number"), max_length=20,
                                           blank=True, editable=False)
    billing_address_snapshot = models.JSONField(_("billing address"), default=dict,
                                                blank=True, editable=False,
                                                encoder=DjangoJSONEncoder)
    sales_person = models.ForeignKey("crm.SalesPerson", verbose_name=_("sales person"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="invoices", editable=False)
    invoice_date = models.DateField(_("invoice date"), default=timezone.localdate)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=20,
                                     choices=PaymentTerms.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    discount_type = models.CharField(_("discount type"), max_length=12,
                                     choices=DiscountType.choices, default=DiscountType.AMOUNT,
                                     editable=False)
    discount_value = models.DecimalField(_("discount"), max_digits=16, decimal_places=4,
                                         default=Decimal("0"), editable=False,
                                         validators=[MinValueValidator(Decimal("0"))])
    shipping_cost = money_field(_("shipping cost"), editable=False)
    notes = models.TextField(_("notes"), blank=True)
    notes_ar = models.TextField(_("Arabic notes"), blank=True)

    # Totals (business-rules §2), written by the services from the totals engine only.
    subtotal = money_field(_("subtotal"), editable=False)
    discount_amount = money_field(_("document discount"), editable=False)
    after_discount = money_field(_("after discount"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)
    total = money_field(_("total"), editable=False)
    total_in_words = models.CharField(_("total in words"), max_length=500, blank=True,
                                      editable=False)
    total_in_words_en = models.CharField(_("total in words (English)"), max_length=500,
                                         blank=True, editable=False)
    # business-rules §8: amountDue = total − downPaymentsApplied − payments − creditNotes.
    down_payments_applied = money_field(_("down payments applied"), editable=False)
    amount_paid = money_field(_("amount paid"), editable=False)
    credit_notes_total = money_field(_("credit notes"), editable=False)
    amount_due = money_field(_("amount due"), editable=False)

    status = FSMField(_("status"), max_length=20, choices=InvoiceStatus.choices,
                      default=InvoiceStatus.DRAFT, protected=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True,
                                           editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True,
                                        editable=False)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-pk"]
        permissions = [("post_invoice", _("Can post and cancel invoices")),
                       ("record_payment", _("Can record payments"))]
        constraints = [
            _number_unique_when_set("sales_invoice_number_unique"),
            # A posted (or later) invoice has its number; a draft never has one.
            models.CheckConstraint(
                condition=(Q(status=InvoiceStatus.DRAFT, number="")
                           | (~Q(status=InvoiceStatus.DRAFT) & ~Q(number=""))
                           | Q(status=InvoiceStatus.CANCELLED)),
                name="sales_invoice_number_at_posting"),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.DOWN_PAYMENT) | Q(order__isnull=False),
                name="sales_invoice_regular_has_order"),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0) & Q(amount_due__lte=models.F("total")),
                name="sales_invoice_amount_due_0_total"),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=models.F("total")
                            - models.F("down_payments_applied")),
                name="sales_invoice_paid_le_total"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=models.F("invoice_date")),
                name="sales_invoice_due_after_date"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="sales_invoice_status_idx"),
            models.Index(fields=["firm", "customer"], name="sales_invoice_customer_idx"),
            models.Index(fields=["firm", "invoice_date"], name="sales_invoice_date_idx"),
            models.Index(fields=["firm", "due_date"], name="sales_invoice_due_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice"))

    @property
    def is_overdue(self) -> bool:
        return (self.status in (InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID)
                and self.due_date is not None and self.due_date < timezone.localdate())

    # The state machine declares; sales.services.invoices performs (architecture §5.5).
    @transition(field=status, source=InvoiceStatus.DRAFT, target=InvoiceStatus.POSTED)
    def post(self, *, number: str, by, invoice_date, due_date) -> None:
        self.number = number
        self.invoice_date = invoice_date
        self.due_date = due_date
        self.posted_at = timezone.now()
        self.posted_by = by

    # Payments, down payments and credit notes move a posted invoice; the service says where.
    @transition(field=status, source=INVOICE_MONEY_STATUSES,
                target=RETURN_VALUE(*INVOICE_MONEY_STATUSES))
    def follow_payments(self, *, target: str, amounts: dict) -> str:
        for name, value in amounts.items():
            setattr(self, name, value)
        if target == InvoiceStatus.PAID and self.paid_at is None:
            self.paid_at = timezone.now()
        elif target != InvoiceStatus.PAID:
            self.paid_at = None
        return target

    @transition(field=status, source=[InvoiceStatus.DRAFT, InvoiceStatus.POSTED],
                target=InvoiceStatus.CANCELLED, conditions=[invoice_without_money])
    def cancel(self, *, cancellation_reason: str, by) -> None:
        self.cancellation_reason = cancellation_reason
        self.cancelled_at = timezone.now()
        self.cancelled_by = by
        self.amount_due = Decimal("0")


class InvoiceLine(TenantModel):
    """One line of an invoice: a quantity of an order line (or a free line of a down-payment
    invoice), priced as the order line was; amounts from the totals engine."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE,
                                related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    order_line = models.ForeignKey(SalesOrderLine, verbose_name=_("order line"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="invoice_lines")
    product = models.ForeignKey("pricing.Product", verbose_name=_("product"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="invoice_lines")
    description = models.CharField(_("description"), max_length=500)
    description_ar = models.CharField(_("Arabic description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY,
                                   validators=[MinValueValidator(Decimal("0.0001"))])
    unit = models.CharField(_("unit"), max_length=20, default="unit")
    unit_price = money_field(_("unit price"))
    discount_percent = percent_field(_("discount (%)"))
    discount_amount = money_field(_("discount amount"))
    tax_rate = percent_field(_("tax rate (%)"))
    taxable = models.BooleanField(_("taxable"), default=True)
    cost_price = models.DecimalField(_("cost price"), **MONEY, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal("0"))])
    base_amount = money_field(_("amount before discount"), editable=False)
    line_discount = money_field(_("line discount"), editable=False)
    line_total = money_field(_("line total"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="sales_invoiceline_quantity_positive"),
            models.CheckConstraint(condition=Q(discount_percent=0) | Q(discount_amount=0),
                                   name="sales_invoiceline_one_discount_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class Payment(AuditedModel):
    """Money received against a posted invoice. Never edited: a mistake is voided."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="payments")
    amount = models.DecimalField(_("amount"), **MONEY,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    payment_date = models.DateField(_("payment date"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices,
                              default=PaymentMethod.BANK_TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.RECORDED, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("voided by"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    void_reason = models.TextField(_("void reason"), blank=True, editable=False)

    objects = InvoicePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-payment_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0),
                                   name="sales_payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["firm", "payment_date"], name="sales_payment_date_idx")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.get_method_display()})"


class CreditNote(DocumentModel):
    """Money given back on a posted invoice (a return, a price correction). Numbered
    (CN-YYYY-NNNN) when posted; posting lowers the invoice's amount due, never below 0."""

    number = models.CharField(_("number"), max_length=30, blank=True, editable=False)
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="credit_notes", editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="credit_notes",
                                 editable=False)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True,
                                     editable=False)
    customer_name_ar = models.CharField(_("customer Arabic name"), max_length=200,
                                        blank=True, editable=False)
    customer_vat_number = models.CharField(_("customer VAT number"), max_length=20,
                                           blank=True, editable=False)
    credit_date = models.DateField(_("credit note date"), default=timezone.localdate)
    reason = models.TextField(_("reason"))
    reason_ar = models.TextField(_("Arabic reason"), blank=True)
    # What made it (e.g. "return:12"); the returns app is to the right of sales (architecture §4).
    source_reference = models.CharField(_("source"), max_length=60, blank=True,
                                        editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="SAR", editable=False)
    subtotal = money_field(_("subtotal"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)
    total = money_field(_("total"), editable=False)
    total_in_words = models.CharField(_("total in words"), max_length=500, blank=True,
                                      editable=False)
    total_in_words_en = models.CharField(_("total in words (English)"), max_length=500,
                                         blank=True, editable=False)
    status = FSMField(_("status"), max_length=20, choices=CreditNoteStatus.choices,
                      default=CreditNoteStatus.DRAFT, protected=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True,
                                           editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True,
                                        editable=False)

    objects = InvoicePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-credit_date", "-pk"]
        constraints = [
            _number_unique_when_set("sales_creditnote_number_unique"),
            models.CheckConstraint(
                condition=(Q(status=CreditNoteStatus.DRAFT, number="")
                           | Q(status=CreditNoteStatus.POSTED) & ~Q(number="")
                           | Q(status=CreditNoteStatus.CANCELLED, number="")),
                name="sales_creditnote_number_at_posting"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="sales_creditnote_status_idx"),
            models.Index(fields=["firm", "credit_date"], name="sales_creditnote_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft credit note"))

    @transition(field=status, source=CreditNoteStatus.DRAFT, target=CreditNoteStatus.POSTED)
    def post(self, *, number: str, by, credit_date) -> None:
        self.number = number
        self.credit_date = credit_date
        self.posted_at = timezone.now()
        self.posted_by = by

    # A posted credit note is a statutory document: it is never cancelled, only countered.
    @transition(field=status, source=CreditNoteStatus.DRAFT, target=CreditNoteStatus.CANCELLED)
    def cancel(self, *, cancellation_reason: str) -> None:
        self.cancellation_reason = cancellation_reason
        self.cancelled_at = timezone.now()


class CreditNoteLine(TenantModel):
    """A credited quantity of an invoice line (or a free amount), with its VAT."""

    credit_note = models.ForeignKey(CreditNote, verbose_name=_("credit note"),
                                    on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    invoice_line = models.ForeignKey(InvoiceLine, verbose_name=_("invoice line"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="credit_note_lines")
    product = models.ForeignKey("pricing.Product", verbose_name=_("product"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="credit_note_lines")
    description = models.CharField(_("description"), max_length=500)
    description_ar = models.CharField(_("Arabic description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY,
                                   validators=[MinValueValidator(Decimal("0.0001"))])
    unit_price = money_field(_("unit price"))
    tax_rate = percent_field(_("tax rate (%)"))
    taxable = models.BooleanField(_("taxable"), default=True)
    line_total = money_field(_("line total"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)

    class Meta:
        verbose_name = _("credit note line")
        verbose_name_plural = _("credit note lines")
        ordering = ["credit_note", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0),
                                              name="sales_creditnoteline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


# --- down payments (business-rules §8) ----------------------------------------------



# A down payment is a positive share of its source: more than 0 %, at most 100 %.
PERCENT_ABOVE_ZERO = [MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("100"))]


class DownPayment(DocumentModel):
    """An advance a customer pays against a quote or a sales order, VAT included, later
    applied to the customer's regular invoices (business-rules §8). Amounts are written only by
    sales.services.down_payments, under row locks."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="down_payments")
    sales_order = models.ForeignKey(SalesOrder, verbose_name=_("sales order"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="down_payments")
    # The source as it was when the down payment was asked for (spec: sourceNumber, …).
    source_number = models.CharField(_("source number"), max_length=30, blank=True,
                                     editable=False)
    source_total = money_field(_("source total"), editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="down_payments",
                                 editable=False)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True,
                                     editable=False)
    customer_name_ar = models.CharField(_("customer Arabic name"), max_length=200,
                                        blank=True, editable=False)

    type = models.CharField(_("type"), max_length=20, choices=DownPaymentType.choices,
                            default=DownPaymentType.PERCENTAGE)
    percentage_value = models.DecimalField(_("percentage"), **RATE, null=True, blank=True,
                                           validators=PERCENT_ABOVE_ZERO)
    fixed_amount = models.DecimalField(_("fixed amount"), **MONEY, null=True, blank=True,
                                       validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    # business-rules §8: amount includes VAT; excluding = amount / (1 + rate/100), VAT the rest.
    amount = money_field(_("amount"), editable=False)
    vat_rate = percent_field(_("VAT rate (%)"), default=Decimal("15"))
    amount_excluding_vat = money_field(_("amount excluding VAT"), editable=False)
    vat_amount = money_field(_("VAT"), editable=False)

    requested_date = models.DateField(_("requested date"), default=timezone.localdate)
    due_date = models.DateField(_("due date"))

    invoice = models.ForeignKey(Invoice, verbose_name=_("down payment invoice"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="down_payment_sources", editable=False)
    paid_amount = money_field(_("paid amount"), editable=False)
    paid_date = models.DateField(_("paid on"), null=True, blank=True, editable=False)
    payment_method = models.CharField(_("payment method"), max_length=20, blank=True,
                                      choices=PaymentMethod.choices, editable=False)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True,
                                         editable=False)
    applied_amount = money_field(_("applied amount"), editable=False)
    refunded_amount = money_field(_("refunded amount"), editable=False)
    # paid − applied − refunded: what can still be applied or refunded.
    remaining_amount = money_field(_("remaining amount"), editable=False)

    status = FSMField(_("status"), max_length=20, choices=DownPaymentStatus.choices,
                      default=DownPaymentStatus.DRAFT, protected=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True,
                                        editable=False)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True,
                                           editable=False)

    terms = models.TextField(_("terms and conditions"), blank=True)
    terms_ar = models.TextField(_("Arabic terms and conditions"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    notes_ar = models.TextField(_("Arabic notes"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    objects = DownPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("down payment")
        verbose_name_plural = _("down payments")
        ordering = ["-requested_date", "-pk"]
        constraints = [
            unique_per_firm("number", name="sales_downpayment_number_unique"),
            models.CheckConstraint(
                condition=(Q(quote__isnull=False, sales_order__isnull=True)
                           | Q(quote__isnull=True, sales_order__isnull=False)),
                name="sales_downpayment_one_source"),
            models.CheckConstraint(
                condition=(Q(type=DownPaymentType.PERCENTAGE, percentage_value__isnull=False)
                           | Q(type=DownPaymentType.FIXED_AMOUNT, fixed_amount__isnull=False)),
                name="sales_downpayment_type_value"),
            # The money never goes round: applied and refunded come out of what was paid.
            models.CheckConstraint(
                condition=Q(applied_amount__gte=0, refunded_amount__gte=0,
                            remaining_amount__gte=0,
                            paid_amount__lte=models.F("amount"))
                & Q(remaining_amount=models.F("paid_amount") - models.F("applied_amount")
                    - models.F("refunded_amount")),
                name="sales_downpayment_amounts_balance"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="sales_downpay_status_idx"),
            models.Index(fields=["firm", "customer"], name="sales_downpay_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("New down payment"))

    @property
    def source(self):
        return self.quote if self.quote_id else self.sales_order

    @property
    def source_type(self) -> str:
        return DownPaymentSource.QUOTE if self.quote_id else DownPaymentSource.SALES_ORDER

    # The state machine declares; sales.services.down_payments performs (architecture §5.5).
    @transition(field=status, source=DownPaymentStatus.DRAFT,
                target=DownPaymentStatus.PENDING)
    def generate_invoice(self, *, invoice) -> None:
        self.invoice = invoice

    @transition(field=status, source=DownPaymentStatus.PENDING, target=DownPaymentStatus.PAID)
    def record_payment(self, *, paid_date, payment_method: str, reference: str) -> None:
        # Not `method`: django-fsm passes the transition method under that name.
        self.paid_amount = self.amount
        self.remaining_amount = self.amount
        self.paid_date = paid_date
        self.payment_method = payment_method
        self.payment_reference = reference

    @transition(field=status, source=DOWN_PAYMENT_AVAILABLE_STATUSES,
                target=RETURN_VALUE(DownPaymentStatus.PARTIALLY_APPLIED,
                                    DownPaymentStatus.FULLY_APPLIED))
    def apply(self, *, amount: Decimal) -> str:
        self.applied_amount += amount
        self.remaining_amount -= amount
        return (DownPaymentStatus.FULLY_APPLIED if self.remaining_amount == 0
                else DownPaymentStatus.PARTIALLY_APPLIED)

    # Only a refund of everything left moves the status; a part refund keeps it.
    @transition(field=status, source=DOWN_PAYMENT_AVAILABLE_STATUSES,
                target=DownPaymentStatus.REFUNDED)
    def refund(self) -> None:
        pass

    @transition(field=status, source=[DownPaymentStatus.DRAFT, DownPaymentStatus.PENDING],
                target=DownPaymentStatus.CANCELLED)
    def cancel(self, *, cancellation_reason: str) -> None:
        self.cancelled_at = timezone.now()
        self.cancellation_reason = cancellation_reason


class DownPaymentApplication(TenantModel):
    """Part of a down payment set against a regular invoice of the same customer. Written once
    by down_payment_apply, never changed."""

    down_payment = models.ForeignKey(DownPayment, verbose_name=_("down payment"),
                                     on_delete=models.PROTECT, related_name="applications")
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"),
                                on_delete=models.PROTECT,
                                related_name="down_payment_applications")
    # The invoice as it was when the amount was applied (spec: invoiceNumber, invoiceTotal).
    invoice_number = models.CharField(_("invoice number"), max_length=30, blank=True)
    invoice_total = money_field(_("invoice total"))
    amount = models.DecimalField(_("amount"), **MONEY,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applied by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("down payment application")
        verbose_name_plural = _("down payment applications")
        ordering = ["down_payment", "applied_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="sales_downpaymentapplication_positive")]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice_number}"


class DownPaymentRefund(TenantModel):
    """Money of a paid down payment given back to the customer (at most paid − applied)."""

    down_payment = models.ForeignKey(DownPayment, verbose_name=_("down payment"),
                                     on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), **MONEY,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    refund_date = models.DateField(_("refund date"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices,
                              blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("refunded by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("down payment refund")
        verbose_name_plural = _("down payment refunds")
        ordering = ["down_payment", "refund_date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="sales_downpaymentrefund_positive")]

    def __str__(self) -> str:
        return f"{self.down_payment} −{self.amount}"

"""Invoices with their lines, payments and credit notes (business-rules §1, §2, §8).
"""

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from core.choices import PaymentTerms
from core.fields import MONEY, money_field, percent_field
from core.kit.models import (
    Cancellable,
    CancellableBy,
    DiscountedTotals,
    DocumentTotals,
    Postable,
    TaxCustomerSnapshot,
)
from core.models import AuditedModel, DocumentModel
from sales.common.choices import DiscountType, PaymentMethod
from sales.common.models import LineAmounts, LineDescription, actor_link, optional_link
from sales.invoicing.choices import (
    INVOICE_MONEY_STATUSES,
    CreditNoteStatus,
    InvoiceKind,
    InvoiceStatus,
    PaymentStatus,
)
from sales.invoicing.querysets import InvoicePartQuerySet, InvoiceQuerySet
from sales.orders.models import SalesOrder, SalesOrderLine

# --- invoices, payments and credit notes (business-rules §1, §2, §8) ---------------------------


def invoice_without_money(invoice: "Invoice") -> bool:
    """An invoice may be cancelled only while nothing was paid, applied or credited on it."""
    return not (invoice.amount_paid or invoice.down_payments_applied
                or invoice.credit_notes_total)


def _number_unique_when_set(name: str) -> models.UniqueConstraint:
    # Drafts have no number yet (business-rules §1: numbers at posting): "" is not unique.
    return models.UniqueConstraint(fields=["firm", "number"], condition=~Q(number=""),
                                   name=name)


class Invoice(DocumentModel, TaxCustomerSnapshot, DiscountedTotals, Postable, CancellableBy):
    """A tax invoice to a customer, from a sales order's uninvoiced quantities or for a down
    payment. Numbered (INV-YYYY-NNNN) when posted, never before; the money on it (payments,
    down payments applied, credit notes) is written by sales.invoicing.services only:
    `amountDue = total − downPaymentsApplied − payments − creditNotes`, never below 0."""

    number = models.CharField(_("number"), max_length=30, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices,
                            default=InvoiceKind.REGULAR, editable=False)
    order = optional_link(SalesOrder, _("sales order"), "invoices", editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="invoices")
    # What the invoice says about the customer stays as it was when the invoice was made.
    billing_address_snapshot = models.JSONField(_("billing address"), default=dict,
                                                blank=True, editable=False,
                                                encoder=DjangoJSONEncoder)
    sales_person = optional_link("crm.SalesPerson", _("sales person"), "invoices", editable=False)
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
    # business-rules §8: amountDue = total − downPaymentsApplied − (payments − refunds)
    # − creditNotes; money paid back against a credit note no longer counts as paid.
    down_payments_applied = money_field(_("down payments applied"), editable=False)
    amount_paid = money_field(_("amount paid"), editable=False)
    amount_refunded = money_field(_("amount refunded"), editable=False)
    credit_notes_total = money_field(_("credit notes"), editable=False)
    amount_due = money_field(_("amount due"), editable=False)

    status = FSMField(_("status"), max_length=20, choices=InvoiceStatus.choices,
                      default=InvoiceStatus.DRAFT, protected=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)

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

    # The state machine declares; sales.invoicing.services performs (architecture §5.5).
    @transition(field=status, source=InvoiceStatus.DRAFT, target=InvoiceStatus.POSTED)
    def post(self, *, number: str, by, invoice_date, due_date) -> None:
        self.record_posting(number=number, by=by)
        self.invoice_date = invoice_date
        self.due_date = due_date

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
        self.record_cancellation(reason=cancellation_reason, by=by)
        self.amount_due = Decimal("0")


class InvoiceLine(LineAmounts):
    """One line of an invoice: a quantity of an order line (or a free line of a down-payment
    invoice), priced as the order line was; amounts from the totals engine."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE,
                                related_name="lines")
    order_line = optional_link(SalesOrderLine, _("order line"), "invoice_lines")
    product = optional_link("pricing.Product", _("product"), "invoice_lines")

    class Meta(LineAmounts.Meta):
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            *LineAmounts.Meta.constraints,
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="sales_invoiceline_quantity_positive"),
        ]


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
    recorded_by = actor_link(_("recorded by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = actor_link(_("voided by"))
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


class CreditNote(DocumentModel, TaxCustomerSnapshot, DocumentTotals, Postable, Cancellable):
    """Money given back on a posted invoice (a return, a price correction). Numbered
    (CN-YYYY-NNNN) when posted; posting lowers the invoice's amount due, never below 0."""

    number = models.CharField(_("number"), max_length=30, blank=True, editable=False)
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="credit_notes", editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="credit_notes",
                                 editable=False)
    credit_date = models.DateField(_("credit note date"), default=timezone.localdate)
    reason = models.TextField(_("reason"))
    reason_ar = models.TextField(_("Arabic reason"), blank=True)
    # What made it (e.g. "return:12"); the returns app is to the right of sales (architecture §4).
    source_reference = models.CharField(_("source"), max_length=60, blank=True,
                                        editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="SAR", editable=False)
    status = FSMField(_("status"), max_length=20, choices=CreditNoteStatus.choices,
                      default=CreditNoteStatus.DRAFT, protected=True)

    objects = InvoicePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-credit_date", "-pk"]
        permissions = [("refund_creditnote", _("Can record refunds"))]
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

    @property
    def amount_refunded(self) -> Decimal:
        """Paid back against this note: its recorded refunds (prefetched `refunds` when the
        caller has them)."""
        return sum((refund.amount for refund in self.refunds.all()
                    if refund.status == PaymentStatus.RECORDED), Decimal("0.00"))

    @transition(field=status, source=CreditNoteStatus.DRAFT, target=CreditNoteStatus.POSTED)
    def post(self, *, number: str, by, credit_date) -> None:
        self.record_posting(number=number, by=by)
        self.credit_date = credit_date

    # A posted credit note is a statutory document: it is never cancelled, only countered.
    @transition(field=status, source=CreditNoteStatus.DRAFT, target=CreditNoteStatus.CANCELLED)
    def cancel(self, *, cancellation_reason: str) -> None:
        self.record_cancellation(reason=cancellation_reason)


class CreditNoteLine(LineDescription):
    """A credited quantity of an invoice line (or a free amount), with its VAT."""

    credit_note = models.ForeignKey(CreditNote, verbose_name=_("credit note"),
                                    on_delete=models.CASCADE, related_name="lines")
    invoice_line = optional_link(InvoiceLine, _("invoice line"), "credit_note_lines")
    product = optional_link("pricing.Product", _("product"), "credit_note_lines")
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


class Refund(AuditedModel):
    """Money paid back to the customer against a posted credit note of an invoice they had
    overpaid (business-rules §8). Never edited: a mistake is voided."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT,
                                related_name="refunds")
    credit_note = models.ForeignKey(CreditNote, verbose_name=_("credit note"),
                                    on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), **MONEY,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    refund_date = models.DateField(_("refund date"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices,
                              default=PaymentMethod.BANK_TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.RECORDED, editable=False)
    recorded_by = actor_link(_("recorded by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = actor_link(_("voided by"))
    void_reason = models.TextField(_("void reason"), blank=True, editable=False)

    objects = InvoicePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-refund_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0),
                                   name="sales_refund_amount_positive"),
        ]
        indexes = [models.Index(fields=["firm", "refund_date"], name="sales_refund_date_idx")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.get_method_display()})"

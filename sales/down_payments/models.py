"""Down payments with their applications and refunds (business-rules §8).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition
from simple_history.models import HistoricalRecords

from core.fields import MONEY, RATE, money_field, percent_field, unique_per_firm
from core.kit.models import Cancellable, CustomerSnapshot
from core.models import DocumentModel, TenantModel
from sales.common.choices import PaymentMethod
from sales.common.models import DocumentTexts, optional_link
from sales.down_payments.choices import (
    DOWN_PAYMENT_AVAILABLE_STATUSES,
    DownPaymentSource,
    DownPaymentStatus,
    DownPaymentType,
)
from sales.down_payments.querysets import DownPaymentQuerySet
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder
from sales.quotes.models import Quote

# --- down payments (business-rules §8) ----------------------------------------------


# A down payment is a positive share of its source: more than 0 %, at most 100 %.
PERCENT_ABOVE_ZERO = [MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("100"))]


class DownPayment(DocumentModel, CustomerSnapshot, Cancellable, DocumentTexts):
    """An advance a customer pays against a quote or a sales order, VAT included, later
    applied to the customer's regular invoices (business-rules §8). Amounts are written only by
    sales.down_payments.services, under row locks."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    quote = optional_link(Quote, _("quote"), "down_payments")
    sales_order = optional_link(SalesOrder, _("sales order"), "down_payments")
    # The source as it was when the down payment was asked for (spec: sourceNumber, …).
    source_number = models.CharField(_("source number"), max_length=30, blank=True,
                                     editable=False)
    source_total = money_field(_("source total"), editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="down_payments",
                                 editable=False)

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

    invoice = optional_link(Invoice, _("down payment invoice"), "down_payment_sources",
                            editable=False)
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

    # The state machine declares; sales.down_payments.services performs (architecture §5.5).
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
        self.record_cancellation(reason=cancellation_reason)


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

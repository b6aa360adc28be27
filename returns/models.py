"""Returns (RMA): goods a customer sends back, from the request to the credit note, refund or
replacement (business-rules §9), with the policies that decide what may come back.

A return's lines are frozen when they are asked for: quantities, the unit value paid (net after
the line's and the document's discounts, and its VAT rate) and the policy with its window and
restocking fee. Nothing is re-priced later; returns.services alone writes statuses and amounts.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from core.fields import QUANTITY, money_field, percent_field, unique_per_firm
from core.kit.models import CancellableBy, CustomerSnapshot
from core.models import AuditedModel, DocumentModel, TenantModel
from core.money import quantity_text
from sales.common.models import actor_link, optional_link

from .choices import (
    CANCELLABLE_STATUSES,
    CUSTOMER_REASONS,
    Channel,
    Disposition,
    InspectionResult,
    PhotoStage,
    Resolution,
    ReturnReason,
    ReturnStatus,
    ShippingPaidBy,
    SourceType,
    WindowStart,
)
from .querysets import ReturnOrderQuerySet

# A unit value as paid, unrounded: the net price after discounts is rarely a whole halala.
UNIT_VALUE = {"max_digits": 20, "decimal_places": 8}


def _fee_reasons_default() -> list[str]:
    return [str(reason) for reason in CUSTOMER_REASONS]


class ReturnPolicy(AuditedModel):
    """How long, and at what fee, goods may come back. A line takes the most specific active
    policy that matches it (product group and customer group > product group > customer
    group > the firm's default policy), else the firm's returns settings."""

    name = models.CharField(_("name"), max_length=150)
    name_ar = models.CharField(_("Arabic name"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    window_days = models.PositiveSmallIntegerField(
        _("return window (days)"), default=30, validators=[MaxValueValidator(3650)])
    window_start = models.CharField(_("window starts on"), max_length=20,
                                    choices=WindowStart.choices,
                                    default=WindowStart.DELIVERY_DATE)
    restocking_fee_percent = percent_field(_("restocking fee (%)"))
    fee_reasons = models.JSONField(_("reasons that carry the fee"),
                                   default=_fee_reasons_default, blank=True)
    product_groups = models.ManyToManyField("pricing.ProductGroup",
                                            verbose_name=_("product groups"), blank=True,
                                            related_name="return_policies")
    customer_groups = models.ManyToManyField("crm.CustomerGroup",
                                             verbose_name=_("customer groups"), blank=True,
                                             related_name="return_policies")
    non_returnable_groups = models.ManyToManyField(
        "pricing.ProductGroup", verbose_name=_("non-returnable product groups"), blank=True,
        related_name="non_returnable_policies")
    is_default = models.BooleanField(_("default policy"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("return policy")
        verbose_name_plural = _("return policies")
        ordering = ["name", "pk"]
        constraints = [
            unique_per_firm("name", name="return_policy_name_unique"),
            unique_per_firm(name="return_policy_one_default", condition=Q(is_default=True)),
        ]

    def __str__(self) -> str:
        return self.name


class ReturnOrder(DocumentModel, CustomerSnapshot, CancellableBy):
    """A request to send goods back against a sales order, one of its invoices or one of its
    delivery notes (the source), and what became of it."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices,
                               default=Channel.STAFF, editable=False)

    source_type = models.CharField(_("source type"), max_length=20, choices=SourceType.choices,
                                   editable=False)
    source_number = models.CharField(_("source number"), max_length=30, blank=True,
                                     editable=False)
    source_date = models.DateField(_("source date"), null=True, blank=True, editable=False)
    # Every source belongs to one order: the order's lines hold the returned quantities.
    order = models.ForeignKey("sales.SalesOrder", verbose_name=_("sales order"),
                              on_delete=models.PROTECT, related_name="returns", editable=False)
    invoice = optional_link("sales.Invoice", _("invoice"), "returns")
    delivery_note = optional_link("delivery.DeliveryNote", _("delivery note"), "returns")

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="returns",
                                 editable=False)
    customer_email = models.EmailField(_("customer e-mail"), blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=40, blank=True)

    status = FSMField(_("status"), max_length=20, choices=ReturnStatus.choices,
                      default=ReturnStatus.DRAFT, protected=True)

    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    reason_detail = models.TextField(_("reason detail"), blank=True)
    reason_detail_ar = models.TextField(_("Arabic reason detail"), blank=True)
    requested_resolution = models.CharField(_("requested resolution"), max_length=20,
                                            choices=Resolution.choices)
    actual_resolution = models.CharField(_("resolution"), max_length=20,
                                         choices=Resolution.choices, blank=True,
                                         editable=False)
    resolution_notes = models.TextField(_("resolution notes"), blank=True)

    original_amount = money_field(_("original amount"), editable=False)
    return_amount = money_field(_("return amount"), editable=False)
    restocking_fee = money_field(_("restocking fee"), editable=False)
    restocking_fee_percent = percent_field(_("restocking fee (%)"), editable=False)
    refund_amount = money_field(_("refund amount"), editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="SAR", editable=False)

    return_shipping_method = models.CharField(_("return shipping method"), max_length=60,
                                              blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=60, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=100,
                                              blank=True)
    return_shipping_cost = money_field(_("return shipping cost"))
    return_shipping_paid_by = models.CharField(_("return shipping paid by"), max_length=10,
                                               choices=ShippingPaidBy.choices,
                                               default=ShippingPaidBy.CUSTOMER)

    pickup_required = models.BooleanField(_("pickup required"), default=False)
    pickup_address = models.JSONField(_("pickup address"), default=dict, blank=True,
                                      encoder=DjangoJSONEncoder)
    pickup_scheduled_date = models.DateField(_("pickup scheduled"), null=True, blank=True)
    pickup_completed_date = models.DateField(_("pickup completed"), null=True, blank=True)

    received_date = models.DateTimeField(_("received at"), null=True, blank=True,
                                         editable=False)
    received_by = actor_link(_("received by"))
    received_condition = models.TextField(_("condition at receipt"), blank=True,
                                          editable=False)

    inspection_date = models.DateTimeField(_("inspected at"), null=True, blank=True,
                                           editable=False)
    inspected_by = actor_link(_("inspected by"))
    inspection_result = models.CharField(_("inspection result"), max_length=20, blank=True,
                                         choices=InspectionResult.choices, editable=False)
    inspection_notes = models.TextField(_("inspection notes"), blank=True, editable=False)

    approval_required = models.BooleanField(_("approval required"), default=True,
                                            editable=False)
    approved_by = actor_link(_("approved by"))
    approved_date = models.DateTimeField(_("approved at"), null=True, blank=True,
                                         editable=False)
    rejected_by = actor_link(_("rejected by"))
    rejected_date = models.DateTimeField(_("rejected at"), null=True, blank=True,
                                         editable=False)
    rejection_reason = models.TextField(_("rejection reason"), blank=True, editable=False)

    credit_note = optional_link("sales.CreditNote", _("credit note"), "returns")
    credit_note_number = models.CharField(_("credit note number"), max_length=30, blank=True,
                                          editable=False)
    replacement_order = optional_link("sales.SalesOrder", _("replacement order"),
                                      "replaced_returns")
    replacement_order_number = models.CharField(_("replacement order number"), max_length=30,
                                                blank=True, editable=False)
    refund_payment = optional_link("sales.Refund", _("refund"), "returns", editable=False)

    requested_date = models.DateField(_("requested on"), default=timezone.localdate,
                                      editable=False)
    # The earliest end of its lines' windows (a line past it cannot be added any more).
    expiry_date = models.DateField(_("window ends"), null=True, blank=True, editable=False)
    processed_date = models.DateTimeField(_("processed at"), null=True, blank=True,
                                          editable=False)
    refunded_date = models.DateTimeField(_("refunded at"), null=True, blank=True,
                                         editable=False)

    customer_notes = models.TextField(_("customer notes"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    objects = ReturnOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-requested_date", "-pk"]
        permissions = [
            ("approve_returnorder", _("Can approve returns")),
            ("receive_returnorder", _("Can receive and inspect returns")),
            ("process_returnorder", _("Can process returns (credit notes, refunds, "
                                      "replacements)")),
        ]
        constraints = [
            unique_per_firm("number", name="return_order_number_unique"),
            models.CheckConstraint(condition=Q(refund_amount__lte=F("return_amount")),
                                   name="return_order_refund_le_amount"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="return_order_status_idx"),
            models.Index(fields=["firm", "order"], name="return_order_order_idx"),
            models.Index(fields=["firm", "-requested_date", "-id"],
                         name="return_order_date_idx"),
            models.Index(fields=["firm", "-created_at"], name="return_order_created_idx"),
            models.Index(fields=["firm", "customer"], name="return_order_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("New return"))

    @property
    def fee_reason(self) -> bool:
        return self.reason in CUSTOMER_REASONS

    # The state machine declares; returns.services performs (architecture §5.5).
    @transition(field=status, source=ReturnStatus.DRAFT,
                target=ReturnStatus.PENDING_APPROVAL)
    def submit(self) -> None:
        pass

    @transition(field=status, source=[ReturnStatus.DRAFT, ReturnStatus.PENDING_APPROVAL],
                target=ReturnStatus.APPROVED)
    def approve(self, *, by) -> None:
        self.approved_by, self.approved_date = by, timezone.now()

    @transition(field=status, source=ReturnStatus.PENDING_APPROVAL,
                target=ReturnStatus.REJECTED)
    def reject(self, *, by, rejection_reason: str) -> None:
        self.rejected_by, self.rejected_date = by, timezone.now()
        self.rejection_reason = rejection_reason

    @transition(field=status, source=ReturnStatus.APPROVED, target=ReturnStatus.RECEIVED)
    def receive(self, *, by, condition: str) -> None:
        self.received_by, self.received_date = by, timezone.now()
        self.received_condition = condition

    @transition(field=status, source=ReturnStatus.RECEIVED, target=ReturnStatus.INSPECTED)
    def inspect(self, *, by, result: str, notes: str) -> None:
        self.inspected_by, self.inspection_date = by, timezone.now()
        self.inspection_result, self.inspection_notes = result, notes

    @transition(field=status, source=[ReturnStatus.RECEIVED, ReturnStatus.INSPECTED],
                target=ReturnStatus.PROCESSED)
    def process(self, *, resolution: str, **documents) -> None:
        self.actual_resolution = resolution
        self.processed_date = timezone.now()
        for name, value in documents.items():
            setattr(self, name, value)

    @transition(field=status, source=ReturnStatus.PROCESSED, target=ReturnStatus.REFUNDED)
    def refund(self, *, refund_payment) -> None:
        self.refund_payment = refund_payment
        self.refunded_date = timezone.now()

    @transition(field=status, source=CANCELLABLE_STATUSES, target=ReturnStatus.CANCELLED)
    def cancel(self, *, cancellation_reason: str, by) -> None:
        self.record_cancellation(reason=cancellation_reason, by=by)


class ReturnOrderLine(TenantModel):
    """One order line coming back: asked for, received, inspected, and its frozen value."""

    return_order = models.ForeignKey(ReturnOrder, verbose_name=_("return"),
                                     on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    order_line = models.ForeignKey("sales.SalesOrderLine", verbose_name=_("order line"),
                                   on_delete=models.PROTECT, related_name="return_lines")
    invoice_line = optional_link("sales.InvoiceLine", _("invoice line"), "return_lines")
    delivery_line = optional_link("delivery.DeliveryNoteLine", _("delivery note line"),
                                  "return_lines")
    product = optional_link("pricing.Product", _("product"), "return_lines")
    product_code = models.CharField(_("product code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=500)
    description_ar = models.CharField(_("Arabic description"), max_length=500, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="unit")

    ordered_quantity = models.DecimalField(_("ordered"), **QUANTITY, editable=False)
    quantity = models.DecimalField(_("return quantity"), **QUANTITY,
                                   validators=[MinValueValidator(Decimal("0.0001"))])
    received_quantity = models.DecimalField(_("received quantity"), **QUANTITY, null=True,
                                            blank=True, editable=False)

    # What was paid per unit, net of the line's and the document's discounts, unrounded.
    unit_value = models.DecimalField(_("unit value (net)"), **UNIT_VALUE, editable=False)
    unit_price = money_field(_("unit price (net)"), editable=False)
    tax_rate = percent_field(_("tax rate (%)"), editable=False)
    taxable = models.BooleanField(_("taxable"), default=True, editable=False)
    line_net = money_field(_("net"), editable=False)
    line_tax = money_field(_("VAT"), editable=False)
    line_total = money_field(_("return amount"), editable=False)
    restocking_fee_percent = percent_field(_("restocking fee (%)"), editable=False)
    restocking_fee = money_field(_("restocking fee"), editable=False)
    refund_amount = money_field(_("refund amount"), editable=False)

    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    reason_detail = models.CharField(_("reason detail"), max_length=500, blank=True)
    policy = models.ForeignKey(ReturnPolicy, verbose_name=_("policy"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+", editable=False)
    delivered_date = models.DateField(_("delivered on"), null=True, blank=True, editable=False)
    window_ends = models.DateField(_("window ends"), null=True, blank=True, editable=False)

    condition = models.CharField(_("condition at receipt"), max_length=300, blank=True,
                                 editable=False)
    inspection_result = models.CharField(_("inspection result"), max_length=20, blank=True,
                                         choices=InspectionResult.choices, editable=False)
    inspection_notes = models.CharField(_("inspection notes"), max_length=500, blank=True,
                                        editable=False)
    disposition = models.CharField(_("disposition"), max_length=20, blank=True,
                                   choices=Disposition.choices, editable=False)
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)
    batch_numbers = models.JSONField(_("batch numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["return_order", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="return_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True)
                | (Q(received_quantity__gte=0) & Q(received_quantity__lte=F("quantity"))),
                name="return_line_received_le_asked"),
            models.UniqueConstraint(fields=["return_order", "order_line"],
                                    name="return_line_once_per_order_line"),
        ]
        indexes = [models.Index(fields=["order_line"], name="return_line_order_line_idx")]

    def __str__(self) -> str:
        return f"{quantity_text(self.quantity)} × {self.description}"

    @property
    def counted_quantity(self) -> Decimal:
        """What this line holds of its order line: received once received, else asked."""
        return self.quantity if self.received_quantity is None else self.received_quantity

    @property
    def unit_gross(self) -> Decimal:
        """The unit value with its VAT, as the customer paid it (rounded for reading)."""
        return (self.line_total / self.quantity).quantize(Decimal("0.01")) \
            if self.quantity else Decimal("0")


def photo_path(instance, filename: str) -> str:
    # Per firm and return, under a random name: a URL never guesses another return's files.
    return (f"returns/{instance.return_order.firm_id}/{instance.return_order_id}/"
            f"{secrets.token_hex(8)}-{filename}")


class ReturnPhoto(TenantModel):
    """A photo of returned goods, at receipt or at inspection (re-encoded on upload)."""

    return_order = models.ForeignKey(ReturnOrder, verbose_name=_("return"),
                                     on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=12, choices=PhotoStage.choices)
    image = models.FileField(_("photo"), upload_to=photo_path)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("return photo")
        verbose_name_plural = _("return photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.image.name



"""Sales orders with their lines (business-rules §6).
"""

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from core.choices import PaymentTerms
from core.fields import MONEY, QUANTITY, RATE, money_field, unique_per_firm
from core.kit.models import CancellableBy, CustomerSnapshot
from core.models import DocumentModel
from sales.common.choices import DiscountType
from sales.common.models import (
    Approvable,
    DocumentLine,
    PricedDocument,
    actor_link,
    optional_link,
)
from sales.orders.choices import ORDER_OPEN_STATUSES, ORDER_PROGRESS_STATUSES, SalesOrderStatus
from sales.orders.querysets import SalesOrderManager, SalesOrderQuerySet
from sales.quotes.models import Quote

# --- sales orders (business-rules §6) ---------------------------------------------


def nothing_delivered_or_invoiced(order: "SalesOrder") -> bool:
    """An order may be cancelled only while no line has anything delivered or invoiced."""
    if order.pk is None:
        return True
    # Reads prefetched lines when a list has them (no query per row).
    return not any(line.delivered_quantity > 0 or line.invoiced_quantity > 0
                   for line in order.lines.all())


class SalesOrder(DocumentModel, PricedDocument, Approvable, CustomerSnapshot, CancellableBy):
    """A confirmed sale to a customer; after confirmation its status follows delivery and
    invoicing progress (business-rules §6). Soft-deleted with its campaign: the
    default manager hides those rows, `all_objects` still reaches them by id for audit."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    order_date = models.DateField(_("order date"), default=timezone.localdate)
    quote = optional_link(Quote, _("quote"), "orders", editable=False)
    quote_number = models.CharField(_("quote number"), max_length=30, blank=True,
                                    editable=False)

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="sales_orders")
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

    sales_person = optional_link("crm.SalesPerson", _("sales person"), "sales_orders")
    sales_team = optional_link("crm.SalesTeam", _("sales team"), "sales_orders")
    territory = optional_link("crm.Territory", _("territory"), "sales_orders")
    campaign = optional_link("crm.Campaign", _("campaign"), "sales_orders")
    price_list = optional_link("pricing.PriceList", _("price list"), "sales_orders")
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
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True,
                                        editable=False)
    confirmed_by = actor_link(_("confirmed by"))
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

    # The state machine declares; sales.orders.services performs (architecture §5.5).
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
        self.record_cancellation(reason=cancellation_reason, by=by)


class SalesOrderLine(DocumentLine):
    """One line of an order: priced like a quote line, then delivered, invoiced and returned
    (quantities written under row locks by the delivery, invoice and return services)."""

    document_field = "order"

    order = models.ForeignKey(SalesOrder, verbose_name=_("sales order"),
                              on_delete=models.CASCADE, related_name="lines")
    product = optional_link("pricing.Product", _("product"), "sales_order_lines")
    delivered_quantity = models.DecimalField(_("delivered quantity"), **QUANTITY,
                                             default=Decimal("0"), editable=False)
    invoiced_quantity = models.DecimalField(_("invoiced quantity"), **QUANTITY,
                                            default=Decimal("0"), editable=False)
    returned_quantity = models.DecimalField(_("returned quantity"), **QUANTITY,
                                            default=Decimal("0"), editable=False)
    # Short-closed: a backorder the firm will not deliver (business-rules §7); progress counts
    # against ordered − closed.
    closed_quantity = models.DecimalField(_("closed quantity"), **QUANTITY,
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
            models.CheckConstraint(
                condition=Q(closed_quantity__gte=0)
                & Q(closed_quantity__lte=models.F("quantity") - models.F("delivered_quantity")),
                name="sales_salesorderline_closed_le_undelivered"),
        ]

    @property
    def due_quantity(self) -> Decimal:
        """What the order still owes on this line: ordered less what was short-closed."""
        return self.quantity - self.closed_quantity

    @property
    def remaining_quantity(self) -> Decimal:
        """Still to deliver (the spec's quantityRemaining): due less delivered."""
        return max(self.due_quantity - self.delivered_quantity, Decimal("0"))

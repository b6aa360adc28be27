"""Sales orders API (`sales-orders`): parse, call sales.services.orders,
present (architecture §5.2). Keys `order` / `orders`; document number `orderNumber`.

Stored totals, line amounts, traces, progress, snapshots and approval state are read-only:
the services compute them. Soft-deleted orders (their campaign was deleted) leave the list
and the stats but stay readable by id.
"""

from django.db import models
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from core.api.serializers import ModelSerializer, RoundedDecimalField, reference
from core.api.viewsets import TenantModelViewSet
from core.pdf import LANGUAGES
from core.scoping import scope_for
from crm.models import (
    Campaign,
    Customer,
    CustomerAddress,
    CustomerContact,
    SalesPerson,
    SalesTeam,
    Territory,
)
from pricing.models import PriceList, Product

from ..choices import SalesOrderStatus
from ..documents import firm_document_language, pdf_response
from ..documents.orders import order_pdf
from ..filters_orders import SalesOrderFilter
from ..models import Quote, SalesOrder, SalesOrderLine
from ..selectors import order_stats
from ..services import orders as services
from .invoices import InvoiceFromOrderSerializer, InvoiceSerializer, order_invoice_response

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 4}
LINE_READ_ONLY = ["id", "position", "product_name", "base_amount", "line_discount",
                  "line_total", "tax_amount", "cost_price", "pricing_trace",
                  "quantity_delivered", "quantity_invoiced", "quantity_returned",
                  "quantity_remaining"]


def lazy_format(template, **params):
    """`template % params`, evaluated when rendered, so the envelope gets both languages."""
    return lazy(lambda: str(template) % {name: str(value) for name, value in params.items()},
                str)()


class SalesOrderLineSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    product_id = reference(Product, "product", help_text=_(
        "Priced by the price resolver when no unit price is given."))
    product_name = serializers.CharField(source="product.name", read_only=True, default=None)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                        help_text=_("The product's name when left empty."))
    unit = serializers.CharField(max_length=20, required=False)
    unit_price = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True,
                                     help_text=_("Left out for a product: the resolved price."))
    tax_rate = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100,
                                   required=False, allow_null=True,
                                   help_text=_("The product's, else the firm's VAT."))
    is_reward = serializers.BooleanField(required=False, default=False, help_text=_(
        "A reward line the pricing rules added; sent back, it is recomputed, not kept."))
    quantity_delivered = RoundedDecimalField(**QUANTITY, source="delivered_quantity",
                                             read_only=True)
    quantity_invoiced = RoundedDecimalField(**QUANTITY, source="invoiced_quantity",
                                            read_only=True)
    quantity_returned = RoundedDecimalField(**QUANTITY, source="returned_quantity",
                                            read_only=True)
    quantity_remaining = RoundedDecimalField(**QUANTITY, source="remaining_quantity",
                                             read_only=True)

    class Meta:
        model = SalesOrderLine
        fields = ["id", "product_id", "product_name", "description", "description_ar",
                  "quantity", "unit", "unit_price", "discount_percent", "discount_amount",
                  "tax_rate", "taxable", "price_override_reason", "is_reward",
                  *LINE_READ_ONLY[1:]]
        read_only_fields = LINE_READ_ONLY


class SalesOrderSerializer(ModelSerializer):
    serializer_field_mapping = {**ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    order_number = serializers.CharField(source="number", read_only=True)
    quote_id = serializers.IntegerField(read_only=True)
    customer_id = reference(Customer, "customer")
    billing_address_id = reference(CustomerAddress, "billing_address")
    shipping_address_id = reference(CustomerAddress, "shipping_address")
    billing_address = serializers.JSONField(source="billing_address_snapshot", read_only=True)
    shipping_address = serializers.JSONField(source="shipping_address_snapshot",
                                             read_only=True)
    contact_id = reference(CustomerContact, "contact")
    sales_person_id = reference(SalesPerson, "sales_person")
    sales_person_name = serializers.SerializerMethodField()
    sales_team_id = reference(SalesTeam, "sales_team")
    territory_id = reference(Territory, "territory")
    campaign_id = reference(Campaign, "campaign")
    price_list_id = reference(PriceList, "price_list", help_text=_(
        "Forces this price list for the lines; left out, the resolver picks."))
    total_amount = RoundedDecimalField(**MONEY, source="total", read_only=True)
    approved_by_id = serializers.IntegerField(read_only=True)
    confirmed_by_id = serializers.IntegerField(read_only=True)
    cancelled_by_id = serializers.IntegerField(read_only=True)
    items = SalesOrderLineSerializer(source="lines", many=True, required=False,
                                     max_length=500)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = SalesOrder
        fields = [
            "id", "order_number", "order_date", "status", "quote_id", "quote_number",
            "customer_id", "customer_name", "customer_name_ar", "billing_address_id",
            "billing_address", "shipping_address_id", "shipping_address", "contact_id",
            "contact_name", "sales_person_id", "sales_person_name", "sales_team_id",
            "territory_id", "campaign_id", "price_list_id", "promo_code", "payment_terms",
            "currency", "expected_delivery_date", "requested_delivery_date",
            "shipping_method", "delivery_instructions", "discount_type", "discount_value",
            "shipping_cost", "items", "subtotal", "discount_amount", "after_discount",
            "tax_amount", "total_amount", "total_in_words", "total_in_words_en",
            "down_payments_applied", "amount_paid", "balance_due", "delivery_progress",
            "invoicing_progress", "warnings", "needs_approval", "approval_reasons",
            "approved_by_id", "approved_at", "confirmed_by_id", "confirmed_at",
            "cancellation_reason", "cancelled_by_id", "cancelled_at", "deleted_at", "notes",
            "notes_ar", "internal_notes", "terms", "terms_ar", "allowed_transitions",
            "created_at", "updated_at"]
        read_only_fields = [
            "status", "quote_number", "customer_name", "customer_name_ar", "subtotal",
            "discount_amount", "after_discount", "tax_amount", "total_in_words",
            "total_in_words_en", "down_payments_applied", "amount_paid", "balance_due",
            "delivery_progress", "invoicing_progress", "warnings", "needs_approval",
            "approval_reasons", "approved_at", "confirmed_at", "cancellation_reason",
            "cancelled_at", "deleted_at", "created_at", "updated_at"]
        validators: list = []

    def get_sales_person_name(self, order: SalesOrder) -> str | None:
        person = order.sales_person
        return str(person.user) if person is not None else None

    def get_allowed_transitions(self, order: SalesOrder) -> list[str]:
        return services.order_allowed_targets(order=order)

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and not attrs.get("customer"):
            raise serializers.ValidationError(
                {"customer_id": [_("A sales order is for a customer.")]})
        try:
            return super().validate(attrs)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            # The model names `customer`; the API `customerId`.
            renames = {field.source: name for name, field in self.fields.items()
                       if field.source not in (name, "*")}
            raise serializers.ValidationError(
                {renames.get(key, key): value for key, value in error.detail.items()}
            ) from error


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Why the order is cancelled."))


class FromQuoteSerializer(serializers.Serializer):
    """Optional order fields on top of what the quote gives."""

    billing_address_id = reference(CustomerAddress, "billing_address")
    shipping_address_id = reference(CustomerAddress, "shipping_address")
    expected_delivery_date = serializers.DateField(required=False, allow_null=True)
    requested_delivery_date = serializers.DateField(required=False, allow_null=True)
    shipping_method = serializers.CharField(required=False, allow_blank=True, max_length=100)
    delivery_instructions = serializers.CharField(required=False, allow_blank=True)
    campaign_id = reference(Campaign, "campaign")


class StatusAmountSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class MonthAmountSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class CustomerAmountSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    customer_name = serializers.CharField()
    customer_name_ar = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class OrderStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    booked_count = serializers.IntegerField()
    booked_amount = serializers.DecimalField(**MONEY)
    balance_due = serializers.DecimalField(**MONEY)
    average_order_value = serializers.DecimalField(**MONEY)
    by_status = StatusAmountSerializer(many=True)
    by_month = MonthAmountSerializer(many=True)
    top_customers = CustomerAmountSerializer(many=True)


CHANGE, VIEW = ["sales.change_salesorder"], ["sales.view_salesorder"]
ACTION_KEYS = {"stats": "stats"}
LANGUAGE = OpenApiParameter("language", str, enum=list(LANGUAGES), required=False,
                            description="en, ar or both (default: the firm's documents "
                                        "language)")


class SalesOrderViewSet(TenantModelViewSet):
    """Sales orders with their lines (`items`). Only drafts are edited or deleted (409
    otherwise); status moves through the actions only (business-rules §6). Lines with a product
    and no unit price are priced by the price resolver, as quote lines are."""

    queryset = SalesOrder.objects.select_related(
        "customer", "sales_person__user").prefetch_related(
        Prefetch("lines", queryset=SalesOrderLine.objects.select_related("product")
                 .order_by("position", "pk")))
    serializer_class = SalesOrderSerializer
    filterset_class = SalesOrderFilter
    data_key_plural = "orders"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "orderNumber": "number",
                   "orderDate": "order_date", "totalAmount": "total", "status": "status",
                   "customerName": "customer_name", "balanceDue": "balance_due",
                   "deliveryProgress": "delivery_progress",
                   "invoicingProgress": "invoicing_progress", "updatedAt": "updated_at"}
    default_sort = "-created_at"
    required_permissions = {
        "confirm": ["sales.confirm_salesorder"], "cancel": CHANGE, "hold": CHANGE,
        "resume": CHANGE, "approve": ["sales.approve_salesorder"],
        "from_quote": ["sales.add_salesorder"], "stats": VIEW, "pdf": VIEW,
        "invoice": ["sales.add_invoice"],
    }

    @property
    def data_key(self) -> str:
        return ACTION_KEYS.get(getattr(self, "action", None), "order")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.detail:
            # Soft-deleted orders stay readable by id, for audit; the services
            # refuse to change them (409 `order_deleted`).
            queryset = scope_for(
                SalesOrder.all_objects.select_related("customer", "sales_person__user")
                .prefetch_related("lines__product"), user=self.request.user)
        return queryset

    def _fresh(self, order: SalesOrder) -> SalesOrder:
        return SalesOrder.all_objects.select_related("customer", "sales_person__user") \
            .prefetch_related("lines__product").get(pk=order.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        lines = data.pop("lines", None)
        order = services.order_create(firm=self.request.user.firm, actor=self.request.user,
                                      lines=None if lines is None else [dict(row) for row in
                                                                        lines], **data)
        return self._fresh(order)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        lines = data.pop("lines", None)
        order = services.order_update(order=serializer.instance, actor=self.request.user,
                                      lines=None if lines is None else [dict(row) for row in
                                                                        lines], **data)
        return self._fresh(order)

    def perform_destroy(self, instance):
        services.order_delete(order=instance, actor=self.request.user)

    def _done(self, order: SalesOrder, message, *, code: int = status.HTTP_200_OK):
        return self.one(self._fresh(order), message=message, status=code)

    def _reason(self, serializer_class=ReasonSerializer) -> str:
        serializer = serializer_class(data=self.request.data,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["reason"]

    @extend_schema(request=ReasonSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """draft → confirmed: needs a line (and an approval when the order needs one);
        copies the customer's addresses and counts the pricing rules used."""
        order = services.order_confirm(order=self.get_object(), actor=request.user,
                                       reason=self._reason())
        return self._done(order, _("Order confirmed successfully"))

    @extend_schema(request=CancelSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """→ cancelled with a reason, only while nothing is delivered or invoiced (409)."""
        order = services.order_cancel(order=self.get_object(), actor=request.user,
                                      reason=self._reason(CancelSerializer))
        return self._done(order, _("Order cancelled"))

    @extend_schema(request=ReasonSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """An open order → on_hold."""
        order = services.order_hold(order=self.get_object(), actor=request.user,
                                    reason=self._reason())
        return self._done(order, _("Order put on hold"))

    @extend_schema(request=ReasonSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """on_hold → the status the order's delivery and invoicing progress give."""
        order = services.order_resume(order=self.get_object(), actor=request.user,
                                      reason=self._reason())
        return self._done(order, lazy_format(_("Order resumed: %(status)s"),
                                             status=SalesOrderStatus(order.status).label))

    @extend_schema(request=ReasonSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a draft order that needs approval (its approvers only)."""
        order = services.order_approve(order=self.get_object(), actor=request.user,
                                       reason=self._reason())
        return self._done(order, _("Order approved"))

    @extend_schema(request=FromQuoteSerializer, responses={201: SalesOrderSerializer},
                   parameters=[OpenApiParameter("quote_id", int, OpenApiParameter.PATH)])
    @action(detail=False, methods=["post"], url_path=r"from-quote/(?P<quote_id>[0-9]+)")
    def from_quote(self, request, quote_id=None):
        """A draft order from an accepted quote, once (409 the second time)."""
        quote = get_object_or_404(scope_for(Quote.objects.all(), user=request.user),
                                  pk=quote_id)
        serializer = FromQuoteSerializer(data=request.data,
                                         context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        order = services.order_from_quote(quote=quote, actor=request.user,
                                          **serializer.validated_data)
        return self._done(order, _("Sales order created from quote"),
                          code=status.HTTP_201_CREATED)

    @extend_schema(responses=OrderStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts and amounts by status and by month, top customers, for the orders the
        caller reaches and the list filters given (soft-deleted orders never count)."""
        orders = self.filter_queryset(self.get_queryset())
        data = OrderStatsSerializer(order_stats(orders=orders)).data
        return self.envelope({"stats": data})

    @extend_schema(parameters=[LANGUAGE],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The order as an A4 PDF in English, Arabic or both."""
        order = self.get_object()
        language = request.query_params.get("language") or firm_document_language(
            request.user.firm)
        if language not in LANGUAGES:
            raise serializers.ValidationError(
                {"language": [_("Must be one of: en, ar, both.")]})
        return pdf_response(order_pdf(order=order, language=language), name=order.number)

    @extend_schema(request=InvoiceFromOrderSerializer, responses={201: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        """A draft invoice of the order's uninvoiced (or delivered) quantities (business-rules §8);
        the invoices API posts, cancels and takes payments."""
        return order_invoice_response(self, request, order=self.get_object())

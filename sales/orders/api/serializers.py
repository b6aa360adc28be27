"""Sales orders API (`sales-orders`): parse, call sales.orders.services,
present (architecture §5.2). Keys `order` / `orders`; document number `orderNumber`.

Stored totals, line amounts, traces, progress, snapshots and approval state are read-only:
the services compute them. Soft-deleted orders (their campaign was deleted) leave the list
and the stats but stay readable by id.


The serializers; the viewsets are in api/views.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import (
    ModelSerializer,
    RoundedDecimalField,
    reference,
)
from core.fields import MONEY, QUANTITY
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
from sales.orders import services
from sales.orders.models import SalesOrder, SalesOrderLine

LINE_READ_ONLY = ["id", "position", "product_name", "base_amount", "line_discount",
                  "line_total", "tax_amount", "cost_price", "pricing_trace",
                  "quantity_delivered", "quantity_invoiced", "quantity_returned",
                  "quantity_closed", "quantity_remaining"]




class SalesOrderLineSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    product_id = reference(Product, "product", help_text=_(
        "Priced by the price resolver when no unit price is given."))
    product_name = serializers.CharField(source="product.name", read_only=True, default=None,
                                         allow_null=True)
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
    quantity_closed = RoundedDecimalField(**QUANTITY, source="closed_quantity", read_only=True,
                                          help_text=_("Short-closed: will not be delivered."))
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

    # `number` and `total` are the names every document uses; `orderNumber` and `totalAmount`
    # are the same values under the names sales orders were first published with.
    order_number = serializers.CharField(source="number", read_only=True, help_text=_(
        "The same as number (an alias kept for existing clients)."))
    quote_id = serializers.IntegerField(read_only=True, allow_null=True)
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
    total_amount = RoundedDecimalField(**MONEY, source="total", read_only=True, help_text=_(
        "The same as total (an alias kept for existing clients)."))
    approved_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    confirmed_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    cancelled_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    items = SalesOrderLineSerializer(source="lines", many=True, required=False,
                                     max_length=500)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = SalesOrder
        fields = [
            "id", "number", "order_number", "order_date", "status", "quote_id", "quote_number",
            "customer_id", "customer_name", "customer_name_ar", "billing_address_id",
            "billing_address", "shipping_address_id", "shipping_address", "contact_id",
            "contact_name", "sales_person_id", "sales_person_name", "sales_team_id",
            "territory_id", "campaign_id", "price_list_id", "promo_code", "payment_terms",
            "currency", "expected_delivery_date", "requested_delivery_date",
            "shipping_method", "delivery_instructions", "discount_type", "discount_value",
            "shipping_cost", "items", "subtotal", "discount_amount", "after_discount",
            "tax_amount", "total", "total_amount", "total_in_words", "total_in_words_en",
            "down_payments_applied", "amount_paid", "balance_due", "delivery_progress",
            "invoicing_progress", "warnings", "needs_approval", "approval_reasons",
            "approved_by_id", "approved_at", "confirmed_by_id", "confirmed_at",
            "cancellation_reason", "cancelled_by_id", "cancelled_at", "deleted_at", "notes",
            "notes_ar", "internal_notes", "terms", "terms_ar", "allowed_transitions",
            "created_at", "updated_at"]
        read_only_fields = [
            "number", "total", "status", "quote_number", "customer_name", "customer_name_ar",
            "subtotal", "discount_amount", "after_discount", "tax_amount", "total_in_words",
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
        # core's ModelSerializer names fields in errors as the API does.
        return super().validate(attrs)


class FromQuoteSerializer(serializers.Serializer):
    """Optional order fields on top of what the quote gives."""

    billing_address_id = reference(CustomerAddress, "billing_address")
    shipping_address_id = reference(CustomerAddress, "shipping_address")
    expected_delivery_date = serializers.DateField(required=False, allow_null=True)
    requested_delivery_date = serializers.DateField(required=False, allow_null=True)
    shipping_method = serializers.CharField(required=False, allow_blank=True, max_length=100)
    delivery_instructions = serializers.CharField(required=False, allow_blank=True)
    campaign_id = reference(Campaign, "campaign")


class _OrdersAmount(serializers.Serializer):
    """A group of orders in the stats: how many, and their total."""

    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class StatusAmountSerializer(_OrdersAmount):
    status = serializers.CharField()


class MonthAmountSerializer(_OrdersAmount):
    month = serializers.CharField()


class CustomerAmountSerializer(_OrdersAmount):
    customer_id = serializers.IntegerField()
    customer_name = serializers.CharField()
    customer_name_ar = serializers.CharField()


class OrderStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    booked_count = serializers.IntegerField()
    booked_amount = serializers.DecimalField(**MONEY)
    balance_due = serializers.DecimalField(**MONEY)
    average_order_value = serializers.DecimalField(**MONEY)
    by_status = StatusAmountSerializer(many=True)
    by_month = MonthAmountSerializer(many=True)
    top_customers = CustomerAmountSerializer(many=True)


class CloseLineSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField(min_value=1)
    quantity = RoundedDecimalField(**QUANTITY, min_value=0)


class CloseRemainingSerializer(serializers.Serializer):
    """`POST /sales-orders/:id/close-remaining`: the reason, and optionally which lines."""

    lines = CloseLineSerializer(many=True, required=False, allow_null=True, default=None,
                                help_text=_("Left out: every backorder of the order."))

    def validate_lines(self, rows):
        if rows is None:
            return None
        closed = {}
        for row in rows:
            if row["order_line_id"] in closed:
                raise serializers.ValidationError(_("A line is given twice."))
            closed[row["order_line_id"]] = row["quantity"]
        return closed

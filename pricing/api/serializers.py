"""pricing API serializers: parse and present only; prices come from pricing.services.

References are `<thing>Id` fields (and `<thing>Ids` lists) looked up among the caller's firm's
rows, so another firm's id is a 400 naming the field, never a reference across tenants. A
model error on a relation (a price list based on itself, say) is answered under the API's
name of the field (`basedOnPriceListId`), not the model's.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import FirmRelatedField, ModelSerializer, RoundedDecimalField, reference
from core.fields import MONEY, QUANTITY
from crm.models import Campaign, Customer, CustomerGroup, Territory

from ..conditions import conditions_validate
from ..models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup
from ..services.price_lists import IMPORT_MAX_ROWS

AUDIT_FIELDS = ["created_at", "updated_at"]
POSITIVE = Decimal("0.0001")


def references(model, source: str, **kwargs) -> serializers.ManyRelatedField:
    """A list of ids of the caller's firm's rows; an empty list clears the relation."""
    return FirmRelatedField(queryset=model._default_manager.all(), source=source, many=True,
                            required=False, **kwargs)


class PricingModelSerializer(ModelSerializer):
    serializer_field_mapping = {**ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    def validate(self, attrs: dict) -> dict:
        # A per-firm unique code is answered on `code`, not as a row error.
        code = attrs.get("code")
        if code and "code" in self.fields:
            taken = self.Meta.model._default_manager.filter(
                firm_id=self.context["request"].user.firm_id, code=code)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"code": [_("This code is already used in your firm.")]})
        # core's ModelSerializer names fields in errors as the API does.
        return super().validate(attrs)


# --- catalogue ----------------------------------------------------------------------------


class BrandSerializer(PricingModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "code", "name", "name_ar", "is_active", *AUDIT_FIELDS]
        validators: list = []


class ProductGroupSerializer(PricingModelSerializer):
    parent_id = reference(ProductGroup, "parent", help_text=_(
        "The group above this one; a rule on a group covers its subgroups."))

    class Meta:
        model = ProductGroup
        fields = ["id", "code", "name", "name_ar", "parent_id", "is_active", *AUDIT_FIELDS]
        validators: list = []


class ProductSerializer(PricingModelSerializer):
    group_id = reference(ProductGroup, "group")
    brand_id = reference(Brand, "brand")
    tax_rate = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100,
                                   required=False, allow_null=True, help_text=_(
                                       "VAT in percent; the firm's VAT when left out."))

    class Meta:
        model = Product
        fields = ["id", "code", "name", "name_ar", "description", "description_ar", "group_id",
                  "brand_id", "unit", "standard_price", "cost_price", "tax_rate", "is_active",
                  *AUDIT_FIELDS]
        validators: list = []


# --- price lists --------------------------------------------------------------------------


class PriceListSerializer(PricingModelSerializer):
    based_on_price_list_id = reference(PriceList, "based_on", help_text=_(
        "A product this list has no item for takes its price from that list."))
    based_on_price_list_name = serializers.CharField(source="based_on.name", read_only=True,
                                                     allow_null=True, default=None)
    customer_ids = references(Customer, "customers")
    customer_group_ids = references(CustomerGroup, "customer_groups")
    territory_ids = references(Territory, "territories")
    item_count = serializers.SerializerMethodField()

    class Meta:
        model = PriceList
        fields = ["id", "code", "name", "name_ar", "description", "description_ar", "type",
                  "currency", "is_default", "is_active", "valid_from", "valid_to",
                  "based_on_price_list_id", "based_on_price_list_name", "discount_percent",
                  "markup_percent", "rounding_method", "rounding_precision", "customer_ids",
                  "customer_group_ids", "territory_ids", "priority", "item_count",
                  *AUDIT_FIELDS]
        validators: list = []

    def get_item_count(self, price_list: PriceList) -> int:
        # Lists read through the viewset's queryset carry the count already.
        count = getattr(price_list, "item_count", None)
        return price_list.items.count() if count is None else count

    def validate(self, attrs: dict) -> dict:
        if attrs.get("is_default"):
            others = PriceList.objects.filter(firm_id=self.context["request"].user.firm_id,
                                              is_default=True)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError({"is_default": [_(
                    "Another price list is the default; clear it there first.")]})
        return super().validate(attrs)


class PriceListItemSerializer(PricingModelSerializer):
    price_list_id = serializers.IntegerField(read_only=True)
    product_id = reference(Product, "product", required=True, allow_null=False)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    product_name_ar = serializers.CharField(source="product.name_ar", read_only=True)

    class Meta:
        model = PriceListItem
        fields = ["id", "price_list_id", "product_id", "product_code", "product_name",
                  "product_name_ar", "price", "currency", "min_quantity", "max_quantity",
                  "valid_from", "valid_to", "discount_percent", "margin_percent",
                  *AUDIT_FIELDS]


class DuplicateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text=_(
        "The copy's code; a free one is made from the original's when left out."))
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class ItemsBulkSerializer(serializers.Serializer):
    """JSON rows, or a CSV/XLSX file (multipart `file`); columns as the item's keys, with
    `productCode` (or `productId`) naming the product."""

    rows = serializers.ListField(child=serializers.DictField(), required=False,
                                 max_length=IMPORT_MAX_ROWS)
    file = serializers.FileField(required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("rows") and not attrs.get("file"):
            raise serializers.ValidationError(
                {"rows": [_("Send the rows, or a CSV or Excel file as `file`.")]})
        return attrs


class RefusedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The data row, counted from 1."))
    errors = serializers.DictField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    """pricing.services.price_lists.price_list_items_import's report."""

    accepted = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    refused = RefusedRowSerializer(many=True)
    dry_run = serializers.BooleanField()


class CalculateSerializer(serializers.Serializer):
    """POST /price-lists/calculate."""

    product_id = reference(Product, "product", required=True, allow_null=False)
    quantity = RoundedDecimalField(**QUANTITY, min_value=POSITIVE, required=False,
                                   default=Decimal("1"))
    customer_id = reference(Customer, "customer")
    customer_group_id = reference(CustomerGroup, "customer_group")
    territory_id = reference(Territory, "territory")
    price_list_id = reference(PriceList, "price_list",
                              help_text=_("Forces this list; left out, the resolver picks."))
    date = serializers.DateField(required=False, allow_null=True,
                                 help_text=_("Today when left out."))
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    promo_code = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                       default="")


class QuantityBreakSerializer(serializers.Serializer):
    min = serializers.DecimalField(**QUANTITY, allow_null=True)
    max = serializers.DecimalField(**QUANTITY, allow_null=True)


class CalculationLineSerializer(serializers.Serializer):
    """The amounts for the whole quantity: gross − discount = net."""

    quantity = serializers.DecimalField(**QUANTITY)
    gross = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY)


class CalculationSerializer(serializers.Serializer):
    """Per unit: basePrice − discount = finalPrice; `line` holds the amounts for the
    quantity."""

    base_price = serializers.DecimalField(**MONEY, help_text=_("Per unit."))
    final_price = serializers.DecimalField(**MONEY, help_text=_("Per unit."))
    discount = serializers.DecimalField(**MONEY, help_text=_("Per unit."))
    discount_percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    price_list_id = serializers.IntegerField(allow_null=True)
    price_list_name = serializers.CharField(allow_null=True)
    applied_rules = serializers.ListField(child=serializers.CharField())
    currency = serializers.CharField()
    quantity_break = QuantityBreakSerializer(allow_null=True)
    line = CalculationLineSerializer()
    trace = serializers.DictField(help_text=_(
        "How the price was reached: base price and list, list steps, rules applied and "
        "skipped with the reason."))


class ApplicableQuerySerializer(serializers.Serializer):
    customer_id = reference(Customer, "customer")
    date = serializers.DateField(required=False, allow_null=True)


# --- pricing rules ------------------------------------------------------------------------


class ConditionSerializer(serializers.Serializer):
    """One condition, documented for the schema; pricing.conditions validates the list."""

    field = serializers.CharField()
    operator = serializers.CharField()
    value = serializers.JSONField()
    value2 = serializers.JSONField(required=False, allow_null=True)


class PricingRuleSerializer(PricingModelSerializer):
    product_ids = references(Product, "products")
    product_group_ids = references(ProductGroup, "product_groups")
    brand_ids = references(Brand, "brands")
    conditions = serializers.JSONField(required=False, help_text=_(
        "[{field, operator, value, value2}]: fields quantity, amount, customer, "
        "customer_group, territory, campaign, date, day_of_week."))
    applicable_customer_ids = references(Customer, "applicable_customers")
    applicable_customer_group_ids = references(CustomerGroup, "applicable_customer_groups")
    applicable_territory_ids = references(Territory, "applicable_territories")
    applicable_price_list_ids = references(PriceList, "applicable_price_lists")
    exclude_product_ids = references(Product, "exclude_products")
    exclude_product_group_ids = references(ProductGroup, "exclude_product_groups")
    exclude_customer_ids = references(Customer, "exclude_customers")
    reward_product_id = reference(Product, "reward_product")

    class Meta:
        model = PricingRule
        fields = ["id", "code", "name", "name_ar", "description", "description_ar", "type",
                  "is_active", "priority", "apply_on", "product_ids", "product_group_ids",
                  "brand_ids", "conditions", "match_all_conditions", "discount_type",
                  "discount_value", "max_discount_amount", "compound", "min_quantity",
                  "max_quantity", "min_amount", "max_amount", "valid_from", "valid_to",
                  "applicable_customer_ids", "applicable_customer_group_ids",
                  "applicable_territory_ids", "applicable_price_list_ids",
                  "exclude_product_ids", "exclude_product_group_ids", "exclude_customer_ids",
                  "usage_limit", "usage_count", "usage_limit_per_customer", "can_stack",
                  "promotion_code", "requires_promo_code", "reward_type", "buy_quantity",
                  "reward_product_id", "reward_quantity", "reward_discount", "notes",
                  *AUDIT_FIELDS]
        read_only_fields = ["usage_count"]
        validators: list = []

    def validate_conditions(self, value):
        if isinstance(value, list):
            # The camelCase parser reads `value2` as `value_2`.
            value = [{("value2" if key == "value_2" else key): item
                      for key, item in condition.items()}
                     if isinstance(condition, dict) else condition for condition in value]
        try:
            return conditions_validate(value)
        except DjangoValidationError as error:
            # Keys come as `conditions.0.value`; under this field they are `0.value`.
            detail = {key.removeprefix("conditions.").removeprefix("conditions") or
                      "non_field_errors": messages
                      for key, messages in error.message_dict.items()}
            if set(detail) == {"non_field_errors"}:
                raise serializers.ValidationError(detail["non_field_errors"]) from error
            raise serializers.ValidationError(detail) from error


class CartItemSerializer(serializers.Serializer):
    product_id = reference(Product, "product", required=True, allow_null=False)
    quantity = RoundedDecimalField(**QUANTITY, min_value=POSITIVE)


class ApplySerializer(serializers.Serializer):
    """POST /pricing-rules/apply: a cart priced as an order would be."""

    customer_id = reference(Customer, "customer")
    customer_group_id = reference(CustomerGroup, "customer_group")
    territory_id = reference(Territory, "territory")
    campaign_id = reference(Campaign, "campaign")
    price_list_id = reference(PriceList, "price_list")
    promo_code = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                       default="")
    date = serializers.DateField(required=False, allow_null=True)
    items = CartItemSerializer(many=True, allow_empty=False, max_length=500)


class CartSerializer(serializers.Serializer):
    """pricing.services.resolver.PriceResult.as_dict(): lines with their traces, totals."""

    lines = serializers.ListField(child=serializers.DictField(), help_text=_(
        "Each line with its unit price, amounts, trace and appliedRuleIds."))
    applied_rule_ids = serializers.ListField(child=serializers.IntegerField(), help_text=_(
        "Every rule applied somewhere in the cart, ascending."))
    totals = serializers.DictField()


class ValidatePromoSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    customer_id = reference(Customer, "customer")
    date = serializers.DateField(required=False, allow_null=True)


class PromoSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    code = serializers.CharField()
    reason = serializers.CharField()
    message = serializers.CharField()
    message_ar = serializers.CharField()
    rules = serializers.ListField(child=serializers.DictField())


class TopRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_ar = serializers.CharField()
    usage_count = serializers.IntegerField()
    usage_limit = serializers.IntegerField(allow_null=True)


class RuleStatsSerializer(serializers.Serializer):
    """pricing.selectors.pricing_rules_stats."""

    total = serializers.IntegerField()
    active = serializers.IntegerField()
    inactive = serializers.IntegerField()
    by_type = serializers.DictField(child=serializers.IntegerField())
    total_uses = serializers.IntegerField()
    discount_given = serializers.DecimalField(**MONEY)
    top_rules = TopRuleSerializer(many=True)

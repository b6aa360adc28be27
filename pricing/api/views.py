"""pricing API: parse, call pricing.services, present (architecture §5.2). Paths and keys per
docs/api.md."""

import datetime
from decimal import Decimal

from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.settings import api_settings

from core.api.viewsets import RecordViewSet
from core.filters import search_queryset, underscore
from core.money import round_money

from .. import filters
from ..models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup
from . import serializers as s


def _today() -> datetime.date:
    return timezone.localdate()


def _dry_run(request) -> bool:
    value = request.query_params.get("dryRun", request.query_params.get("dry_run", "false"))
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no", ""):
        return False
    raise ValidationError({"dryRun": [_("Must be true or false.")]})


# --- catalogue ----------------------------------------------------------------------------


class BrandViewSet(RecordViewSet):
    queryset = Brand.objects.all()
    serializer_class = s.BrandSerializer
    filterset_class = filters.BrandFilter
    resource_key, data_key_plural = "brand", "brands"
    sort_fields = {"createdAt": "created_at", "code": "code", "name": "name"}
    default_sort = "name"


class ProductGroupViewSet(RecordViewSet):
    queryset = ProductGroup.objects.all()
    serializer_class = s.ProductGroupSerializer
    filterset_class = filters.ProductGroupFilter
    resource_key, data_key_plural = "product_group", "product_groups"
    sort_fields = {"createdAt": "created_at", "code": "code", "name": "name"}
    default_sort = "name"


class ProductViewSet(RecordViewSet):
    queryset = Product.objects.all()
    serializer_class = s.ProductSerializer
    filterset_class = filters.ProductFilter
    resource_key, data_key_plural = "product", "products"
    sort_fields = {"createdAt": "created_at", "code": "code", "name": "name",
                   "standardPrice": "standard_price", "costPrice": "cost_price"}
    default_sort = "code"


# --- price lists --------------------------------------------------------------------------

VIEW_LIST, CHANGE_LIST = ["pricing.view_pricelist"], ["pricing.change_pricelist"]
PRICE_LIST_KEYS = {"items": "price_list_item", "add_item": "price_list_item",
                   "item": "price_list_item", "update_item": "price_list_item",
                   "delete_item": "price_list_item", "bulk": "report",
                   "calculate": "calculation", "applicable": "price_list"}


class PriceListViewSet(RecordViewSet):
    """Price lists with their restrictions; items under /:id/items."""

    queryset = PriceList.objects.select_related("based_on").prefetch_related(
        "customers", "customer_groups", "territories").annotate(
        item_count=models.Count("items", distinct=True))
    serializer_class = s.PriceListSerializer
    filterset_class = filters.PriceListFilter
    resource_key = "price_list"
    action_keys = PRICE_LIST_KEYS
    sort_fields = {"createdAt": "created_at", "code": "code", "name": "name",
                   "priority": "priority", "validFrom": "valid_from"}
    default_sort = "-priority"
    required_permissions = {
        "duplicate": ["pricing.add_pricelist"], "toggle_active": CHANGE_LIST,
        "items": VIEW_LIST, "add_item": ["pricing.add_pricelistitem"],
        "update_item": ["pricing.change_pricelistitem"],
        "delete_item": ["pricing.delete_pricelistitem"],
        "bulk": ["pricing.add_pricelistitem", "pricing.change_pricelistitem"],
        "calculate": VIEW_LIST, "applicable": VIEW_LIST,
    }

    @property
    def data_key_plural(self) -> str:
        return "price_list_items" if getattr(self, "action", None) == "items" \
            else "price_lists"

    def get_serializer_class(self):
        if self.action in ("items", "add_item", "update_item", "delete_item"):
            return s.PriceListItemSerializer
        return super().get_serializer_class()

    def filter_queryset(self, queryset):
        if self.action in ("items", "add_item", "update_item", "delete_item", "bulk"):
            return queryset  # the list filters are the price lists', not the items'
        return super().filter_queryset(queryset)

    def perform_create(self, serializer):
        return self._fresh(super().perform_create(serializer))

    def perform_update(self, serializer):
        return self._fresh(super().perform_update(serializer))

    @extend_schema(request=s.DuplicateSerializer, responses={201: s.PriceListSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """Copy the list with its items and restrictions, under a new code (inactive)."""
        from ..services.price_lists import price_list_duplicate

        payload = self.input_data(s.DuplicateSerializer)
        copy = price_list_duplicate(price_list=self.get_object(), actor=self.actor,
                                    code=payload.get("code") or None,
                                    name=payload.get("name") or None)
        return self.one(self._fresh(copy), message=_("Price list duplicated successfully"),
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PriceListSerializer)
    @action(detail=True, methods=["patch"], url_path="toggle-active")
    def toggle_active(self, request, pk=None):
        """Switch the list on or off."""
        from ..services.price_lists import price_list_toggle_active

        price_list = price_list_toggle_active(price_list=self.get_object(), actor=self.actor)
        message = (_("Price list activated") if price_list.is_active
                   else _("Price list deactivated"))
        return self.one(self._fresh(price_list), message=message)

    def _fresh(self, price_list: PriceList) -> PriceList:
        """The list as the queryset presents it (restrictions, item count)."""
        return self.get_queryset().get(pk=price_list.pk)

    # --- items --------------------------------------------------------------------------

    def _items(self, price_list: PriceList):
        return price_list.items.select_related("product")

    @extend_schema(responses=s.PriceListItemSerializer(many=True), parameters=[
        OpenApiParameter("page", int), OpenApiParameter("limit", int),
        OpenApiParameter("productId", int), OpenApiParameter("search", str)])
    @action(detail=True, methods=["get"], url_path="items")
    def items(self, request, pk=None):
        """The list's items (quantity breaks included), by product code and minimum quantity."""
        price_list = self.get_object()
        filterset = filters.PriceListItemFilter(request.query_params,
                                                queryset=self._items(price_list))
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = search_queryset(filterset.qs, filters.PriceListItemFilter.search_fields,
                                   request.query_params.get("search", "")).order_by(
            "product__code", "min_quantity", "pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.PriceListItemSerializer(
            page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=s.PriceListItemSerializer,
                   responses={201: s.PriceListItemSerializer})
    @items.mapping.post
    def add_item(self, request, pk=None):
        """Add an item (a product's price, optionally from a minimum quantity) to the list."""
        price_list = self.get_object()
        serializer = s.PriceListItemSerializer(data=request.data,
                                               context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = serializer.save(firm=self.firm, price_list=price_list, created_by=self.actor,
                               updated_by=self.actor)
        return self._item(item, message=_("Price list item added successfully"),
                          status=status.HTTP_201_CREATED)

    def _item(self, item, *, message=None, status=status.HTTP_200_OK):
        data = s.PriceListItemSerializer(item, context=self.get_serializer_context()).data
        return self.envelope({"price_list_item": data}, message=message, status=status)

    def _get_item(self, item_id) -> PriceListItem:
        price_list = self.get_object()
        return get_object_or_404(self._items(price_list), pk=item_id)

    @extend_schema(request=s.PriceListItemSerializer, responses=s.PriceListItemSerializer)
    @action(detail=True, methods=["put", "patch"], url_path=r"items/(?P<item_id>[0-9]+)")
    def update_item(self, request, pk=None, item_id=None):
        """Change an item of this list (an item of another list is not found here)."""
        item = self._get_item(item_id)
        serializer = s.PriceListItemSerializer(item, data=request.data,
                                               partial=request.method == "PATCH",
                                               context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = serializer.save(updated_by=self.actor)
        return self._item(item, message=_("Price list item updated successfully"))

    @extend_schema(request=None, responses={200: None})
    @update_item.mapping.delete
    def delete_item(self, request, pk=None, item_id=None):
        """Remove an item of this list."""
        item = self._get_item(item_id)
        item._history_user = self.actor
        item.delete()
        return self.envelope(None, message=_("Price list item deleted successfully"))

    @extend_schema(
        request={"application/json": s.ItemsBulkSerializer,
                 "multipart/form-data": s.ItemsBulkSerializer},
        responses=s.ImportReportSerializer,
        parameters=[OpenApiParameter("dryRun", bool, description=(
            "Check every row and answer the report without saving anything."))])
    @action(detail=True, methods=["post"], url_path="items/bulk",
            parser_classes=[*api_settings.DEFAULT_PARSER_CLASSES, MultiPartParser, FormParser])
    def bulk(self, request, pk=None):
        """Import items from JSON rows or a CSV/XLSX file: each row is accepted (added or
        updated) or refused with the reasons; `dryRun=true` saves nothing."""
        from ..services.price_lists import price_list_items_import

        price_list = self.get_object()
        dry_run = _dry_run(request)
        upload = request.FILES.get("file")
        if upload is not None:
            report = price_list_items_import(price_list=price_list, actor=self.actor,
                                             file=upload, filename=upload.name,
                                             dry_run=dry_run)
        else:
            payload = self.input_data(s.ItemsBulkSerializer)
            report = price_list_items_import(price_list=price_list, actor=self.actor,
                                             rows=[dict(row) for row in payload["rows"]],
                                             dry_run=dry_run)
        message = (_("Import checked; nothing was saved") if dry_run
                   else _("Price list items imported"))
        return self.envelope({"report": report}, message=message)

    # --- pricing --------------------------------------------------------------------------

    @extend_schema(request=s.CalculateSerializer, responses=s.CalculationSerializer)
    @action(detail=False, methods=["post"])
    def calculate(self, request):
        """The price of one product for a quantity, customer and date, with the
        resolver's trace."""
        from ..services.resolver import price_resolve

        payload = self.input_data(s.CalculateSerializer)
        result = price_resolve(
            firm=self.firm, customer=payload.get("customer"),
            items=[{"product": payload["product"], "quantity": payload["quantity"]}],
            date=payload.get("date") or _today(), promo_code=payload.get("promo_code", ""),
            price_list=payload.get("price_list"),
            customer_group=payload.get("customer_group"), territory=payload.get("territory"))
        return self.envelope({"calculation": calculation(result.as_dict())})

    @extend_schema(responses=s.PriceListSerializer(many=True), parameters=[
        OpenApiParameter("customerId", int), OpenApiParameter("date", OpenApiTypes.DATE)])
    @action(detail=False, methods=["get"])
    def applicable(self, request):
        """The active, valid lists that apply to the customer on the date, most specific
        first (business-rules §10)."""
        from ..services.price_lists import price_list_applicable

        query = {underscore(key): value for key, value in request.query_params.items()}
        payload = self.input_data(s.ApplicableQuerySerializer, data=query)
        lists = price_list_applicable(firm=self.firm, customer=payload.get("customer"),
                                      date=payload.get("date") or _today())
        ids = [row.pk for row in lists]
        fresh = {row.pk: row for row in self.get_queryset().filter(pk__in=ids)}
        data = s.PriceListSerializer([fresh[pk] for pk in ids if pk in fresh], many=True,
                                     context=self.get_serializer_context()).data
        return self.envelope({"price_lists": data})


def calculation(result: dict) -> dict:
    """The calculate answer for one line, from PriceResult.as_dict(): per unit the base and
    final prices and the discount, the list and the rules; under `line` the amounts for the
    whole quantity; and the line's whole trace."""
    line = result["lines"][0]
    base, final = Decimal(str(line["base_price"])), Decimal(str(line["unit_price"]))
    price_list = line.get("price_list") or {}
    return {
        "base_price": base, "final_price": final, "discount": round_money(base - final),
        "discount_percent": line.get("discount_percent"),
        "price_list_id": price_list.get("id"), "price_list_name": price_list.get("name"),
        "applied_rules": [rule.get("text") or rule.get("name")
                          for rule in line.get("applied_rules", [])],
        "currency": result.get("currency") or "SAR",
        "quantity_break": line.get("quantity_break"),
        "line": {"quantity": line.get("quantity"), "gross": line.get("gross"),
                 "discount": line.get("discount_amount"), "net": line.get("net")},
        "trace": {**line, "reward_lines": result.get("reward_lines", [])},
    }


# --- pricing rules --------------------------------------------------------------------------

VIEW_RULE = ["pricing.view_pricingrule"]


class PricingRuleViewSet(RecordViewSet):
    """Pricing rules and promotions; usageCount is kept by the order flow."""

    queryset = PricingRule.objects.prefetch_related(
        "products", "product_groups", "brands", "applicable_customers",
        "applicable_customer_groups", "applicable_territories", "applicable_price_lists",
        "exclude_products", "exclude_product_groups", "exclude_customers")
    serializer_class = s.PricingRuleSerializer
    filterset_class = filters.PricingRuleFilter
    resource_key, data_key_plural = "pricing_rule", "pricing_rules"
    action_keys = {"apply": "cart", "validate_promo": "promo", "stats": "stats"}
    sort_fields = {"createdAt": "created_at", "code": "code", "name": "name",
                   "priority": "priority", "usageCount": "usage_count",
                   "validFrom": "valid_from"}
    default_sort = "-priority"
    required_permissions = {
        "duplicate": ["pricing.add_pricingrule"],
        "toggle_active": ["pricing.change_pricingrule"],
        "apply": VIEW_RULE, "validate_promo": VIEW_RULE, "stats": VIEW_RULE,
    }

    def _fresh(self, rule: PricingRule) -> PricingRule:
        return self.get_queryset().get(pk=rule.pk)

    @extend_schema(request=None, responses=s.PricingRuleSerializer)
    @action(detail=True, methods=["patch"], url_path="toggle-active")
    def toggle_active(self, request, pk=None):
        """Switch the rule on or off."""
        from ..services.rules import pricing_rule_toggle_active

        rule = pricing_rule_toggle_active(rule=self.get_object(), actor=self.actor)
        message = _("Pricing rule activated") if rule.is_active else _(
            "Pricing rule deactivated")
        return self.one(self._fresh(rule), message=message)

    @extend_schema(request=s.DuplicateSerializer, responses={201: s.PricingRuleSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """Copy the rule under a new code, inactive, with its usage count at zero."""
        from ..services.rules import pricing_rule_duplicate

        payload = self.input_data(s.DuplicateSerializer)
        copy = pricing_rule_duplicate(rule=self.get_object(), actor=self.actor,
                                      code=payload.get("code") or None,
                                      name=payload.get("name") or None)
        return self.one(self._fresh(copy), message=_("Pricing rule duplicated successfully"),
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ApplySerializer, responses=s.CartSerializer)
    @action(detail=False, methods=["post"])
    def apply(self, request):
        """Price a cart with the rules (nothing is saved, no usage is counted): each line with
        its trace, reward lines, and the totals."""
        from ..services.resolver import price_resolve

        payload = self.input_data(s.ApplySerializer)
        result = price_resolve(
            firm=self.firm, customer=payload.get("customer"),
            items=[{"product": item["product"], "quantity": item["quantity"]}
                   for item in payload["items"]],
            date=payload.get("date") or _today(), promo_code=payload.get("promo_code", ""),
            price_list=payload.get("price_list"),
            customer_group=payload.get("customer_group"), territory=payload.get("territory"),
            campaign=payload.get("campaign"))
        return self.envelope({"cart": result.as_dict()})

    @extend_schema(request=s.ValidatePromoSerializer, responses=s.PromoSerializer)
    @action(detail=False, methods=["post"], url_path="validate-promo")
    def validate_promo(self, request):
        """Whether a promotion code may be used now (by the customer), and why not."""
        from ..services.usage import promo_validate

        payload = self.input_data(s.ValidatePromoSerializer)
        answer = promo_validate(firm=self.firm, code=payload["code"],
                                customer=payload.get("customer"),
                                date=payload.get("date") or _today())
        return self.envelope({"promo": answer})

    @extend_schema(responses=s.RuleStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts of the firm's rules (active, by type, promotions, usage)."""
        from ..selectors import pricing_rules_stats

        return self.envelope({"stats": pricing_rules_stats(firm=self.firm)})

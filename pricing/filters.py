"""pricing FilterSets, shared by the API lists, the staff list pages and CSV export
(architecture §5.3).

Query names are camelCase on the wire (core.filters.FilterSet maps them). References filter by
id and take a comma list (`?brandId=3,4`), each with its bare twin (`?brand=3`) that the staff
pages use. `search_fields` are the columns the list's `search` looks in.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import (
    ActiveFilterSet,
    CommaChoiceFilter,
    CommaNumberFilter,
    FilterSet,
    reference_filter,
    reference_filters,
)

from . import choices
from .models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup


def group_descendants(group_ids) -> set[int]:
    """The groups given and every group below them (one query for the firm's tree)."""
    wanted = {int(pk) for pk in group_ids if pk is not None}
    if not wanted:
        return set()
    firms = ProductGroup.objects.filter(pk__in=wanted).values_list("firm_id", flat=True)
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in ProductGroup.objects.filter(firm_id__in=firms).values_list(
            "pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, queue = set(), list(wanted)
    while queue:
        pk = queue.pop()
        if pk in found:
            continue
        found.add(pk)
        queue.extend(children.get(pk, []))
    return found


class BrandFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar"]

    class Meta:
        model = Brand
        fields: list[str] = []


class ProductGroupFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar"]

    parent, parent_id = reference_filters("parent_id", _("parent group"))

    class Meta:
        model = ProductGroup
        fields: list[str] = []


class ProductFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar"]

    # A group covers its subgroups, as a pricing rule on the group does.
    group = CommaNumberFilter(method="filter_group", label=_("product group"))
    group_id = CommaNumberFilter(method="filter_group", label=_("product group"))
    brand, brand_id = reference_filters("brand_id", _("brand"))

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_group(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(group_id__in=group_descendants(value))


class PriceListFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar"]

    type = CommaChoiceFilter(choices=choices.PriceListType.choices, label=_("type"))
    is_default = django_filters.BooleanFilter(field_name="is_default", label=_("default"))
    currency = django_filters.CharFilter(field_name="currency", lookup_expr="iexact",
                                         label=_("currency"))
    based_on, based_on_price_list_id = reference_filters("based_on_id", _("based on"))
    customer_id = reference_filter("customers", _("customer"), many=True)
    customer_group_id = reference_filter("customer_groups", _("customer group"), many=True)
    territory_id = reference_filter("territories", _("territory"), many=True)
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("valid on"))

    class Meta:
        model = PriceList
        fields: list[str] = []

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(
            (Q(valid_from__isnull=True) | Q(valid_from__lte=value))
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=value)))


class PriceListItemFilter(FilterSet):
    search_fields = ["product__code", "product__name", "product__name_ar"]

    product, product_id = reference_filters("product_id", _("product"))

    class Meta:
        model = PriceListItem
        fields: list[str] = []


class PricingRuleFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar", "promotion_code"]

    type = CommaChoiceFilter(choices=choices.RuleType.choices, label=_("type"))
    apply_on = CommaChoiceFilter(choices=choices.ApplyOn.choices, label=_("applies to"))
    discount_type = CommaChoiceFilter(choices=choices.DiscountType.choices,
                                      label=_("discount type"))
    requires_promo_code = django_filters.BooleanFilter(field_name="requires_promo_code",
                                                       label=_("requires a promotion code"))
    promotion_code = django_filters.CharFilter(field_name="promotion_code",
                                               lookup_expr="iexact",
                                               label=_("promotion code"))
    product_id = reference_filter("products", _("product"), many=True)
    product_group_id = reference_filter("product_groups", _("product group"), many=True)
    brand_id = reference_filter("brands", _("brand"), many=True)

    class Meta:
        model = PricingRule
        fields: list[str] = []

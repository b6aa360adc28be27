"""pricing in the Django admin, scoped to the admin's firm (core.admin.FirmScopedAdmin), with
history. Rule uses are written by the order flow only: read-only here, as is a rule's usage
count."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import FirmScopedAdmin, FirmScopedInline, InlineFirmMixin, ReadOnlyFirmAdmin

from .conditions import conditions_validate
from .models import (
    Brand,
    PriceList,
    PriceListItem,
    PricingRule,
    PricingRuleUsage,
    Product,
    ProductGroup,
)


@admin.register(Brand)
class BrandAdmin(FirmScopedAdmin):
    list_display = ["code", "name", "name_ar", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_ar"]


@admin.register(ProductGroup)
class ProductGroupAdmin(FirmScopedAdmin):
    list_display = ["code", "name", "name_ar", "parent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_ar"]
    list_select_related = ["parent"]


@admin.register(Product)
class ProductAdmin(FirmScopedAdmin):
    list_display = ["code", "name", "name_ar", "group", "brand", "standard_price",
                    "cost_price", "tax_rate", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_ar"]
    list_select_related = ["group", "brand"]


class PriceListItemInline(FirmScopedInline):
    model = PriceListItem
    fields = ["product", "price", "currency", "min_quantity", "max_quantity", "valid_from",
              "valid_to", "discount_percent", "margin_percent"]
    autocomplete_fields = ["product"]


@admin.register(PriceList)
class PriceListAdmin(InlineFirmMixin, FirmScopedAdmin):
    list_display = ["code", "name", "type", "priority", "based_on", "is_default", "is_active",
                    "valid_from", "valid_to"]
    list_filter = ["type", "is_active", "is_default"]
    search_fields = ["code", "name", "name_ar"]
    list_select_related = ["based_on"]
    filter_horizontal = ["customers", "customer_groups", "territories"]
    inlines = [PriceListItemInline]


@admin.register(PriceListItem)
class PriceListItemAdmin(FirmScopedAdmin):
    list_display = ["price_list", "product", "price", "min_quantity", "max_quantity",
                    "valid_from", "valid_to"]
    search_fields = ["product__code", "product__name", "price_list__code"]
    list_select_related = ["price_list", "product"]
    autocomplete_fields = ["product"]


@admin.register(PricingRule)
class PricingRuleAdmin(FirmScopedAdmin):
    list_display = ["code", "name", "type", "apply_on", "discount_type", "discount_value",
                    "priority", "promotion_code", "usage_count", "is_active"]
    list_filter = ["type", "apply_on", "discount_type", "is_active", "requires_promo_code"]
    search_fields = ["code", "name", "name_ar", "promotion_code"]
    readonly_fields = ["usage_count"]
    filter_horizontal = ["products", "product_groups", "brands", "applicable_customers",
                         "applicable_customer_groups", "applicable_territories",
                         "applicable_price_lists", "exclude_products",
                         "exclude_product_groups", "exclude_customers"]
    autocomplete_fields = ["reward_product"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_ar", "type", "is_active", "priority",
                           "valid_from", "valid_to", "description", "description_ar"]}),
        (_("Applies to"), {"fields": ["apply_on", "products", "product_groups", "brands"]}),
        (_("Conditions"), {"fields": ["conditions", "match_all_conditions"]}),
        (_("Discount"), {"fields": ["discount_type", "discount_value", "max_discount_amount",
                                    "compound", "can_stack"]}),
        (_("Thresholds"), {"fields": ["min_quantity", "max_quantity", "min_amount",
                                      "max_amount"]}),
        (_("Only for"), {"fields": ["applicable_customers", "applicable_customer_groups",
                                    "applicable_territories", "applicable_price_lists"]}),
        (_("Except"), {"fields": ["exclude_products", "exclude_product_groups",
                                  "exclude_customers"]}),
        (_("Usage and promotion code"), {"fields": ["usage_limit", "usage_count",
                                                    "usage_limit_per_customer",
                                                    "promotion_code", "requires_promo_code"]}),
        (_("Buy X get Y"), {"fields": ["reward_type", "buy_quantity", "reward_product",
                                       "reward_quantity", "reward_discount"]}),
        (_("Notes"), {"fields": ["notes"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class ConditionsCheckedForm(form):
            def clean_conditions(self):
                try:
                    return conditions_validate(self.cleaned_data.get("conditions"))
                except ValidationError as error:
                    raise forms.ValidationError(
                        [f"{key}: {' '.join(messages)}"
                         for key, messages in error.message_dict.items()]) from error

        return ConditionsCheckedForm


@admin.register(PricingRuleUsage)
class PricingRuleUsageAdmin(ReadOnlyFirmAdmin):
    list_display = ["rule", "customer", "source_type", "source_id", "discount_amount",
                    "used_at", "released_at"]
    list_filter = ["source_type"]
    search_fields = ["rule__code", "source_type"]
    list_select_related = ["rule", "customer"]

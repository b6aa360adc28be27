from django.db import models
from django.utils.translation import gettext_lazy as _


class PriceListType(models.TextChoices):
    SELLING = "selling", _("Selling")
    BUYING = "buying", _("Buying")
    BOTH = "both", _("Selling and buying")


class RoundingMethod(models.TextChoices):
    NONE = "none", _("No rounding")
    UP = "up", _("Round up")
    DOWN = "down", _("Round down")
    NEAREST = "nearest", _("Round to nearest")


class RuleType(models.TextChoices):
    DISCOUNT = "discount", _("Discount")
    PRICE_OVERRIDE = "price_override", _("Price override")
    MARKUP = "markup", _("Markup")
    PROMOTIONAL = "promotional", _("Promotional")


class ApplyOn(models.TextChoices):
    """What a rule covers, most specific first (RULES.md §10: only the most specific level
    that has a candidate competes)."""

    ITEM_CODE = "item_code", _("Products")
    ITEM_GROUP = "item_group", _("Product groups")
    BRAND = "brand", _("Brands")
    ALL_ITEMS = "all_items", _("All products")


class DiscountType(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage")
    FIXED_AMOUNT = "fixed_amount", _("Fixed amount off")
    FIXED_PRICE = "fixed_price", _("Fixed price")


class ConditionField(models.TextChoices):
    QUANTITY = "quantity", _("Quantity")
    AMOUNT = "amount", _("Amount")
    CUSTOMER = "customer", _("Customer")
    CUSTOMER_GROUP = "customer_group", _("Customer group")
    TERRITORY = "territory", _("Territory")
    CAMPAIGN = "campaign", _("Campaign")
    DATE = "date", _("Date")
    DAY_OF_WEEK = "day_of_week", _("Day of week")


class ConditionOperator(models.TextChoices):
    EQUALS = "equals", _("equals")
    NOT_EQUALS = "not_equals", _("does not equal")
    GREATER_THAN = "greater_than", _("greater than")
    LESS_THAN = "less_than", _("less than")
    BETWEEN = "between", _("between")
    IN = "in", _("is one of")
    NOT_IN = "not_in", _("is none of")


class RewardType(models.TextChoices):
    FREE_ITEM = "free_item", _("Free item")
    DISCOUNT_ON_ITEM = "discount_on_item", _("Discount on item")

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
    """What a rule covers, most specific first (business-rules §10: only the most specific level
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


class SkipReason(models.TextChoices):
    """Why a pricing rule that covers a line's product did not apply (the line's trace)."""

    PROMO_CODE_REQUIRED = "promo_code_required", _("The rule needs its promotion code.")
    EXCLUDED_PRODUCT = "excluded_product", _("The product is excluded from the rule.")
    EXCLUDED_CUSTOMER = "excluded_customer", _("The customer is excluded from the rule.")
    NOT_FOR_CUSTOMER = "not_for_customer", _("The rule is for other customers.")
    NOT_FOR_CUSTOMER_GROUP = "not_for_customer_group", _(
        "The rule is for other customer groups.")
    NOT_FOR_TERRITORY = "not_for_territory", _("The rule is for other territories.")
    NOT_FOR_PRICE_LIST = "not_for_price_list", _("The rule is for other price lists.")
    CONDITIONS_NOT_MET = "conditions_not_met", _("The rule's conditions are not met.")
    BELOW_MIN_QUANTITY = "below_min_quantity", _("The quantity is below the rule's minimum.")
    ABOVE_MAX_QUANTITY = "above_max_quantity", _("The quantity is above the rule's maximum.")
    BELOW_MIN_AMOUNT = "below_min_amount", _("The line amount is below the rule's minimum.")
    ABOVE_MAX_AMOUNT = "above_max_amount", _("The line amount is above the rule's maximum.")
    BELOW_BUY_QUANTITY = "below_buy_quantity", _(
        "Fewer units than the rule's buy quantity were bought.")
    USAGE_LIMIT_REACHED = "usage_limit_reached", _("The rule has been used up.")
    CUSTOMER_LIMIT_REACHED = "customer_limit_reached", _(
        "The customer has used the rule as often as allowed.")
    LESS_SPECIFIC = "less_specific", _(
        "A rule on a more specific level (product, group, brand) applies instead.")
    LOWER_PRIORITY = "lower_priority", _("A rule of higher priority applies instead.")
    TIE_LOST = "tie_lost", _(
        "A rule of the same priority gives a lower price (or is older) and applies instead.")
    NOT_STACKABLE = "not_stackable", _("The rule does not stack with the applied rule.")


class PromoStatus(models.TextChoices):
    """The outcome of checking a promotion code (pricing.services.usage.promo_validate)."""

    VALID = "valid", _("The promotion code is valid.")
    UNKNOWN = "unknown", _("There is no promotion with this code.")
    INACTIVE = "inactive", _("This promotion is not active.")
    NOT_YET_VALID = "not_yet_valid", _("This promotion has not started yet.")
    EXPIRED = "expired", _("This promotion has ended.")
    USAGE_LIMIT_REACHED = "usage_limit_reached", _("This promotion has been used up.")
    CUSTOMER_LIMIT_REACHED = "customer_limit_reached", _(
        "The customer has already used this promotion as often as allowed.")
    NOT_FOR_CUSTOMER = "not_for_customer", _("This promotion is not available to the customer.")

"""pricing services: every write of the app goes through these (architecture §5.1)."""

from .price_lists import (
    price_list_applicable,
    price_list_duplicate,
    price_list_items_import,
    price_list_toggle_active,
)
from .resolver import (
    AppliedRule,
    CartItem,
    ListStep,
    PricedLine,
    PriceResult,
    SkippedRule,
    price_resolve,
)
from .rules import pricing_rule_duplicate, pricing_rule_toggle_active
from .usage import (
    UsageLimitReached,
    pricing_rule_usage_record,
    pricing_rule_usage_release,
    promo_validate,
)

__all__ = [
    "AppliedRule", "CartItem", "ListStep", "PriceResult", "PricedLine", "SkippedRule",
    "UsageLimitReached", "price_list_applicable", "price_list_duplicate",
    "price_list_items_import", "price_list_toggle_active", "price_resolve",
    "pricing_rule_duplicate", "pricing_rule_toggle_active", "pricing_rule_usage_record",
    "pricing_rule_usage_release", "promo_validate",
]

"""Read-only queries of the pricing app."""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.models import Firm

from .choices import RuleType
from .models import PricingRule, PricingRuleUsage


def pricing_rules_stats(*, firm: Firm, top: int = 5) -> dict:
    """Rules by type and state, total uses, discount given (unreleased uses) and top rules."""
    rules = PricingRule.objects.filter(firm=firm)
    counts = rules.aggregate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)),
                             uses=Sum("usage_count"))
    by_type = dict(rules.values("type").annotate(count=Count("pk")).values_list("type", "count"))
    given = PricingRuleUsage.objects.filter(firm=firm, released_at__isnull=True).aggregate(
        amount=Sum("discount_amount"))["amount"]
    top_rules = rules.filter(usage_count__gt=0).order_by("-usage_count", "pk")[:top]
    return {
        "total": counts["total"],
        "active": counts["active"],
        "inactive": counts["total"] - counts["active"],
        "by_type": {rule_type: by_type.get(rule_type, 0) for rule_type in RuleType.values},
        "total_uses": counts["uses"] or 0,
        "discount_given": given or Decimal("0.00"),
        "top_rules": [{"id": rule.pk, "code": rule.code, "name": rule.name,
                       "name_ar": rule.name_ar, "usage_count": rule.usage_count,
                       "usage_limit": rule.usage_limit} for rule in top_rules],
    }

"""Pricing rule usage: counters up when a document using a rule is confirmed, down when it is
cancelled (business-rules §10), and promotion code checks.

Recording locks the rules' rows in id order, so concurrent confirmations queue on the same
locks in the same order (no deadlock) and the limits are checked on counts nobody else can
change until the caller's transaction ends.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ErrorCode
from core.i18n import bilingual
from core.models import Firm
from core.money import round_money, to_decimal
from crm.models import Customer

from ..choices import PromoStatus
from ..errors import PricingErrorCode
from ..models import PricingRule, PricingRuleUsage


class UsageLimitReached(ApplicationError):
    status_code = 409

    def __init__(self, *, rule: PricingRule, per_customer: bool) -> None:
        message = (_("The customer has already used the pricing rule %(code)s as often as "
                     "allowed.") if per_customer
                   else _("The pricing rule %(code)s has reached its usage limit."))
        limit = rule.usage_limit_per_customer if per_customer else rule.usage_limit
        super().__init__(code=PricingErrorCode.USAGE_LIMIT_REACHED,
                         message=message % {"code": rule.code},
                         details={"rule_id": rule.pk, "rule_code": rule.code,
                                  "limit": "per_customer" if per_customer else "total",
                                  "usage_limit": limit})


def _customer_uses(rule_ids: list[int], customer_id: int | None) -> dict[int, int]:
    if customer_id is None or not rule_ids:
        return {}
    return dict(PricingRuleUsage.objects.filter(
        rule_id__in=rule_ids, customer_id=customer_id, released_at__isnull=True)
        .values("rule_id").annotate(uses=Count("pk")).values_list("rule_id", "uses"))


@transaction.atomic
def pricing_rule_usage_record(*, firm: Firm, customer: Customer | None, source_type: str,
                              source_id: int,
                              uses: list[tuple[int, Decimal]]) -> list[PricingRuleUsage]:
    """Count one use of each rule by the document (source_type, source_id); all or nothing.

    Idempotent per (rule, document): a use already recorded is kept (a released one is taken
    again). Refuses with `usage_limit_reached` (409, naming the rule) when a rule's total or
    per-customer limit is reached, checked under the rules' row locks. `uses` is what
    PriceResult.rule_uses() gives: (rule id, discount given); a rule listed twice adds up.
    """
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    for rule_id, amount in uses:
        amounts[int(rule_id)] += to_decimal(amount or 0)
    if not amounts:
        return []
    customer_id = customer.pk if customer is not None else None
    rules = list(PricingRule.objects.select_for_update().filter(
        firm=firm, pk__in=amounts).order_by("pk"))
    missing = set(amounts) - {rule.pk for rule in rules}
    if missing:
        raise ApplicationError(code=ErrorCode.NOT_FOUND, status_code=404,
                               message=_("No such pricing rule."),
                               details={"rule_ids": sorted(missing)})
    existing = {usage.rule_id: usage for usage in PricingRuleUsage.objects.filter(
        rule_id__in=amounts, source_type=source_type, source_id=source_id)}
    counted = _customer_uses([rule.pk for rule in rules], customer_id)
    now, recorded = timezone.now(), []
    for rule in rules:
        usage = existing.get(rule.pk)
        if usage is not None and usage.released_at is None:
            recorded.append(usage)
            continue
        if rule.usage_limit is not None and rule.usage_count >= rule.usage_limit:
            raise UsageLimitReached(rule=rule, per_customer=False)
        if (rule.usage_limit_per_customer is not None and customer_id is not None
                and counted.get(rule.pk, 0) >= rule.usage_limit_per_customer):
            raise UsageLimitReached(rule=rule, per_customer=True)
        amount = round_money(max(amounts[rule.pk], Decimal("0")))
        if usage is None:
            usage = PricingRuleUsage.objects.create(
                firm=firm, rule=rule, customer_id=customer_id, source_type=source_type,
                source_id=source_id, discount_amount=amount)
        else:
            usage.released_at, usage.discount_amount, usage.used_at = None, amount, now
            usage.customer_id = customer_id
            usage.save(update_fields=["released_at", "discount_amount", "used_at",
                                      "customer"])
        PricingRule.objects.filter(pk=rule.pk).update(usage_count=F("usage_count") + 1)
        recorded.append(usage)
    return recorded


@transaction.atomic
def pricing_rule_usage_release(*, firm: Firm, source_type: str,
                               source_id: int) -> list[PricingRuleUsage]:
    """Give back the document's uses (it was cancelled): counters down, never below zero.

    Idempotent: uses already released are left alone. Returns the uses released now.
    """
    rule_ids = list(PricingRuleUsage.objects.filter(
        firm=firm, source_type=source_type, source_id=source_id,
        released_at__isnull=True).values_list("rule_id", flat=True))
    if not rule_ids:
        return []
    # Same lock order as recording: the rules first, by id.
    list(PricingRule.objects.select_for_update().filter(pk__in=rule_ids).order_by("pk")
         .values_list("pk", flat=True))
    usages = list(PricingRuleUsage.objects.select_for_update().filter(
        firm=firm, source_type=source_type, source_id=source_id, released_at__isnull=True))
    now = timezone.now()
    for usage in usages:
        usage.released_at = now
        usage.save(update_fields=["released_at"])
        PricingRule.objects.filter(pk=usage.rule_id, usage_count__gt=0).update(
            usage_count=F("usage_count") - 1)
    return usages


# --- promotion codes ----------------------------------------------------------------------

# The order in which a rule is checked: a code is reported with the reason of the rule that
# came furthest, so "expired" beats "inactive" when one of two rules is merely expired.
_PROMO_CHECKS = [PromoStatus.INACTIVE, PromoStatus.NOT_YET_VALID, PromoStatus.EXPIRED,
                 PromoStatus.NOT_FOR_CUSTOMER, PromoStatus.USAGE_LIMIT_REACHED,
                 PromoStatus.CUSTOMER_LIMIT_REACHED]


def _promo_failure(rule: PricingRule, customer: Customer | None, date: datetime.date,
                   customer_uses: dict[int, int]) -> str | None:
    if not rule.is_active:
        return PromoStatus.INACTIVE
    if rule.valid_from and rule.valid_from > date:
        return PromoStatus.NOT_YET_VALID
    if rule.valid_to and rule.valid_to < date:
        return PromoStatus.EXPIRED
    if customer is not None:
        customers = set(rule.applicable_customers.values_list("pk", flat=True))
        groups = set(rule.applicable_customer_groups.values_list("pk", flat=True))
        territories = set(rule.applicable_territories.values_list("pk", flat=True))
        if (rule.exclude_customers.filter(pk=customer.pk).exists()
                or (customers and customer.pk not in customers)
                or (groups and customer.customer_group_id not in groups)
                or (territories and customer.territory_id not in territories)):
            return PromoStatus.NOT_FOR_CUSTOMER
    if rule.usage_limit is not None and rule.usage_count >= rule.usage_limit:
        return PromoStatus.USAGE_LIMIT_REACHED
    if (customer is not None and rule.usage_limit_per_customer is not None
            and customer_uses.get(rule.pk, 0) >= rule.usage_limit_per_customer):
        return PromoStatus.CUSTOMER_LIMIT_REACHED
    return None


def promo_validate(*, firm: Firm, code: str, customer: Customer | None = None,
                   date: datetime.date) -> dict:
    """Whether a promotion code can be used now (by the customer), with the rules it unlocks.

    {"valid", "code", "reason", "message", "message_ar", "rules": [...]}; reason is one of
    PromoStatus. Only the code's own conditions are checked here (dates, limits, customer):
    whether a rule fits a cart (products, quantities, conditions) is the resolver's job.
    """
    code = (code or "").strip()
    rules = list(PricingRule.objects.filter(firm=firm, promotion_code__iexact=code)
                 .order_by("-priority", "pk")) if code else []
    customer_uses = _customer_uses([rule.pk for rule in rules],
                                   customer.pk if customer else None)
    valid, failures = [], []
    for rule in rules:
        failure = _promo_failure(rule, customer, date, customer_uses)
        if failure is None:
            valid.append(rule)
        else:
            failures.append(failure)
    if valid:
        reason = PromoStatus.VALID
    elif failures:
        reason = max(failures, key=_PROMO_CHECKS.index)
    else:
        reason = PromoStatus.UNKNOWN
    message, message_ar = bilingual(PromoStatus(reason).label)
    return {
        "valid": bool(valid), "code": code, "reason": str(reason), "message": message,
        "message_ar": message_ar,
        "rules": [{"id": rule.pk, "code": rule.code, "name": rule.name, "name_ar": rule.name_ar,
                   "type": rule.type, "discount_type": rule.discount_type,
                   "discount_value": rule.discount_value, "apply_on": rule.apply_on,
                   "valid_to": rule.valid_to, "requires_promo_code": rule.requires_promo_code}
                  for rule in valid],
    }

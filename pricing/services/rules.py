"""Pricing rules: duplicate and switch on and off (usage lives in pricing.services.usage)."""

from django.db import transaction

from core.models import User
from core.services import save_audited

from ..models import PricingRule
from .price_lists import active_toggle, unsaved_copy

M2M_FIELDS = [field.name for field in PricingRule._meta.many_to_many]


@transaction.atomic
def pricing_rule_duplicate(*, rule: PricingRule, actor: User | None, code: str | None = None,
                           name: str | None = None) -> PricingRule:
    """An inactive copy of the rule with all its scope, restrictions and conditions, under a
    new code and with no uses: switched on deliberately, it cannot stack unnoticed."""
    source = PricingRule.objects.get(pk=rule.pk)
    copy = unsaved_copy(rule, code=code, name=name)
    copy.is_active = False
    copy.usage_count = 0
    save_audited(copy, actor=actor, reason="duplicated")
    for field in M2M_FIELDS:
        getattr(copy, field).set(getattr(source, field).all())
    return copy


@transaction.atomic
def pricing_rule_toggle_active(*, rule: PricingRule, actor: User | None) -> PricingRule:
    """Switch the rule on or off (the locked row's state is the one flipped)."""
    return active_toggle(rule, actor=actor)

"""Pricing rules: duplicate and switch on and off (usage lives in pricing.services.usage)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import User
from core.services import save_audited

from ..models import PricingRule
from .price_lists import check_code_free, free_code

M2M_FIELDS = [field.name for field in PricingRule._meta.many_to_many]


@transaction.atomic
def pricing_rule_duplicate(*, rule: PricingRule, actor: User | None, code: str | None = None,
                           name: str | None = None) -> PricingRule:
    """An inactive copy of the rule with all its scope, restrictions and conditions, under a
    new code and with no uses: switched on deliberately, it cannot stack unnoticed."""
    source = PricingRule.objects.get(pk=rule.pk)
    copy = PricingRule.objects.get(pk=rule.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.code = code or free_code(PricingRule, firm_id=rule.firm_id, code=rule.code)
    check_code_free(PricingRule, firm_id=rule.firm_id, code=copy.code)
    copy.name = name or str(_("%(name)s (copy)") % {"name": rule.name})
    copy.is_active = False
    copy.usage_count = 0
    copy.created_by = None
    save_audited(copy, actor=actor, reason="duplicated")
    for field in M2M_FIELDS:
        getattr(copy, field).set(getattr(source, field).all())
    return copy


@transaction.atomic
def pricing_rule_toggle_active(*, rule: PricingRule, actor: User | None) -> PricingRule:
    """Switch the rule on or off (the locked row's state is the one flipped)."""
    locked = PricingRule.objects.select_for_update().get(pk=rule.pk)
    locked.is_active = not locked.is_active
    return save_audited(locked, actor=actor,
                        reason="activated" if locked.is_active else "deactivated")

"""Pricing rules: conditions validation and matching, duplicate/toggle, statistics, and the
usage counters (business-rules §10) with promotion code checks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import ApplicationError
from pricing.conditions import conditions_match, conditions_validate
from pricing.models import PricingRule, PricingRuleUsage
from pricing.selectors import pricing_rules_stats
from pricing.services import (
    pricing_rule_duplicate,
    pricing_rule_toggle_active,
    pricing_rule_usage_record,
    pricing_rule_usage_release,
    promo_validate,
)
from tests.crm.factories import make_customer, make_customer_group
from tests.factories import make_user
from tests.pricing.conftest import TODAY
from tests.pricing.factories import make_group, make_product, make_rule
from tests.pricing.helpers import count_of, record

DAY = datetime.timedelta(days=1)


class TestConditionsValidate:
    def test_cleans_values(self):
        assert conditions_validate([
            {"field": "quantity", "operator": "between", "value": "5", "value2": 10.5},
            {"field": "amount", "operator": "greater_than", "value": "100.00"},
            {"field": "customer_group", "operator": "in", "value": ["3", 4]},
            {"field": "date", "operator": "less_than", "value": "2026-05-01"},
            {"field": "day_of_week", "operator": "not_in", "value": [4, "5"]},
        ]) == [
            {"field": "quantity", "operator": "between", "value": 5, "value2": 10.5},
            {"field": "amount", "operator": "greater_than", "value": 100},
            {"field": "customer_group", "operator": "in", "value": [3, 4]},
            {"field": "date", "operator": "less_than", "value": "2026-05-01"},
            {"field": "day_of_week", "operator": "not_in", "value": [4, 5]},
        ]
        assert conditions_validate(None) == [] and conditions_validate([]) == []

    def test_errors_name_the_condition_and_key(self):
        with pytest.raises(ValidationError) as error:
            conditions_validate([
                {"field": "colour", "operator": "equals", "value": 1},
                {"field": "quantity", "operator": "about", "value": 1},
                {"field": "customer", "operator": "greater_than", "value": 1},
                {"field": "quantity", "operator": "between", "value": 10, "value2": 5},
                {"field": "quantity", "operator": "between", "value": 10},
                {"field": "amount", "operator": "in", "value": []},
                {"field": "date", "operator": "equals", "value": "tomorrow"},
                {"field": "day_of_week", "operator": "equals", "value": 7},
                {"field": "customer", "operator": "equals", "value": "abc"},
                {"field": "quantity", "operator": "equals"},
                {"field": "quantity", "operator": "equals", "value": 1, "value2": 2},
                {"field": "quantity", "operator": "equals", "value": 1, "extra": True},
                "quantity > 1",
            ])
        errors = error.value.message_dict
        assert set(errors) == {
            "conditions.0.field", "conditions.1.operator", "conditions.2.operator",
            "conditions.3.value2", "conditions.4.value2", "conditions.5.value",
            "conditions.6.value", "conditions.7.value", "conditions.8.value",
            "conditions.9.value", "conditions.10.value2", "conditions.11.extra",
            "conditions.12"}
        assert errors["conditions.3.value2"] == ["The upper bound is below the lower bound."]
        assert errors["conditions.6.value"] == ["Enter a date as YYYY-MM-DD."]

    def test_not_a_list(self):
        with pytest.raises(ValidationError) as error:
            conditions_validate({"field": "quantity"})
        assert error.value.message_dict == {"conditions": ["Expected a list of conditions."]}


class TestConditionsMatch:
    CONTEXT = {"quantity": Decimal("5"), "amount": Decimal("250"), "customer": 7,
               "customer_group": None, "territory": 3, "campaign": None,
               "date": datetime.date(2026, 3, 18), "day_of_week": 2}

    @pytest.mark.parametrize(("condition", "holds"), [
        ({"field": "quantity", "operator": "equals", "value": 5}, True),
        ({"field": "quantity", "operator": "not_equals", "value": 5}, False),
        ({"field": "amount", "operator": "greater_than", "value": 250}, False),
        ({"field": "amount", "operator": "less_than", "value": 250.01}, True),
        ({"field": "amount", "operator": "between", "value": 250, "value2": 250}, True),
        ({"field": "customer", "operator": "in", "value": [1, 7]}, True),
        ({"field": "customer", "operator": "not_in", "value": [1, 7]}, False),
        ({"field": "date", "operator": "greater_than", "value": "2026-03-17"}, True),
        ({"field": "day_of_week", "operator": "between", "value": 0, "value2": 4}, True),
        # no group known: only the negative operators hold
        ({"field": "customer_group", "operator": "equals", "value": 1}, False),
        ({"field": "customer_group", "operator": "not_equals", "value": 1}, True),
        ({"field": "campaign", "operator": "not_in", "value": [1]}, True),
    ])
    def test_operators(self, condition, holds):
        assert conditions_match([condition], match_all=True, context=self.CONTEXT) is holds

    def test_all_or_any(self):
        conditions = [{"field": "quantity", "operator": "equals", "value": 5},
                      {"field": "territory", "operator": "equals", "value": 4}]
        assert conditions_match(conditions, match_all=True, context=self.CONTEXT) is False
        assert conditions_match(conditions, match_all=False, context=self.CONTEXT) is True
        assert conditions_match([], match_all=True, context=self.CONTEXT) is True


@pytest.mark.django_db
class TestRuleServices:
    def test_duplicate_is_an_inactive_copy_without_uses(self, firm):
        actor = make_user(firm=firm)
        product, group, customer = make_product(firm), make_group(firm), make_customer(firm)
        rule = make_rule(firm, code="SUMMER", name="Summer", apply_on="item_code",
                         products=[product], exclude_product_groups=[group],
                         applicable_customers=[customer], conditions=[
                             {"field": "quantity", "operator": "greater_than", "value": 2}],
                         promotion_code="SUN", usage_limit=10)
        pricing_rule_usage_record(firm=firm, customer=customer, source_type="sales_order",
                                  source_id=1, uses=[(rule.pk, Decimal("5"))])
        copy = pricing_rule_duplicate(rule=rule, actor=actor)
        assert (copy.code, copy.name, copy.is_active, copy.usage_count, copy.usage_limit) == (
            "SUMMER-COPY", "Summer (copy)", False, 0, 10)
        assert list(copy.products.all()) == [product]
        assert list(copy.exclude_product_groups.all()) == [group]
        assert list(copy.applicable_customers.all()) == [customer]
        assert copy.conditions == rule.conditions and copy.promotion_code == "SUN"
        assert copy.created_by == actor and copy.usages.count() == 0
        assert pricing_rule_duplicate(rule=rule, actor=actor, code="S2").code == "S2"

    def test_toggle(self, firm):
        rule = make_rule(firm)
        assert pricing_rule_toggle_active(rule=rule, actor=None).is_active is False
        assert pricing_rule_toggle_active(rule=rule, actor=None).is_active is True

    def test_stats(self, firm, other_firm):
        customer = make_customer(firm)
        busy = make_rule(firm, code="BUSY", type="promotional")
        quiet = make_rule(firm, code="QUIET", type="markup")
        make_rule(firm, code="OFF", is_active=False)
        make_rule(other_firm, code="ELSEWHERE")
        for source_id in (1, 2, 3):
            pricing_rule_usage_record(firm=firm, customer=customer, source_type="sales_order",
                                      source_id=source_id,
                                      uses=[(busy.pk, Decimal("10.50"))])
        pricing_rule_usage_record(firm=firm, customer=customer, source_type="sales_order",
                                  source_id=4, uses=[(quiet.pk, Decimal("1"))])
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=3)
        stats = pricing_rules_stats(firm=firm)
        assert {key: stats[key] for key in ("total", "active", "inactive", "total_uses",
                                             "discount_given", "by_type")} == {
            "total": 3, "active": 2, "inactive": 1, "total_uses": 3,
            "discount_given": Decimal("22.00"),
            "by_type": {"discount": 1, "price_override": 0, "markup": 1, "promotional": 1}}
        assert [(rule["code"], rule["usage_count"]) for rule in stats["top_rules"]] == [
            ("BUSY", 2), ("QUIET", 1)]


@pytest.mark.django_db
class TestRecordAndRelease:
    def test_record_counts_once_per_document(self, firm):
        customer = make_customer(firm)
        first, second = make_rule(firm), make_rule(firm)
        usages = record(firm, customer, 1, first, second, amount="12.345")
        assert [usage.discount_amount for usage in usages] == [Decimal("12.35")] * 2
        record(firm, customer, 1, first, second)
        assert (count_of(first), count_of(second)) == (1, 1)
        assert PricingRuleUsage.objects.count() == 2
        record(firm, customer, 2, first)
        assert count_of(first) == 2

    def test_uses_of_one_rule_add_up(self, firm):
        rule = make_rule(firm)
        [usage] = pricing_rule_usage_record(
            firm=firm, customer=None, source_type="quote", source_id=5,
            uses=[(rule.pk, Decimal("3")), (rule.pk, Decimal("4.5"))])
        assert (usage.discount_amount, count_of(rule)) == (Decimal("7.50"), 1)

    def test_release_counts_down_once(self, firm):
        customer = make_customer(firm)
        rule = make_rule(firm)
        record(firm, customer, 1, rule)
        record(firm, customer, 2, rule)
        released = pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        assert len(released) == 1 and released[0].released_at is not None
        assert pricing_rule_usage_release(firm=firm, source_type="sales_order",
                                          source_id=1) == []
        assert count_of(rule) == 1

    def test_never_below_zero(self, firm):
        rule = make_rule(firm)
        record(firm, None, 1, rule)
        PricingRule.objects.filter(pk=rule.pk).update(usage_count=0)  # drifted by hand
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        assert count_of(rule) == 0

    def test_released_use_can_be_taken_again(self, firm):
        rule = make_rule(firm)
        record(firm, None, 1, rule)
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        record(firm, None, 1, rule, amount="4")
        usage = PricingRuleUsage.objects.get()
        assert (usage.released_at, usage.discount_amount, count_of(rule)) == (
            None, Decimal("4.00"), 1)

    def test_total_limit_refuses_and_records_nothing(self, firm):
        limited, free = make_rule(firm, code="LIMITED", usage_limit=1), make_rule(firm)
        record(firm, None, 1, limited)
        with pytest.raises(ApplicationError) as error:
            record(firm, None, 2, free, limited)
        assert (error.value.code, error.value.status_code) == ("usage_limit_reached", 409)
        assert "LIMITED" in str(error.value.message)
        assert error.value.details["limit"] == "total"
        assert (count_of(limited), count_of(free)) == (1, 0)
        assert PricingRuleUsage.objects.filter(source_id=2).count() == 0

    def test_per_customer_limit(self, firm):
        customer, other = make_customer(firm), make_customer(firm)
        rule = make_rule(firm, code="ONCE", usage_limit_per_customer=1)
        record(firm, customer, 1, rule)
        with pytest.raises(ApplicationError) as error:
            record(firm, customer, 2, rule)
        assert error.value.details == {"rule_id": rule.pk, "rule_code": "ONCE",
                                       "limit": "per_customer", "usage_limit": 1}
        record(firm, other, 3, rule)
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        record(firm, customer, 4, rule)
        assert count_of(rule) == 2

    def test_another_firms_rule_is_not_found(self, firm, other_firm):
        with pytest.raises(ApplicationError) as error:
            record(firm, None, 1, make_rule(other_firm))
        assert error.value.status_code == 404


@pytest.mark.django_db
class TestPromoValidate:
    def check(self, firm, code, customer=None, date=TODAY):
        return promo_validate(firm=firm, code=code, customer=customer, date=date)

    def test_valid(self, firm):
        rule = make_rule(firm, code="R", name="Eid", promotion_code="EID26",
                         requires_promo_code=True)
        result = self.check(firm, " eid26 ")
        assert (result["valid"], result["reason"], result["code"]) == (True, "valid", "eid26")
        assert result["message"] == "The promotion code is valid."
        assert [entry["id"] for entry in result["rules"]] == [rule.pk]

    @pytest.mark.parametrize(("fields", "reason"), [
        ({"is_active": False}, "inactive"),
        ({"valid_from": TODAY + DAY}, "not_yet_valid"),
        ({"valid_to": TODAY - DAY}, "expired"),
        ({"usage_limit": 2}, "usage_limit_reached"),
    ])
    def test_invalid(self, firm, fields, reason):
        rule = make_rule(firm, promotion_code="EID26", **fields)
        if reason == "usage_limit_reached":
            PricingRule.objects.filter(pk=rule.pk).update(usage_count=2)
        result = self.check(firm, "EID26")
        assert (result["valid"], result["reason"], result["rules"]) == (False, reason, [])
        assert result["message"] and result["message_ar"]

    def test_unknown(self, firm, other_firm):
        make_rule(other_firm, promotion_code="EID26")
        assert self.check(firm, "EID26")["reason"] == "unknown"
        assert self.check(firm, "")["reason"] == "unknown"

    def test_customer_limit_and_not_for_customer(self, firm):
        customer = make_customer(firm)
        rule = make_rule(firm, promotion_code="ONCE", usage_limit_per_customer=1)
        record(firm, customer, 1, rule)
        assert self.check(firm, "ONCE", customer)["reason"] == "customer_limit_reached"
        assert self.check(firm, "ONCE", make_customer(firm))["valid"] is True
        make_rule(firm, promotion_code="VIP", applicable_customer_groups=[
            make_customer_group(firm)])
        assert self.check(firm, "VIP", customer)["reason"] == "not_for_customer"
        make_rule(firm, promotion_code="NOTYOU", exclude_customers=[customer])
        assert self.check(firm, "NOTYOU", customer)["reason"] == "not_for_customer"

    def test_reason_of_the_rule_that_came_furthest(self, firm):
        make_rule(firm, promotion_code="TWO", is_active=False)
        make_rule(firm, promotion_code="TWO", valid_to=TODAY - DAY)
        assert self.check(firm, "TWO")["reason"] == "expired"
        make_rule(firm, promotion_code="TWO")
        assert self.check(firm, "TWO")["valid"] is True

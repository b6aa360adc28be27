"""The rules part of the price (business-rules §10) with exact numbers."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing.models import PricingRuleUsage
from tests.crm.factories import make_campaign, make_customer, make_customer_group, make_territory
from tests.pricing.conftest import TODAY
from tests.pricing.factories import (
    make_brand,
    make_group,
    make_item,
    make_price_list,
    make_product,
    make_rule,
)
from tests.pricing.helpers import D, applied, line, reasons, resolve

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def product(firm):
    return make_product(firm, standard_price=D("100"))


class TestScopeLevels:
    @pytest.fixture
    def tree(self, firm):
        parent = make_group(firm, code="PARENT")
        child = make_group(firm, code="CHILD", parent=parent)
        brand = make_brand(firm)
        product = make_product(firm, group=child, brand=brand, standard_price=D("100"))
        return parent, child, brand, product

    def test_item_beats_group_beats_brand_beats_all(self, firm, tree):
        parent, _child, brand, product = tree
        rules = {
            "ALL": make_rule(firm, code="ALL", discount_value=5),
            "BRAND": make_rule(firm, code="BRAND", apply_on="brand", brands=[brand],
                               discount_value=10),
            "GROUP": make_rule(firm, code="GROUP", apply_on="item_group",
                               product_groups=[parent], discount_value=15),
            "ITEM": make_rule(firm, code="ITEM", apply_on="item_code", products=[product],
                              discount_value=20),
        }
        expected = [("ITEM", "80.00"), ("GROUP", "85.00"), ("BRAND", "90.00"), ("ALL", "95.00")]
        for code, net in expected:
            priced = line(firm, product)
            assert applied(priced) == [code]
            assert priced.net == D(net)
            assert set(reasons(priced).values()) <= {"less_specific"}
            assert len(priced.skipped_rules) == len(rules) - 1
            rules.pop(code).delete()

    def test_rule_on_a_group_covers_subgroups_not_siblings(self, firm, tree):
        _parent, child, _brand, product = tree
        sibling = make_product(firm, group=make_group(firm), standard_price=D("100"))
        make_rule(firm, code="CHILDRULE", apply_on="item_group", product_groups=[child])
        assert applied(line(firm, product)) == ["CHILDRULE"]
        assert applied(line(firm, sibling)) == []

    def test_rules_on_other_products_are_not_listed(self, firm, tree):
        *_, product = tree
        make_rule(firm, code="OTHER", apply_on="item_code", products=[make_product(firm)])
        make_rule(firm, code="EMPTY", apply_on="brand")
        priced = line(firm, product)
        assert (priced.applied_rules, priced.skipped_rules) == ([], [])


class TestCompetition:
    def test_highest_priority_wins(self, firm, product):
        make_rule(firm, code="LOW", priority=5, discount_value=30, can_stack=False)
        make_rule(firm, code="HIGH", priority=20, discount_value=5, can_stack=False)
        priced = line(firm, product)
        assert applied(priced) == ["HIGH"]
        assert priced.net == D("95.00")
        assert reasons(priced) == {"LOW": "lower_priority"}

    def test_tie_goes_to_the_lowest_price(self, firm, product):
        make_rule(firm, code="TEN", discount_value=10, can_stack=False)
        make_rule(firm, code="FIFTEEN", discount_value=15, can_stack=False)
        make_rule(firm, code="FIXED", discount_type="fixed_price", discount_value=88,
                  can_stack=False)
        priced = line(firm, product)
        assert applied(priced) == ["FIFTEEN"]
        assert reasons(priced) == {"TEN": "tie_lost", "FIXED": "tie_lost"}

    def test_then_the_lowest_id(self, firm, product):
        first = make_rule(firm, code="FIRST", discount_value=10, can_stack=False)
        make_rule(firm, code="SECOND", discount_value=10, can_stack=False)
        priced = line(firm, product)
        assert priced.applied_rules[0].id == first.pk
        assert reasons(priced) == {"SECOND": "tie_lost"}

    def test_stackable_winner_takes_other_stackable_rules(self, firm, product):
        make_rule(firm, code="A", priority=30, discount_value=20)
        make_rule(firm, code="B", priority=10, discount_value=10)
        make_rule(firm, code="C", priority=20, discount_value=5)
        make_rule(firm, code="SOLO", priority=1, discount_value=50, can_stack=False)
        priced = line(firm, product, 10)
        assert applied(priced) == ["A", "C", "B"]
        assert [rule.amount for rule in priced.applied_rules] == [D("200.00"), D("50.00"),
                                                                  D("100.00")]
        assert (priced.gross, priced.discount_amount, priced.net) == (
            D("1000.00"), D("350.00"), D("650.00"))
        assert priced.discount_percent == D("35.0000")
        assert reasons(priced) == {"SOLO": "not_stackable"}

    def test_non_stackable_winner_applies_alone(self, firm, product):
        make_rule(firm, code="SOLO", priority=30, discount_value=20, can_stack=False)
        make_rule(firm, code="B", priority=10, discount_value=10)
        priced = line(firm, product)
        assert applied(priced) == ["SOLO"]
        assert reasons(priced) == {"B": "lower_priority"}


class TestAmounts:
    def test_percentages_add(self, firm, product):
        make_rule(firm, code="TWENTY", priority=20, discount_value=20)
        make_rule(firm, code="TEN", priority=10, discount_value=10)
        priced = line(firm, product, 10)
        assert (priced.discount_amount, priced.net) == (D("300.00"), D("700.00"))

    def test_compounding_percentage_on_the_discounted_price(self, firm, product):
        make_rule(firm, code="TWENTY", priority=20, discount_value=20)
        make_rule(firm, code="TEN", priority=10, discount_value=10, compound=True)
        priced = line(firm, product, 10)
        assert [rule.amount for rule in priced.applied_rules] == [D("200.00"), D("80.00")]
        assert (priced.discount_amount, priced.net, priced.discount_percent) == (
            D("280.00"), D("720.00"), D("28.0000"))

    def test_fixed_amount_is_per_unit(self, firm, product):
        make_rule(firm, discount_type="fixed_amount", discount_value="7.5")
        priced = line(firm, product, 3)
        assert (priced.gross, priced.discount_amount, priced.net, priced.unit_price) == (
            D("300.00"), D("22.50"), D("277.50"), D("92.50"))

    def test_fixed_price(self, firm, product):
        make_rule(firm, discount_type="fixed_price", discount_value=80)
        priced = line(firm, product, 2)
        assert (priced.discount_amount, priced.net, priced.unit_price) == (
            D("40.00"), D("160.00"), D("80.00"))

    def test_fixed_price_after_a_percentage(self, firm, product):
        make_rule(firm, code="PCT", priority=20, discount_value=10)
        make_rule(firm, code="FIX", priority=10, discount_type="fixed_price", discount_value=70)
        priced = line(firm, product, 2)
        assert [rule.amount for rule in priced.applied_rules] == [D("20.00"), D("40.00")]
        assert priced.net == D("140.00")

    def test_max_discount_caps_one_rule(self, firm, product):
        make_rule(firm, code="CAPPED", priority=20, discount_value=50,
                  max_discount_amount=100)
        make_rule(firm, code="OTHER", priority=10, discount_value=10)
        priced = line(firm, product, 10)
        assert [rule.amount for rule in priced.applied_rules] == [D("100.00"), D("100.00")]
        assert priced.net == D("800.00")

    def test_never_negative(self, firm, product):
        make_rule(firm, code="BIG", priority=20, discount_type="fixed_amount",
                  discount_value=150)
        make_rule(firm, code="MORE", priority=10, discount_value=50)
        priced = line(firm, product, 2)
        assert [rule.amount for rule in priced.applied_rules] == [D("200.00"), D("0.00")]
        assert (priced.net, priced.unit_price, priced.discount_percent) == (
            D("0.00"), D("0.00"), D("100.0000"))

    def test_percentages_past_hundred_stop_at_zero(self, firm, product):
        make_rule(firm, code="A", priority=2, discount_value=60)
        make_rule(firm, code="B", priority=1, discount_value=60)
        priced = line(firm, product)
        assert [rule.amount for rule in priced.applied_rules] == [D("60.00"), D("40.00")]
        assert priced.net == D("0.00")

    def test_markup_rule_raises_the_price(self, firm, product):
        make_rule(firm, type="markup", discount_value=12.5)
        priced = line(firm, product, 2)
        assert (priced.discount_amount, priced.net) == (D("-25.00"), D("225.00"))
        assert priced.applied_rules[0].text == f"{priced.applied_rules[0].name}: 12.5% markup"

    def test_rounding_only_on_produced_amounts(self, firm):
        product = make_product(firm, standard_price=D("0.35"))
        make_rule(firm, discount_value="33.33")
        priced = line(firm, product, 3)  # gross 1.05 × 33.33 % = 0.349965
        assert (priced.gross, priced.discount_amount, priced.net) == (
            D("1.05"), D("0.35"), D("0.70"))

    def test_rule_text_in_both_languages(self, firm, product):
        make_rule(firm, name="VIP discount", name_ar="خصم كبار العملاء", discount_value=10)
        rule = line(firm, product).applied_rules[0]
        assert rule.text == "VIP discount: 10% off"
        assert rule.text_ar.startswith("خصم كبار العملاء: ")


class TestBuyXGetY:
    def test_buy_two_get_one_on_five_gives_two_free(self, firm, product):
        gift = make_product(firm, standard_price=D("30"))
        rule = make_rule(firm, code="B2G1", discount_value=0, reward_type="free_item",
                         buy_quantity=2, reward_product=gift, reward_quantity=1)
        result = resolve(firm, (product, 5))
        assert result.lines[0].net == D("500.00")
        assert applied(result.lines[0]) == ["B2G1"]
        [reward] = result.reward_lines
        assert (reward.product_id, reward.quantity, reward.base_price, reward.gross,
                reward.discount_amount, reward.net, reward.discount_percent) == (
            gift.pk, D("2"), D("30.00"), D("60.00"), D("60.00"), D("0.00"), D("100.0000"))
        assert (reward.is_reward, reward.reward_rule_id) == (True, rule.pk)
        assert (result.gross, result.discount, result.net) == (
            D("560.00"), D("60.00"), D("500.00"))
        assert result.rule_uses() == [(rule.pk, D("60.00"))]

    def test_discount_on_the_reward_item(self, firm, product):
        make_rule(firm, discount_value=0, reward_type="discount_on_item", buy_quantity=3,
                  reward_product=product, reward_quantity=2, reward_discount=25)
        [reward] = resolve(firm, (product, 7)).reward_lines
        assert (reward.quantity, reward.gross, reward.discount_amount, reward.net) == (
            D("4"), D("400.00"), D("100.00"), D("300.00"))

    def test_fewer_than_buy_quantity_gives_nothing(self, firm, product):
        make_rule(firm, code="B2G1", discount_value=0, reward_type="free_item", buy_quantity=2,
                  reward_product=product, reward_quantity=1)
        result = resolve(firm, (product, 1))
        assert result.reward_lines == []
        assert reasons(result.lines[0]) == {"B2G1": "below_buy_quantity"}

    def test_reward_rule_competes_like_any_rule(self, firm, product):
        make_rule(firm, code="GIFT", priority=1, discount_value=0, reward_type="free_item",
                  buy_quantity=1, reward_product=product, reward_quantity=1)
        make_rule(firm, code="SOLO", priority=9, discount_value=5, can_stack=False)
        result = resolve(firm, (product, 4))
        assert (applied(result.lines[0]), result.reward_lines) == (["SOLO"], [])


class TestEligibility:
    @pytest.fixture
    def customer(self, firm):
        return make_customer(firm, customer_group=make_customer_group(firm),
                             territory=make_territory(firm))

    def test_condition_on_the_customer_group(self, firm, product, customer):
        make_rule(firm, code="GRP", conditions=[
            {"field": "customer_group", "operator": "equals", "value": customer.customer_group_id}])
        assert applied(line(firm, product, customer=customer)) == ["GRP"]
        assert reasons(line(firm, product, customer=make_customer(firm))) == {
            "GRP": "conditions_not_met"}
        assert reasons(line(firm, product)) == {"GRP": "conditions_not_met"}

    @pytest.mark.parametrize(("field", "operator", "value", "value2", "holds"), [
        ("quantity", "equals", 4, None, True), ("quantity", "not_equals", 4, None, False),
        ("quantity", "greater_than", 3, None, True), ("quantity", "greater_than", 4, None, False),
        ("quantity", "less_than", 5, None, True), ("quantity", "less_than", 4, None, False),
        ("quantity", "between", 4, 6, True), ("quantity", "between", 1, 3.5, False),
        ("quantity", "in", [1, 4], None, True), ("quantity", "not_in", [1, 4], None, False),
        ("amount", "greater_than", 399.99, None, True), ("amount", "between", 400, 400, True),
        ("date", "equals", "2026-03-18", None, True),
        ("date", "between", "2026-03-19", "2026-04-01", False),
        ("day_of_week", "equals", 2, None, True), ("day_of_week", "in", [5, 6], None, False),
        ("day_of_week", "not_in", [5, 6], None, True),
    ])
    def test_each_operator(self, firm, product, field, operator, value, value2, holds):
        condition = {"field": field, "operator": operator, "value": value}
        if value2 is not None:
            condition["value2"] = value2
        make_rule(firm, code="C", conditions=[condition])
        assert (applied(line(firm, product, 4)) == ["C"]) is holds

    def test_customer_territory_and_campaign_conditions(self, firm, product, customer):
        campaign = make_campaign(firm)
        make_rule(firm, code="C", conditions=[
            {"field": "customer", "operator": "in", "value": [customer.pk]},
            {"field": "territory", "operator": "not_equals", "value": customer.territory_id + 1},
            {"field": "campaign", "operator": "equals", "value": campaign.pk}])
        assert applied(line(firm, product, customer=customer, campaign=campaign)) == ["C"]
        assert applied(line(firm, product, customer=customer)) == []

    def test_any_instead_of_all(self, firm, product):
        conditions = [{"field": "quantity", "operator": "greater_than", "value": 100},
                      {"field": "day_of_week", "operator": "equals", "value": 2}]
        make_rule(firm, code="ALL", conditions=conditions)
        make_rule(firm, code="ANY", conditions=conditions, match_all_conditions=False)
        priced = line(firm, product)
        assert applied(priced) == ["ANY"]
        assert reasons(priced) == {"ALL": "conditions_not_met"}

    def test_exclusions(self, firm, customer):
        parent = make_group(firm)
        product = make_product(firm, group=make_group(firm, parent=parent))
        make_rule(firm, code="XP", exclude_products=[product])
        make_rule(firm, code="XG", exclude_product_groups=[parent])
        make_rule(firm, code="XC", exclude_customers=[customer])
        make_rule(firm, code="OK")
        priced = line(firm, product, customer=customer)
        assert applied(priced) == ["OK"]
        assert reasons(priced) == {"XP": "excluded_product", "XG": "excluded_product",
                                   "XC": "excluded_customer"}
        assert applied(line(firm, make_product(firm), customer=customer)) == [
            "XP", "XG", "OK"]

    def test_applicable_to(self, firm, product, customer):
        price_list = make_price_list(firm)
        make_item(price_list, product, "100")
        make_rule(firm, code="CUST", applicable_customers=[customer])
        make_rule(firm, code="GRP", applicable_customer_groups=[customer.customer_group])
        make_rule(firm, code="TERR", applicable_territories=[customer.territory])
        make_rule(firm, code="LIST", applicable_price_lists=[price_list])
        assert applied(line(firm, product, customer=customer)) == [
            "CUST", "GRP", "TERR", "LIST"]
        stranger = line(firm, product, customer=make_customer(firm),
                        price_list=make_price_list(firm))
        assert reasons(stranger) == {
            "CUST": "not_for_customer", "GRP": "not_for_customer_group",
            "TERR": "not_for_territory", "LIST": "not_for_price_list"}

    @pytest.mark.parametrize(("fields", "reason"), [
        ({"min_quantity": 5}, "below_min_quantity"), ({"max_quantity": 3}, "above_max_quantity"),
        ({"min_amount": "400.01"}, "below_min_amount"), ({"max_amount": "399.99"},
                                                         "above_max_amount")])
    def test_thresholds(self, firm, product, fields, reason):
        make_rule(firm, code="T", **fields)
        assert reasons(line(firm, product, 4)) == {"T": reason}

    def test_thresholds_inclusive(self, firm, product):
        make_rule(firm, code="T", min_quantity=4, max_quantity=4, min_amount=400,
                  max_amount=400)
        assert applied(line(firm, product, 4)) == ["T"]

    @pytest.mark.parametrize(("start", "end", "used"), [
        (None, None, True), (TODAY, TODAY, True), (TODAY + DAY, None, False),
        (None, TODAY - DAY, False), (TODAY - DAY, TODAY + DAY, True)])
    def test_validity_window(self, firm, product, start, end, used):
        make_rule(firm, code="W", valid_from=start, valid_to=end)
        assert (applied(line(firm, product)) == ["W"]) is used

    def test_inactive_rule_never_applies(self, firm, product):
        make_rule(firm, is_active=False)
        assert line(firm, product).applied_rules == []

    def test_promo_code_required(self, firm, product):
        make_rule(firm, code="PROMO", promotion_code="RAMADAN26", requires_promo_code=True)
        result = resolve(firm, (product, 1))
        assert reasons(result.lines[0]) == {"PROMO": "promo_code_required"}
        assert (result.promo_code_matched, result.promo_code_applied) == (False, False)
        wrong = resolve(firm, (product, 1), promo_code="EID")
        assert reasons(wrong.lines[0]) == {"PROMO": "promo_code_required"}
        assert wrong.promo_code_matched is False
        result = resolve(firm, (product, 1), promo_code=" ramadan26 ")
        assert applied(result.lines[0]) == ["PROMO"]
        assert (result.promo_code, result.promo_code_matched, result.promo_code_applied) == (
            "ramadan26", True, True)

    def test_usage_limits(self, firm, product, customer):
        total = make_rule(firm, code="TOTAL", usage_limit=2)
        mine = make_rule(firm, code="MINE", usage_limit_per_customer=1)
        assert applied(line(firm, product, customer=customer)) == ["TOTAL", "MINE"]
        type(total).objects.filter(pk=total.pk).update(usage_count=2)
        PricingRuleUsage.objects.create(firm=firm, rule=mine, customer=customer,
                                        source_type="sales_order", source_id=1)
        assert reasons(line(firm, product, customer=customer)) == {
            "TOTAL": "usage_limit_reached", "MINE": "customer_limit_reached"}
        assert applied(line(firm, product, customer=make_customer(firm))) == ["MINE"]
        PricingRuleUsage.objects.update(released_at=datetime.datetime.now(datetime.UTC))
        assert applied(line(firm, product, customer=customer)) == ["MINE"]

    def test_skipped_messages_in_both_languages(self, firm, product):
        make_rule(firm, code="P", promotion_code="X", requires_promo_code=True)
        skipped = line(firm, product).skipped_rules[0].as_dict()
        assert skipped["reason"] == "promo_code_required"
        assert skipped["message"] == "The rule needs its promotion code."
        assert set(skipped) == {"id", "code", "name", "name_ar", "reason", "message",
                                "message_ar"}

    def test_trace_keeps_the_losers_first_and_counts_the_rest(self, firm, product):
        """25 rules miss on a condition, 3 lose the competition: the line keeps 20 entries,
        the 3 losers among them, and says 28 were skipped in all."""
        from pricing.services.resolver import TRACE_SKIPPED_MAX

        for number in range(25):
            make_rule(firm, code=f"MISS{number:02}", min_quantity=D("1000"))
        make_rule(firm, code="WIN", priority=50, can_stack=False)
        for number in range(3):
            make_rule(firm, code=f"LOSE{number}", priority=10)
        priced = line(firm, product)
        assert applied(priced) == ["WIN"]
        assert priced.skipped_rules_total == 28
        assert len(priced.skipped_rules) == TRACE_SKIPPED_MAX == 20
        assert [rule.code for rule in priced.skipped_rules[:3]] == ["LOSE0", "LOSE1", "LOSE2"]
        assert {rule.reason for rule in priced.skipped_rules[3:]} == {"below_min_quantity"}


RULE = st.fixed_dictionaries({
    "discount_type": st.sampled_from(["percentage", "fixed_amount", "fixed_price"]),
    "discount_value": st.decimals(min_value=0, max_value=100, places=2),
    "compound": st.booleans(),
    "priority": st.integers(min_value=0, max_value=3),
    "max_discount_amount": st.none() | st.decimals(min_value=0, max_value=500, places=2),
})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=st.lists(RULE, min_size=1, max_size=4),
       quantity=st.integers(min_value=1, max_value=20),
       price=st.decimals(min_value=0, max_value=300, places=2))
def test_price_is_never_negative(firm, rules, quantity, price):
    from pricing.models import PricingRule, Product

    PricingRule.objects.filter(firm=firm).delete()
    Product.objects.filter(firm=firm).delete()
    product = make_product(firm, standard_price=price)
    for fields in rules:
        make_rule(firm, **fields)
    priced = line(firm, product, quantity)
    assert priced.net >= 0
    assert priced.net == priced.gross - priced.discount_amount
    assert priced.discount_amount == sum(rule.amount for rule in priced.applied_rules)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.decimals(min_value=0, max_value=100, places=2),
       second=st.decimals(min_value=0, max_value=100, places=2))
def test_compounding_never_gives_more_than_adding(firm, first, second):
    from pricing.models import PricingRule, Product

    PricingRule.objects.filter(firm=firm).delete()
    Product.objects.filter(firm=firm).delete()
    product = make_product(firm, standard_price=D("100"))
    make_rule(firm, code="A", priority=2, discount_value=first)
    second_rule = make_rule(firm, code="B", priority=1, discount_value=second)
    added = line(firm, product, 10).net
    type(second_rule).objects.filter(pk=second_rule.pk).update(compound=True)
    compounded = line(firm, product, 10).net
    assert compounded >= added
    assert added == max(D("1000") - D("10") * (first + second), D("0")).quantize(D("0.01"))
    exact = D("1000") * (1 - first / 100) * (1 - second / 100)
    assert abs(compounded - exact) <= D("0.005")


def test_as_dict_is_json(firm, product):
    import json

    make_rule(firm)
    payload = json.loads(json.dumps(resolve(firm, (product, Decimal("1.5"))).as_dict()))
    assert payload["lines"][0]["net"] == 135.0
    assert payload["applied_rule_ids"] == [[payload["lines"][0]["applied_rules"][0]["id"]]]

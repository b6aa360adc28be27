"""The price resolver (business-rules §10) with exact numbers: the list part (breaks,
inheritance, choice of list, validity), the rules part, and a fixed query count."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import services as core_services
from pricing.models import PricingRuleUsage
from pricing.services import price_list_applicable
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
    return make_product(firm, standard_price=D("77.70"))


@pytest.fixture
def catalogue(firm):
    """100 products in a two-level tree with brands, a base list and a derived one."""
    core_services.settings_row(firm=firm)
    parent = make_group(firm)
    groups = [make_group(firm, parent=parent) for _ in range(4)]
    brands = [make_brand(firm) for _ in range(3)]
    products = [make_product(firm, group=groups[n % 4], brand=brands[n % 3])
                for n in range(100)]
    base = make_price_list(firm, code="BASE")
    for product in products[::2]:
        make_item(base, product, "50", min_quantity=D("1"))
        make_item(base, product, "45", min_quantity=D("10"))
    group, territory = make_customer_group(firm), make_territory(firm)
    make_price_list(firm, code="VIP", based_on=base, discount_percent=D("5"),
                    customer_groups=[group], rounding_method="nearest", rounding_precision=0)
    customer = make_customer(firm, customer_group=group, territory=territory)
    return products, groups, brands, customer


def make_rules(firm, count, products, groups, brands, customer):
    """Rules of every level with every kind of relation and limit."""
    gift = products[-1]
    for n in range(count):
        level = n % 4
        fields = {"priority": n % 7, "can_stack": n % 3 != 0, "compound": n % 5 == 0,
                  "discount_value": 1 + n % 9}
        if level == 0:
            fields.update(apply_on="item_code", products=products[n % 100: n % 100 + 3])
        elif level == 1:
            fields.update(apply_on="item_group", product_groups=[groups[n % 4]])
        elif level == 2:
            fields.update(apply_on="brand", brands=[brands[n % 3]])
        if n % 6 == 1:
            fields.update(exclude_products=[products[n % 50]],
                          exclude_product_groups=[groups[(n + 1) % 4]])
        if n % 8 == 2:
            fields.update(applicable_customer_groups=[customer.customer_group],
                          applicable_customers=[customer],
                          applicable_territories=[customer.territory],
                          exclude_customers=[make_customer(firm)])
        if n % 9 == 3:
            fields.update(usage_limit=100, usage_limit_per_customer=5)
        if n % 10 == 4:
            fields.update(conditions=[{"field": "quantity", "operator": "greater_than",
                                       "value": 2}])
        if n % 25 == 5:
            fields.update(discount_value=0, reward_type="free_item", buy_quantity=3,
                          reward_product=gift, reward_quantity=1)
        make_rule(firm, **fields)


def count_queries(firm, products, customer, lines):
    cart = [(products[n % len(products)], 1 + n % 12) for n in range(lines)]
    with CaptureQueriesContext(connection) as captured:
        result = resolve(firm, *cart, customer=customer, promo_code="SUMMER")
    assert len(result.lines) == lines
    return len(captured)


@pytest.fixture
def product_at_100(firm):
    return make_product(firm, standard_price=D("100"))


RULE = st.fixed_dictionaries({
    "discount_type": st.sampled_from(["percentage", "fixed_amount", "fixed_price"]),
    "discount_value": st.decimals(min_value=0, max_value=100, places=2),
    "compound": st.booleans(),
    "priority": st.integers(min_value=0, max_value=3),
    "max_discount_amount": st.none() | st.decimals(min_value=0, max_value=500, places=2),
})



class TestQuantityBreaks:
    @pytest.fixture
    def breaks(self, firm, product):
        price_list = make_price_list(firm)
        make_item(price_list, product, "100", min_quantity=D("1"), max_quantity=D("9"))
        make_item(price_list, product, "90", min_quantity=D("10"), max_quantity=D("49"))
        make_item(price_list, product, "80", min_quantity=D("50"))
        return price_list

    @pytest.mark.parametrize(("quantity", "price", "low", "high"), [
        (1, "100.00", 1, 9), (9, "100.00", 1, 9), (10, "90.00", 10, 49), (49, "90.00", 10, 49),
        (50, "80.00", 50, None), (1000, "80.00", 50, None)])
    def test_the_break_that_holds(self, firm, product, breaks, quantity, price, low, high):
        priced = line(firm, product, quantity)
        assert priced.base_price == D(price)
        assert priced.gross == D(price) * quantity
        assert priced.quantity_break == {"min": D(low), "max": None if high is None else D(high)}
        assert priced.price_list["id"] == breaks.pk

    def test_largest_minimum_wins_when_breaks_overlap(self, firm, product):
        price_list = make_price_list(firm)
        make_item(price_list, product, "100", min_quantity=D("1"))
        make_item(price_list, product, "95", min_quantity=D("5"))
        make_item(price_list, product, "85", min_quantity=D("20"))
        assert line(firm, product, 4).base_price == D("100.00")
        assert line(firm, product, 19).base_price == D("95.00")
        assert line(firm, product, 20).base_price == D("85.00")

    def test_no_break_holds_falls_back_to_standard_price(self, firm, product):
        price_list = make_price_list(firm)
        make_item(price_list, product, "90", min_quantity=D("10"))
        priced = line(firm, product, 3)
        assert priced.base_price == D("77.70")
        assert priced.price_list is None
        assert [step.step for step in priced.list_steps] == ["standard_price"]


class TestModifiersAndInheritance:
    def test_markup_then_discount_then_rounding_then_item_discount(self, firm, product):
        price_list = make_price_list(firm, markup_percent=D("10"), discount_percent=D("5"),
                                     rounding_method="up", rounding_precision=-1)
        make_item(price_list, product, "200", discount_percent=D("10"))
        priced = line(firm, product)
        # 200 × 1.10 = 220 × 0.95 = 209 → up to tens 210 → item −10 % = 189
        assert priced.base_price == D("189.00")
        assert [(step.step, step.price) for step in priced.list_steps] == [
            ("item_price", D("200")), ("markup", D("220")), ("discount", D("209")),
            ("rounding", D("210")), ("item_discount", D("189"))]

    @pytest.mark.parametrize(("method", "precision", "expected"), [
        ("none", 2, "135.80"),  # 135.795 unrounded, money rounding half-up at the end
        ("nearest", 2, "135.80"), ("up", 2, "135.80"), ("down", 2, "135.79"),
        ("nearest", 1, "135.80"), ("up", 1, "135.80"), ("down", 1, "135.70"),
        ("nearest", 0, "136.00"), ("up", 0, "136.00"), ("down", 0, "135.00"),
        ("nearest", -1, "140.00"), ("up", -1, "140.00"), ("down", -1, "130.00"),
        ("nearest", -2, "100.00"), ("up", -2, "200.00"), ("down", -2, "100.00"),
    ])
    def test_rounding_of_an_inherited_price(self, firm, product, method, precision, expected):
        base = make_price_list(firm, code="BASE")
        make_item(base, product, "123.45")
        derived = make_price_list(firm, code="DERIVED", based_on=base,
                                  markup_percent=D("10"), rounding_method=method,
                                  rounding_precision=precision)
        priced = line(firm, product, price_list=derived)
        assert priced.base_price == D(expected)  # 123.45 × 1.1 = 135.795
        assert priced.price_list["code"] == "DERIVED"
        steps = [step.step for step in priced.list_steps]
        assert steps[:3] == ["item_price", "inherited", "markup"]
        assert ("rounding" in steps) == (method != "none")

    def test_nearest_rounds_half_up(self, firm, product):
        price_list = make_price_list(firm, rounding_method="nearest", rounding_precision=0)
        make_item(price_list, product, "104.50")
        assert line(firm, product).base_price == D("105.00")

    def test_inheritance_is_recursive_with_each_lists_modifiers(self, firm, product):
        base = make_price_list(firm, code="BASE", is_active=False)  # a source of prices only
        make_item(base, product, "100")
        middle = make_price_list(firm, code="MID", based_on=base, markup_percent=D("20"))
        top = make_price_list(firm, code="TOP", based_on=middle, discount_percent=D("25"))
        priced = line(firm, product, price_list=top)
        assert priced.base_price == D("90.00")  # 100 × 1.2 × 0.75
        assert [(step.step, step.price_list_code) for step in priced.list_steps] == [
            ("item_price", "BASE"), ("inherited", "MID"), ("markup", "MID"),
            ("inherited", "TOP"), ("discount", "TOP")]

    def test_own_item_beats_the_based_on_list(self, firm, product):
        base = make_price_list(firm)
        make_item(base, product, "100")
        derived = make_price_list(firm, based_on=base, discount_percent=D("10"))
        make_item(derived, product, "50")
        assert line(firm, product, price_list=derived).base_price == D("45.00")

    def test_inherited_quantity_break(self, firm, product):
        base = make_price_list(firm)
        make_item(base, product, "100", min_quantity=D("1"))
        make_item(base, product, "80", min_quantity=D("10"))
        derived = make_price_list(firm, based_on=base, markup_percent=D("50"))
        priced = line(firm, product, 12, price_list=derived)
        assert priced.base_price == D("120.00")
        assert priced.quantity_break == {"min": D("10"), "max": None}


class TestListChoice:
    @pytest.fixture
    def world(self, firm, product):
        group, territory = make_customer_group(firm), make_territory(firm)
        customer = make_customer(firm, customer_group=group, territory=territory)
        lists = {
            "open": make_price_list(firm, code="OPEN", priority=50),
            "territory": make_price_list(firm, code="TERR", territories=[territory]),
            "group": make_price_list(firm, code="GROUP", customer_groups=[group]),
            "customer": make_price_list(firm, code="CUST", customers=[customer]),
        }
        for price, price_list in zip(["10", "20", "30", "40"], lists.values(), strict=True):
            make_item(price_list, product, price)
        return customer, group, territory, lists

    def test_most_specific_first(self, firm, product, world):
        customer, _group, _territory, lists = world
        assert line(firm, product, customer=customer).price_list["code"] == "CUST"
        lists["customer"].items.all().delete()
        assert line(firm, product, customer=customer).price_list["code"] == "GROUP"
        lists["group"].items.all().delete()
        assert line(firm, product, customer=customer).price_list["code"] == "TERR"
        lists["territory"].items.all().delete()
        assert line(firm, product, customer=customer).price_list["code"] == "OPEN"

    def test_other_customer_gets_the_unrestricted_list(self, firm, product, world):
        assert line(firm, product, customer=make_customer(firm)).base_price == D("10.00")
        assert line(firm, product).base_price == D("10.00")

    def test_group_and_territory_given_without_customer(self, firm, product, world):
        _customer, group, territory, _lists = world
        assert line(firm, product, customer_group=group).price_list["code"] == "GROUP"
        assert line(firm, product, territory=territory.pk).price_list["code"] == "TERR"

    def test_every_restriction_of_a_list_must_hold(self, firm, product, world):
        customer, _group, _territory, _lists = world
        both = make_price_list(firm, code="BOTH", customers=[customer],
                               territories=[make_territory(firm)])
        make_item(both, product, "1")
        assert line(firm, product, customer=customer).price_list["code"] == "CUST"

    def test_customers_default_list_comes_first(self, firm, product, world):
        customer, *_ = world
        own = make_price_list(firm, code="OWN", priority=-5)
        make_item(own, product, "5")
        customer.default_price_list = own
        customer.save()
        assert line(firm, product, customer=customer).price_list["code"] == "OWN"

    def test_explicit_list_wins_and_never_roams(self, firm, product, world):
        customer, *_ = world
        chosen = make_price_list(firm, code="CHOSEN")
        assert line(firm, product, customer=customer,
                    price_list=chosen).base_price == D("77.70")
        make_item(chosen, product, "66")
        assert line(firm, product, customer=customer,
                    price_list=chosen.pk).base_price == D("66.00")

    def test_higher_priority_then_lower_id(self, firm, product):
        low = make_price_list(firm, code="LOW", priority=5)
        high = make_price_list(firm, code="HIGH", priority=20)
        first_equal = make_price_list(firm, code="EQ1", priority=1)
        second_equal = make_price_list(firm, code="EQ2", priority=1)
        for price_list in (low, high, first_equal, second_equal):
            make_item(price_list, product, "10")
        assert line(firm, product).price_list["code"] == "HIGH"
        high.items.all().delete()
        assert line(firm, product).price_list["code"] == "LOW"
        low.items.all().delete()
        assert line(firm, product).price_list["code"] == "EQ1"

    def test_inactive_buying_and_out_of_date_lists_are_not_chosen(self, firm, product):
        for fields in ({"is_active": False}, {"type": "buying"},
                       {"valid_from": TODAY + DAY}, {"valid_to": TODAY - DAY}):
            make_item(make_price_list(firm, **fields), product, "1")
        assert line(firm, product).price_list is None
        make_item(make_price_list(firm, code="BOTHWAYS", type="both"), product, "2")
        assert line(firm, product).price_list["code"] == "BOTHWAYS"

    def test_default_list_after_the_matching_ones(self, firm, product):
        group = make_customer_group(firm)
        default = make_price_list(firm, code="DEF", is_default=True,
                                  customer_groups=[group])  # restricted, still the default
        make_item(default, product, "50")
        assert line(firm, product).price_list["code"] == "DEF"
        chosen = make_price_list(firm, code="SETTING", customer_groups=[group])
        make_item(chosen, product, "40")
        core_services.settings_update(firm=firm, actor=None, changes={
            "pricing": {"default_price_list_id": chosen.pk}})
        assert line(firm, product).price_list["code"] == "SETTING"
        open_list = make_price_list(firm, code="OPEN")
        make_item(open_list, product, "30")
        assert line(firm, product).price_list["code"] == "OPEN"

    def test_standard_price_when_no_list_has_the_product(self, firm, product):
        make_item(make_price_list(firm), make_product(firm), "5")
        priced = line(firm, product, 3)
        assert (priced.base_price, priced.gross, priced.price_list) == (
            D("77.70"), D("233.10"), None)
        assert priced.list_steps[0].step == "standard_price"

    def test_applicable_lists_in_resolver_order(self, firm, product, world):
        customer, *_ = world
        codes = [price_list.code for price_list in
                 price_list_applicable(firm=firm, customer=customer, date=TODAY)]
        assert codes == ["CUST", "GROUP", "TERR", "OPEN"]
        assert [pl.code for pl in price_list_applicable(firm=firm, customer=None,
                                                        date=TODAY)] == ["OPEN"]


class TestValidity:
    @pytest.mark.parametrize(("start", "end", "used"), [
        (None, None, True), (TODAY, TODAY, True), (TODAY - DAY, None, True),
        (None, TODAY + DAY, True), (TODAY + DAY, None, False), (None, TODAY - DAY, False)])
    def test_list_window(self, firm, product, start, end, used):
        make_item(make_price_list(firm, valid_from=start, valid_to=end), product, "10")
        assert (line(firm, product).base_price == D("10.00")) is used

    @pytest.mark.parametrize(("start", "end", "used"), [
        (None, None, True), (TODAY, TODAY, True), (TODAY - DAY, None, True),
        (None, TODAY + DAY, True), (TODAY + DAY, None, False), (None, TODAY - DAY, False)])
    def test_item_window(self, firm, product, start, end, used):
        price_list = make_price_list(firm)
        make_item(price_list, product, "10", valid_from=start, valid_to=end)
        assert (line(firm, product).base_price == D("10.00")) is used

    def test_later_item_of_the_same_break_wins(self, firm, product):
        price_list = make_price_list(firm)
        make_item(price_list, product, "10")
        make_item(price_list, product, "12", valid_from=TODAY - 3 * DAY)
        assert line(firm, product).base_price == D("12.00")
        assert line(firm, product, date=TODAY - 4 * DAY).base_price == D("10.00")


class TestInput:
    def test_unknown_product_and_bad_quantity(self, firm, other_firm, product):
        foreign = make_product(other_firm)
        with pytest.raises(ValidationError) as error:
            resolve(firm, (product, 1), (foreign, 1))
        assert error.value.message_dict == {"items.1.product_id": ["Not found."]}
        with pytest.raises(ValidationError) as error:
            resolve(firm, (product, 0))
        assert list(error.value.message_dict) == ["items.0.quantity"]

    def test_dicts_in_camel_case_and_decimal_quantities(self, firm, product):
        from pricing.services import price_resolve

        result = price_resolve(firm=firm, items=[{"productId": product.pk, "quantity": "2.5"}],
                               date=TODAY)
        assert result.lines[0].gross == D("194.25")
        assert result.as_dict()["lines"][0]["gross"] == 194.25

    def test_date_as_iso_text(self, firm, product):
        from pricing.services import price_resolve

        result = price_resolve(firm=firm, items=[{"product_id": product.pk, "quantity": 1}],
                               date="2026-03-18")
        assert result.date == TODAY
        with pytest.raises(ValidationError) as error:
            price_resolve(firm=firm, items=[], date="18/03/2026")
        assert list(error.value.message_dict) == ["date"]

    def test_another_firms_list_is_refused(self, firm, other_firm, product):
        with pytest.raises(ValidationError):
            line(firm, product, price_list=make_price_list(other_firm))


def test_totals_of_several_lines(firm):
    first, second = make_product(firm, standard_price=D("10")), make_product(
        firm, standard_price=D("2.50"))
    result = resolve(firm, (first, 3), (second, 4))
    assert (result.gross, result.discount, result.net) == (D("40.00"), D("0"), D("40.00"))
    assert result.applied_rule_ids == []
    assert result.as_dict()["totals"] == {"gross": 40.0, "discount": 0, "net": 40.0}


def test_decimal_is_kept_exact(firm):
    product = make_product(firm, standard_price=Decimal("0.10"))
    assert line(firm, product, 3).gross == Decimal("0.30")


@pytest.mark.parametrize("rules", [5, 200])
def test_fixed_query_count(firm, catalogue, rules):
    products, groups, brands, customer = catalogue
    make_rules(firm, rules, products, groups, brands, customer)
    counts = {lines: count_queries(firm, products, customer, lines) for lines in (1, 10, 100)}
    assert counts == {1: 13, 10: 13, 100: 13}


def test_fixed_query_count_without_a_customer(firm, catalogue):
    products, groups, brands, customer = catalogue
    make_rules(firm, 20, products, groups, brands, customer)
    counts = {lines: count_queries(firm, products, None, lines) for lines in (1, 100)}
    assert counts == {1: 12, 100: 12}


def test_same_count_for_every_rule_volume(firm, catalogue, django_assert_num_queries):
    products, groups, brands, customer = catalogue
    make_rules(firm, 5, products, groups, brands, customer)
    cart = [(product, 3) for product in products]
    with django_assert_num_queries(13):
        resolve(firm, *cart, customer=customer, date=TODAY)
    make_rules(firm, 195, products, groups, brands, customer)
    with django_assert_num_queries(13):
        resolve(firm, *cart, customer=customer, date=TODAY)


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
    def test_highest_priority_wins(self, firm, product_at_100):
        make_rule(firm, code="LOW", priority=5, discount_value=30, can_stack=False)
        make_rule(firm, code="HIGH", priority=20, discount_value=5, can_stack=False)
        priced = line(firm, product_at_100)
        assert applied(priced) == ["HIGH"]
        assert priced.net == D("95.00")
        assert reasons(priced) == {"LOW": "lower_priority"}

    def test_tie_goes_to_the_lowest_price(self, firm, product_at_100):
        make_rule(firm, code="TEN", discount_value=10, can_stack=False)
        make_rule(firm, code="FIFTEEN", discount_value=15, can_stack=False)
        make_rule(firm, code="FIXED", discount_type="fixed_price", discount_value=88,
                  can_stack=False)
        priced = line(firm, product_at_100)
        assert applied(priced) == ["FIFTEEN"]
        assert reasons(priced) == {"TEN": "tie_lost", "FIXED": "tie_lost"}

    def test_then_the_lowest_id(self, firm, product_at_100):
        first = make_rule(firm, code="FIRST", discount_value=10, can_stack=False)
        make_rule(firm, code="SECOND", discount_value=10, can_stack=False)
        priced = line(firm, product_at_100)
        assert priced.applied_rules[0].id == first.pk
        assert reasons(priced) == {"SECOND": "tie_lost"}

    def test_stackable_winner_takes_other_stackable_rules(self, firm, product_at_100):
        make_rule(firm, code="A", priority=30, discount_value=20)
        make_rule(firm, code="B", priority=10, discount_value=10)
        make_rule(firm, code="C", priority=20, discount_value=5)
        make_rule(firm, code="SOLO", priority=1, discount_value=50, can_stack=False)
        priced = line(firm, product_at_100, 10)
        assert applied(priced) == ["A", "C", "B"]
        assert [rule.amount for rule in priced.applied_rules] == [D("200.00"), D("50.00"),
                                                                  D("100.00")]
        assert (priced.gross, priced.discount_amount, priced.net) == (
            D("1000.00"), D("350.00"), D("650.00"))
        assert priced.discount_percent == D("35.0000")
        assert reasons(priced) == {"SOLO": "not_stackable"}

    def test_non_stackable_winner_applies_alone(self, firm, product_at_100):
        make_rule(firm, code="SOLO", priority=30, discount_value=20, can_stack=False)
        make_rule(firm, code="B", priority=10, discount_value=10)
        priced = line(firm, product_at_100)
        assert applied(priced) == ["SOLO"]
        assert reasons(priced) == {"B": "lower_priority"}


class TestAmounts:
    def test_percentages_add(self, firm, product_at_100):
        make_rule(firm, code="TWENTY", priority=20, discount_value=20)
        make_rule(firm, code="TEN", priority=10, discount_value=10)
        priced = line(firm, product_at_100, 10)
        assert (priced.discount_amount, priced.net) == (D("300.00"), D("700.00"))

    def test_compounding_percentage_on_the_discounted_price(self, firm, product_at_100):
        make_rule(firm, code="TWENTY", priority=20, discount_value=20)
        make_rule(firm, code="TEN", priority=10, discount_value=10, compound=True)
        priced = line(firm, product_at_100, 10)
        assert [rule.amount for rule in priced.applied_rules] == [D("200.00"), D("80.00")]
        assert (priced.discount_amount, priced.net, priced.discount_percent) == (
            D("280.00"), D("720.00"), D("28.0000"))

    def test_fixed_amount_is_per_unit(self, firm, product_at_100):
        make_rule(firm, discount_type="fixed_amount", discount_value="7.5")
        priced = line(firm, product_at_100, 3)
        assert (priced.gross, priced.discount_amount, priced.net, priced.unit_price) == (
            D("300.00"), D("22.50"), D("277.50"), D("92.50"))

    def test_fixed_price(self, firm, product_at_100):
        make_rule(firm, discount_type="fixed_price", discount_value=80)
        priced = line(firm, product_at_100, 2)
        assert (priced.discount_amount, priced.net, priced.unit_price) == (
            D("40.00"), D("160.00"), D("80.00"))

    def test_fixed_price_after_a_percentage(self, firm, product_at_100):
        make_rule(firm, code="PCT", priority=20, discount_value=10)
        make_rule(firm, code="FIX", priority=10, discount_type="fixed_price", discount_value=70)
        priced = line(firm, product_at_100, 2)
        assert [rule.amount for rule in priced.applied_rules] == [D("20.00"), D("40.00")]
        assert priced.net == D("140.00")

    def test_max_discount_caps_one_rule(self, firm, product_at_100):
        make_rule(firm, code="CAPPED", priority=20, discount_value=50,
                  max_discount_amount=100)
        make_rule(firm, code="OTHER", priority=10, discount_value=10)
        priced = line(firm, product_at_100, 10)
        assert [rule.amount for rule in priced.applied_rules] == [D("100.00"), D("100.00")]
        assert priced.net == D("800.00")

    def test_never_negative(self, firm, product_at_100):
        make_rule(firm, code="BIG", priority=20, discount_type="fixed_amount",
                  discount_value=150)
        make_rule(firm, code="MORE", priority=10, discount_value=50)
        priced = line(firm, product_at_100, 2)
        assert [rule.amount for rule in priced.applied_rules] == [D("200.00"), D("0.00")]
        assert (priced.net, priced.unit_price, priced.discount_percent) == (
            D("0.00"), D("0.00"), D("100.0000"))

    def test_percentages_past_hundred_stop_at_zero(self, firm, product_at_100):
        make_rule(firm, code="A", priority=2, discount_value=60)
        make_rule(firm, code="B", priority=1, discount_value=60)
        priced = line(firm, product_at_100)
        assert [rule.amount for rule in priced.applied_rules] == [D("60.00"), D("40.00")]
        assert priced.net == D("0.00")

    def test_markup_rule_raises_the_price(self, firm, product_at_100):
        make_rule(firm, type="markup", discount_value=12.5)
        priced = line(firm, product_at_100, 2)
        assert (priced.discount_amount, priced.net) == (D("-25.00"), D("225.00"))
        assert priced.applied_rules[0].text == f"{priced.applied_rules[0].name}: 12.5% markup"

    def test_rounding_only_on_produced_amounts(self, firm):
        product = make_product(firm, standard_price=D("0.35"))
        make_rule(firm, discount_value="33.33")
        priced = line(firm, product, 3)  # gross 1.05 × 33.33 % = 0.349965
        assert (priced.gross, priced.discount_amount, priced.net) == (
            D("1.05"), D("0.35"), D("0.70"))

    def test_rule_text_in_both_languages(self, firm, product_at_100):
        make_rule(firm, name="VIP discount", name_ar="خصم كبار العملاء", discount_value=10)
        rule = line(firm, product_at_100).applied_rules[0]
        assert rule.text == "VIP discount: 10% off"
        assert rule.text_ar.startswith("خصم كبار العملاء: ")


class TestBuyXGetY:
    def test_buy_two_get_one_on_five_gives_two_free(self, firm, product_at_100):
        gift = make_product(firm, standard_price=D("30"))
        rule = make_rule(firm, code="B2G1", discount_value=0, reward_type="free_item",
                         buy_quantity=2, reward_product=gift, reward_quantity=1)
        result = resolve(firm, (product_at_100, 5))
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

    def test_discount_on_the_reward_item(self, firm, product_at_100):
        make_rule(firm, discount_value=0, reward_type="discount_on_item", buy_quantity=3,
                  reward_product=product_at_100, reward_quantity=2, reward_discount=25)
        [reward] = resolve(firm, (product_at_100, 7)).reward_lines
        assert (reward.quantity, reward.gross, reward.discount_amount, reward.net) == (
            D("4"), D("400.00"), D("100.00"), D("300.00"))

    def test_fewer_than_buy_quantity_gives_nothing(self, firm, product_at_100):
        make_rule(firm, code="B2G1", discount_value=0, reward_type="free_item", buy_quantity=2,
                  reward_product=product_at_100, reward_quantity=1)
        result = resolve(firm, (product_at_100, 1))
        assert result.reward_lines == []
        assert reasons(result.lines[0]) == {"B2G1": "below_buy_quantity"}

    def test_reward_rule_competes_like_any_rule(self, firm, product_at_100):
        make_rule(firm, code="GIFT", priority=1, discount_value=0, reward_type="free_item",
                  buy_quantity=1, reward_product=product_at_100, reward_quantity=1)
        make_rule(firm, code="SOLO", priority=9, discount_value=5, can_stack=False)
        result = resolve(firm, (product_at_100, 4))
        assert (applied(result.lines[0]), result.reward_lines) == (["SOLO"], [])


class TestEligibility:
    @pytest.fixture
    def customer(self, firm):
        return make_customer(firm, customer_group=make_customer_group(firm),
                             territory=make_territory(firm))

    def test_condition_on_the_customer_group(self, firm, product_at_100, customer):
        make_rule(firm, code="GRP", conditions=[
            {"field": "customer_group", "operator": "equals", "value": customer.customer_group_id}])
        assert applied(line(firm, product_at_100, customer=customer)) == ["GRP"]
        assert reasons(line(firm, product_at_100, customer=make_customer(firm))) == {
            "GRP": "conditions_not_met"}
        assert reasons(line(firm, product_at_100)) == {"GRP": "conditions_not_met"}

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
    def test_each_operator(self, firm, product_at_100, field, operator, value, value2, holds):
        condition = {"field": field, "operator": operator, "value": value}
        if value2 is not None:
            condition["value2"] = value2
        make_rule(firm, code="C", conditions=[condition])
        assert (applied(line(firm, product_at_100, 4)) == ["C"]) is holds

    def test_customer_territory_and_campaign_conditions(self, firm, product_at_100, customer):
        campaign = make_campaign(firm)
        make_rule(firm, code="C", conditions=[
            {"field": "customer", "operator": "in", "value": [customer.pk]},
            {"field": "territory", "operator": "not_equals", "value": customer.territory_id + 1},
            {"field": "campaign", "operator": "equals", "value": campaign.pk}])
        assert applied(line(firm, product_at_100, customer=customer, campaign=campaign)) == ["C"]
        assert applied(line(firm, product_at_100, customer=customer)) == []

    def test_any_instead_of_all(self, firm, product_at_100):
        conditions = [{"field": "quantity", "operator": "greater_than", "value": 100},
                      {"field": "day_of_week", "operator": "equals", "value": 2}]
        make_rule(firm, code="ALL", conditions=conditions)
        make_rule(firm, code="ANY", conditions=conditions, match_all_conditions=False)
        priced = line(firm, product_at_100)
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

    def test_applicable_to(self, firm, product_at_100, customer):
        price_list = make_price_list(firm)
        make_item(price_list, product_at_100, "100")
        make_rule(firm, code="CUST", applicable_customers=[customer])
        make_rule(firm, code="GRP", applicable_customer_groups=[customer.customer_group])
        make_rule(firm, code="TERR", applicable_territories=[customer.territory])
        make_rule(firm, code="LIST", applicable_price_lists=[price_list])
        assert applied(line(firm, product_at_100, customer=customer)) == [
            "CUST", "GRP", "TERR", "LIST"]
        stranger = line(firm, product_at_100, customer=make_customer(firm),
                        price_list=make_price_list(firm))
        assert reasons(stranger) == {
            "CUST": "not_for_customer", "GRP": "not_for_customer_group",
            "TERR": "not_for_territory", "LIST": "not_for_price_list"}

    @pytest.mark.parametrize(("fields", "reason"), [
        ({"min_quantity": 5}, "below_min_quantity"), ({"max_quantity": 3}, "above_max_quantity"),
        ({"min_amount": "400.01"}, "below_min_amount"), ({"max_amount": "399.99"},
                                                         "above_max_amount")])
    def test_thresholds(self, firm, product_at_100, fields, reason):
        make_rule(firm, code="T", **fields)
        assert reasons(line(firm, product_at_100, 4)) == {"T": reason}

    def test_thresholds_inclusive(self, firm, product_at_100):
        make_rule(firm, code="T", min_quantity=4, max_quantity=4, min_amount=400,
                  max_amount=400)
        assert applied(line(firm, product_at_100, 4)) == ["T"]

    @pytest.mark.parametrize(("start", "end", "used"), [
        (None, None, True), (TODAY, TODAY, True), (TODAY + DAY, None, False),
        (None, TODAY - DAY, False), (TODAY - DAY, TODAY + DAY, True)])
    def test_validity_window(self, firm, product_at_100, start, end, used):
        make_rule(firm, code="W", valid_from=start, valid_to=end)
        assert (applied(line(firm, product_at_100)) == ["W"]) is used

    def test_inactive_rule_never_applies(self, firm, product_at_100):
        make_rule(firm, is_active=False)
        assert line(firm, product_at_100).applied_rules == []

    def test_promo_code_required(self, firm, product_at_100):
        make_rule(firm, code="PROMO", promotion_code="RAMADAN26", requires_promo_code=True)
        result = resolve(firm, (product_at_100, 1))
        assert reasons(result.lines[0]) == {"PROMO": "promo_code_required"}
        assert (result.promo_code_matched, result.promo_code_applied) == (False, False)
        wrong = resolve(firm, (product_at_100, 1), promo_code="EID")
        assert reasons(wrong.lines[0]) == {"PROMO": "promo_code_required"}
        assert wrong.promo_code_matched is False
        result = resolve(firm, (product_at_100, 1), promo_code=" ramadan26 ")
        assert applied(result.lines[0]) == ["PROMO"]
        assert (result.promo_code, result.promo_code_matched, result.promo_code_applied) == (
            "ramadan26", True, True)

    def test_usage_limits(self, firm, product_at_100, customer):
        total = make_rule(firm, code="TOTAL", usage_limit=2)
        mine = make_rule(firm, code="MINE", usage_limit_per_customer=1)
        assert applied(line(firm, product_at_100, customer=customer)) == ["TOTAL", "MINE"]
        type(total).objects.filter(pk=total.pk).update(usage_count=2)
        PricingRuleUsage.objects.create(firm=firm, rule=mine, customer=customer,
                                        source_type="sales_order", source_id=1)
        assert reasons(line(firm, product_at_100, customer=customer)) == {
            "TOTAL": "usage_limit_reached", "MINE": "customer_limit_reached"}
        assert applied(line(firm, product_at_100, customer=make_customer(firm))) == ["MINE"]
        PricingRuleUsage.objects.update(released_at=datetime.datetime.now(datetime.UTC))
        assert applied(line(firm, product_at_100, customer=customer)) == ["MINE"]

    def test_skipped_messages_in_both_languages(self, firm, product_at_100):
        make_rule(firm, code="P", promotion_code="X", requires_promo_code=True)
        skipped = line(firm, product_at_100).skipped_rules[0].as_dict()
        assert skipped["reason"] == "promo_code_required"
        assert skipped["message"] == "The rule needs its promotion code."
        assert set(skipped) == {"id", "code", "name", "name_ar", "reason", "message",
                                "message_ar"}

    def test_trace_keeps_the_losers_first_and_counts_the_rest(self, firm, product_at_100):
        """25 rules miss on a condition, 3 lose the competition: the line keeps 20 entries,
        the 3 losers among them, and says 28 were skipped in all."""
        from pricing.services.resolver import TRACE_SKIPPED_MAX

        for number in range(25):
            make_rule(firm, code=f"MISS{number:02}", min_quantity=D("1000"))
        make_rule(firm, code="WIN", priority=50, can_stack=False)
        for number in range(3):
            make_rule(firm, code=f"LOSE{number}", priority=10)
        priced = line(firm, product_at_100)
        assert applied(priced) == ["WIN"]
        assert priced.skipped_rules_total == 28
        assert len(priced.skipped_rules) == TRACE_SKIPPED_MAX == 20
        assert [rule.code for rule in priced.skipped_rules[:3]] == ["LOSE0", "LOSE1", "LOSE2"]
        assert {rule.reason for rule in priced.skipped_rules[3:]} == {"below_min_quantity"}


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


def test_as_dict_is_json(firm, product_at_100):
    import json

    make_rule(firm)
    payload = json.loads(json.dumps(resolve(firm, (product_at_100, Decimal("1.5"))).as_dict()))
    assert payload["lines"][0]["net"] == 135.0
    rule_id = payload["lines"][0]["applied_rules"][0]["id"]
    assert (payload["applied_rule_ids"], payload["lines"][0]["applied_rule_ids"]) == (
        [rule_id], [rule_id])

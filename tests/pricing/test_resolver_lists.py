"""The list part of the price (business-rules §10): breaks, inheritance, choice of list,
validity."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core import services as core_services
from pricing.services import price_list_applicable
from tests.crm.factories import make_customer, make_customer_group, make_territory
from tests.pricing.conftest import TODAY
from tests.pricing.factories import make_item, make_price_list, make_product
from tests.pricing.helpers import D, line, resolve

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def product(firm):
    return make_product(firm, standard_price=D("77.70"))


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
    assert result.applied_rule_ids == [[], []]
    assert result.as_dict()["totals"] == {"gross": 40.0, "discount": 0, "net": 40.0}


def test_decimal_is_kept_exact(firm):
    product = make_product(firm, standard_price=Decimal("0.10"))
    assert line(firm, product, 3).gross == Decimal("0.30")

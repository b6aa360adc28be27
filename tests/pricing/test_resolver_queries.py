"""The whole cart is priced with a fixed number of queries, whatever its lines and rules.

13 with a customer: settings, price lists (restriction flags), rules (restriction flags),
products, product groups, list items, six rule relations (products, groups, brands, excluded
products, excluded groups, price lists), the customer's uses; 12 without a customer.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import services as core_services
from tests.crm.factories import make_customer, make_customer_group, make_territory
from tests.pricing.conftest import TODAY
from tests.pricing.factories import (
    make_brand,
    make_group,
    make_item,
    make_price_list,
    make_product,
    make_rule,
)
from tests.pricing.helpers import D, resolve

pytestmark = pytest.mark.django_db


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

"""Pricing figures: lines priced per second on a firm with 1,000 active rules, and the query
count of a cart (the same for 10 and 100 lines).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp .venv/bin/python -m bench.pricing
"""

import datetime
from decimal import Decimal

from bench.harness import report, test_database, timed

PRODUCTS, RULES, CART = 500, 1000, 100


def seed():
    """A catalogue of 500 products, two price lists and 1,000 rules of every level."""
    from core import services
    from core.models import Firm
    from crm.models import Customer, CustomerGroup, Territory
    from pricing.models import (
        Brand,
        PriceList,
        PriceListItem,
        PricingRule,
        Product,
        ProductGroup,
    )

    firm = Firm.objects.create(name="Bench", slug="bench-pricing")
    services.settings_row(firm=firm)
    parents = ProductGroup.objects.bulk_create(
        [ProductGroup(firm=firm, code=f"PG{n}", name=f"Parent {n}") for n in range(5)])
    groups = ProductGroup.objects.bulk_create(
        [ProductGroup(firm=firm, code=f"G{n}", name=f"Group {n}", parent=parents[n % 5])
         for n in range(25)])
    brands = Brand.objects.bulk_create(
        [Brand(firm=firm, code=f"B{n}", name=f"Brand {n}") for n in range(10)])
    products = Product.objects.bulk_create(
        [Product(firm=firm, code=f"P{n:04d}", name=f"Product {n}", group=groups[n % 25],
                 brand=brands[n % 10], standard_price=Decimal("100"), tax_rate=Decimal("15"))
         for n in range(PRODUCTS)])
    base = PriceList.objects.create(firm=firm, code="BASE", name="Base", is_default=True)
    group = CustomerGroup.objects.create(firm=firm, name="Wholesale")
    territory = Territory.objects.create(firm=firm, code="RUH", name="Riyadh")
    wholesale = PriceList.objects.create(firm=firm, code="WHOLESALE", name="Wholesale",
                                         based_on=base, discount_percent=Decimal("7.5"),
                                         rounding_method="nearest", rounding_precision=1)
    wholesale.customer_groups.add(group)
    items = []
    for n, product in enumerate(products):
        items.append(PriceListItem(firm=firm, price_list=base, product=product,
                                   price=Decimal(50 + n % 200), min_quantity=Decimal("1")))
        items.append(PriceListItem(firm=firm, price_list=base, product=product,
                                   price=Decimal(45 + n % 200), min_quantity=Decimal("10")))
        if n % 5 == 0:
            items.append(PriceListItem(firm=firm, price_list=wholesale, product=product,
                                       price=Decimal(40 + n % 200)))
    PriceListItem.objects.bulk_create(items)
    customer = Customer.objects.create(firm=firm, code="C1", name="Customer",
                                       customer_group=group, territory=territory)

    levels = ["item_code", "item_group", "brand", "all_items"]
    rules = PricingRule.objects.bulk_create([PricingRule(
        firm=firm, code=f"R{n:04d}", name=f"Rule {n}", apply_on=levels[n % 4],
        priority=n % 10, discount_value=Decimal(1 + n % 15), can_stack=n % 3 != 0,
        compound=n % 5 == 0, min_quantity=Decimal(n % 4) if n % 7 == 0 else None,
        usage_limit=1000 if n % 11 == 0 else None,
        usage_limit_per_customer=50 if n % 13 == 0 else None,
        conditions=[{"field": "quantity", "operator": "greater_than", "value": 1}]
        if n % 9 == 0 else [],
        promotion_code="BENCH" if n % 50 == 0 else "",
        requires_promo_code=n % 50 == 0) for n in range(RULES)])
    through = {name: PricingRule._meta.get_field(name).remote_field.through
               for name in ("products", "product_groups", "brands", "exclude_products",
                            "applicable_customer_groups")}
    links = {name: [] for name in through}
    for n, rule in enumerate(rules):
        if rule.apply_on == "item_code":
            links["products"] += [through["products"](pricingrule=rule, product=products[
                (n * 7 + k) % PRODUCTS]) for k in range(3)]
        elif rule.apply_on == "item_group":
            links["product_groups"].append(through["product_groups"](
                pricingrule=rule, productgroup=(groups + parents)[n % 30]))
        elif rule.apply_on == "brand":
            links["brands"].append(through["brands"](pricingrule=rule, brand=brands[n % 10]))
        if n % 6 == 1:
            links["exclude_products"].append(through["exclude_products"](
                pricingrule=rule, product=products[n % PRODUCTS]))
        if n % 8 == 2:
            links["applicable_customer_groups"].append(through["applicable_customer_groups"](
                pricingrule=rule, customergroup=group))
    for name, rows in links.items():
        through[name].objects.bulk_create(rows)
    return firm, customer, products


def main() -> None:
    with test_database():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from pricing.services import price_resolve

        firm, customer, products = seed()
        date = datetime.date(2026, 11, 20)

        def cart(lines: int) -> list[dict]:
            return [{"product_id": products[(n * 37) % PRODUCTS].pk,
                     "quantity": Decimal(1 + n % 15)} for n in range(lines)]

        def price(lines: int):
            return price_resolve(firm=firm, customer=customer, items=cart(lines), date=date,
                                 promo_code="BENCH")

        price(CART)  # warm up
        queries = {}
        for lines in (10, CART):
            with CaptureQueriesContext(connection) as captured:
                result = price(lines)
            queries[lines] = len(captured)
        per_cart = timed(lambda: price(CART), repeat=5)
        per_small = timed(lambda: price(10), repeat=10)
        applied = sum(len(line.applied_rules) for line in result.lines)
        skipped = sum(len(line.skipped_rules) for line in result.lines)
        report("pricing", {
            "active_rules": RULES,
            "products_with_list_prices": PRODUCTS,
            "cart_lines": CART,
            "cart_of_100_ms": round(per_cart * 1000, 1),
            "lines_priced_per_second_100_line_cart": round(CART / per_cart),
            "cart_of_10_ms": round(per_small * 1000, 1),
            "queries_cart_of_10": queries[10],
            "queries_cart_of_100": queries[CART],
            "rules_applied_in_cart_of_100": applied,
            "rules_traced_as_skipped_in_cart_of_100": skipped,
            "reward_lines_in_cart_of_100": len(result.reward_lines),
        })
        assert queries[10] == queries[CART], queries


if __name__ == "__main__":
    main()

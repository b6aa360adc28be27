"""Small helpers the pricing tests share."""

from decimal import Decimal

from pricing.models import PricingRule
from pricing.services import pricing_rule_usage_record
from pricing.services.resolver import price_resolve
from tests.contracts.api import assert_error
from tests.pricing.conftest import TODAY

D = Decimal


def resolve(firm, *lines, date=TODAY, **kw):
    """Price (product, quantity) pairs; returns the PriceResult."""
    items = [{"product_id": product.pk, "quantity": D(str(quantity))}
             for product, quantity in lines]
    return price_resolve(firm=firm, items=items, date=date, **kw)


def line(firm, product, quantity=1, **kw):
    """The one priced line of a cart of one product."""
    return resolve(firm, (product, quantity), **kw).lines[0]


def reasons(priced_line) -> dict[str, str]:
    """Skipped rule code -> reason."""
    return {rule.code: rule.reason for rule in priced_line.skipped_rules}


def applied(priced_line) -> list[str]:
    return [rule.code for rule in priced_line.applied_rules]


def record(firm, customer, source_id, *rules, amount="10"):
    """One sales order's use of `rules` (the usage counters, business-rules §10)."""
    return pricing_rule_usage_record(firm=firm, customer=customer, source_type="sales_order",
                                     source_id=source_id,
                                     uses=[(rule.pk, Decimal(amount)) for rule in rules])


def count_of(rule) -> int:
    return PricingRule.objects.get(pk=rule.pk).usage_count


def assert_actions_refused(client, url: str, status: int, code: str) -> None:
    """The record's toggle-active and duplicate actions (`url` is the record's) both answer
    the error `status` `code`."""
    assert_error(client.patch(f"{url}/toggle-active"), status, code)
    assert_error(client.post(f"{url}/duplicate", {}, format="json"), status, code)

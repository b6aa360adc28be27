"""Small helpers the pricing tests share."""

from decimal import Decimal

from pricing.services.resolver import price_resolve
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

"""Factories for sales rows, each made through the sales services (architecture §5.1).

Every function takes the firm first and keyword overrides of the service's fields. Other
apps' tests import these too: keep names stable.
"""

from decimal import Decimal

from core.models import Firm, User
from sales.quotes import services
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.crm.factories import make_customer

# business-rules §2's example as service rows: A 2 × 1000 less 10 %; B 1 × 500 less 50, untaxed.
EXAMPLE_LINES = [
    {"description": "Line A", "quantity": Decimal("2"), "unit_price": Decimal("1000"),
     "discount_percent": Decimal("10"), "tax_rate": Decimal("15")},
    {"description": "Line B", "quantity": Decimal("1"), "unit_price": Decimal("500"),
     "discount_amount": Decimal("50"), "tax_rate": Decimal("15"), "taxable": False},
]


def make_quote(firm: Firm, *, actor: User | None = None, lines: list[dict] | None = None,
               **kw) -> Quote:
    """A draft quote for a new customer (unless a customer or lead is given) with
    EXAMPLE_LINES and the example's 100 off unless `lines` are given (total 2408.00)."""
    if "customer" not in kw and "lead" not in kw:
        kw["customer"] = make_customer(firm)
    if lines is None:
        kw.setdefault("discount_value", Decimal("100"))
    return services.quote_create(firm=firm, actor=actor,
                                 lines=EXAMPLE_LINES if lines is None else lines, **kw)


def quote_in(firm: Firm, status: str, **kw) -> Quote:
    """A quote made by the service, then put straight into `status` (protected FSM fields
    refuse assignment, so the row is updated)."""
    quote = make_quote(firm, **kw)
    if status != QuoteStatus.DRAFT:
        Quote.objects.filter(pk=quote.pk).update(status=status)
    return Quote.objects.get(pk=quote.pk)

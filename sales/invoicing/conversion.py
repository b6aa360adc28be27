"""Converting an accepted quote (business-rules §5): to a sales order, or straight to an invoice.
It sits with invoicing because it makes orders and invoices (quotes <- orders <- invoicing).

An invoice is never made from the quote alone: the order carries the quantities that
delivery, invoicing, returns and commissions count, so "to an invoice" is the order from
the quote, confirmed, and its draft invoice for every line, in one transaction.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import User
from sales.invoicing.models import Invoice
from sales.invoicing.services import invoice_create_from_order
from sales.orders.models import SalesOrder
from sales.orders.services import order_confirm, order_from_quote
from sales.quotes.models import Quote
from sales.quotes.services.conversion import quote_conversion_check


@transaction.atomic
def quote_convert(*, quote: Quote, actor: User | None, to: str = "order",
                  **order_fields: Any) -> SalesOrder | Invoice:
    """The accepted quote as a draft sales order (`to="order"`), or as a confirmed order
    with its draft invoice (`to="invoice"`), each when the firm's quote settings allow it
    (409 `conversion_not_allowed` otherwise). The quote becomes converted, once."""
    quote_conversion_check(quote=quote, to=to)
    order = order_from_quote(quote=quote, actor=actor, **order_fields)
    if to == "order":
        return order
    order = order_confirm(order=order, actor=actor, reason=str(_("Converted from quote")))
    return invoice_create_from_order(order=order, actor=actor)

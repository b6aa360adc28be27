"""Converting an accepted quote (business-rules §5): to a sales order, or straight to an invoice.

An invoice is never made from the quote alone: the order carries the quantities that
delivery, invoicing, returns and commissions count, so "to an invoice" is the order from
the quote, confirmed, and its draft invoice for every line, in one transaction.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.models import User
from core.services import settings_read

from ..models import Invoice, Quote, SalesOrder
from .invoices import invoice_create_from_order
from .orders import order_confirm, order_from_quote

TARGETS = ("order", "invoice")


@transaction.atomic
def quote_convert(*, quote: Quote, actor: User | None, to: str = "order",
                  **order_fields: Any) -> SalesOrder | Invoice:
    """The accepted quote as a draft sales order (`to="order"`), or as a confirmed order
    with its draft invoice (`to="invoice"`), each when the firm's quote settings allow it
    (409 `conversion_not_allowed` otherwise). The quote becomes converted, once."""
    if to not in TARGETS:
        raise ValidationError({"to": _("Choose order or invoice.")})
    quotes = settings_read(firm=quote.firm).quotes
    allowed = quotes.allow_convert_to_order if to == "order" else \
        quotes.allow_convert_to_invoice
    if not allowed:
        raise ApplicationError(
            code="conversion_not_allowed", status_code=409,
            message=_("The sales settings do not allow converting quotes to orders.")
            if to == "order" else
            _("The sales settings do not allow converting quotes to invoices."))
    order = order_from_quote(quote=quote, actor=actor, **order_fields)
    if to == "order":
        return order
    order = order_confirm(order=order, actor=actor, reason=str(_("Converted from quote")))
    return invoice_create_from_order(order=order, actor=actor)

"""Whether an accepted quote may be converted (business-rules §5): the firm's quote settings
decide, per target. The conversion itself makes an order (sales.orders.services) or an order and
its invoice (sales.invoicing.conversion), which sit above quotes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.services import settings_read
from sales.errors import SalesErrorCode
from sales.quotes.models import Quote

TARGETS = ("order", "invoice")


def quote_conversion_check(*, quote: Quote, to: str) -> None:
    """Refuses an unknown target (400) and one the firm's quote settings do not allow (409
    `conversion_not_allowed`)."""
    if to not in TARGETS:
        raise ValidationError({"to": _("Choose order or invoice.")})
    quotes = settings_read(firm=quote.firm).quotes
    allowed = quotes.allow_convert_to_order if to == "order" else \
        quotes.allow_convert_to_invoice
    if not allowed:
        raise ApplicationError(
            code=SalesErrorCode.CONVERSION_NOT_ALLOWED, status_code=409,
            message=_("The sales settings do not allow converting quotes to orders.")
            if to == "order" else
            _("The sales settings do not allow converting quotes to invoices."))

"""sales models live in their sub-domain packages (sales.<package>.models); importing them here
registers them under the `sales` app label. `public_token` stays importable from here: migration
0001 names it in this module."""

from sales.common.models import DocumentLine, PricedDocument
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund
from sales.invoicing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.quotes.models import Quote, QuoteLine, QuoteVersion, public_token

__all__ = [
    "CreditNote", "CreditNoteLine", "DocumentLine", "DownPayment", "DownPaymentApplication",
    "DownPaymentRefund", "Invoice", "InvoiceLine", "Payment", "PricedDocument", "Quote",
    "QuoteLine", "QuoteVersion", "Refund", "SalesOrder", "SalesOrderLine", "public_token",
]

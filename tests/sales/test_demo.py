"""seed_demo's sales data: quotes in every status, orders and invoices, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Firm
from delivery.demo import DEMO_ORDER_NOTE as DELIVERY_DEMO_ORDER_NOTE
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteLine, QuoteVersion


@pytest.mark.django_db
def test_seed_demo_makes_quotes_in_every_status_once():
    call_command("seed_demo", "--force", stdout=StringIO())
    firm = Firm.objects.get(slug="demo")
    quotes = Quote.objects.filter(firm=firm)
    assert set(quotes.values_list("status", flat=True)) == set(QuoteStatus.values)
    assert QuoteLine.objects.filter(firm=firm, product__isnull=False).exclude(
        pricing_trace={}).exists()
    assert QuoteVersion.objects.filter(firm=firm).exists()
    assert quotes.filter(lead__isnull=False).exists()
    # The sales demo's own orders (the delivery demo adds orders of its own and delivers them).
    orders = SalesOrder.objects.filter(firm=firm).exclude(notes=DELIVERY_DEMO_ORDER_NOTE)
    assert set(orders.values_list("status", flat=True)) == {
        "draft", "confirmed", "on_hold", "cancelled", "partially_invoiced", "invoiced"}
    assert orders.filter(quote__isnull=False).count() == 1  # the converted quote's
    invoices = Invoice.objects.filter(firm=firm)
    assert set(invoices.values_list("status", flat=True)) == {"posted", "partially_paid"}
    count, order_count = quotes.count(), SalesOrder.objects.filter(firm=firm).count()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Quote.objects.filter(firm=firm).count() == count
    assert SalesOrder.objects.filter(firm=firm).count() == order_count

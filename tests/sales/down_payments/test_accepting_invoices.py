"""What invoice can take a down payment (business-rules §8): one rule
(sales.down_payments.services.invoice_accepts_down_payments) for the services, the staff
apply form and the list of available down payments; a paid invoice is refused as not
applicable, before any amount is looked at."""

from decimal import Decimal

import pytest

from core.errors import ApplicationError
from sales.down_payments import services
from sales.down_payments.forms import apply_invoices
from sales.invoicing import services as invoice_services
from sales.invoicing.choices import InvoiceStatus
from sales.invoicing.models import Invoice

from .factories import confirmed_order, paid_down_payment, posted_invoice

D = Decimal

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices(firm):
    """A draft, a posted, a part-paid and a paid regular invoice of one customer, and the
    down payment's own invoice."""
    advance = paid_down_payment(firm, source=confirmed_order(firm), fixed_amount=D("100"))
    customer = advance.customer

    def order():
        return confirmed_order(firm, customer=customer, total="1000")

    draft = invoice_services.invoice_create_from_order(order=order(), actor=None)
    posted = posted_invoice(order())
    part_paid = posted_invoice(order())
    invoice_services.payment_record(invoice=part_paid, actor=None, amount=D("10"))
    paid = posted_invoice(order())
    invoice_services.payment_record(invoice=paid, actor=None, amount=paid.amount_due)
    rows = {"draft": draft, "posted": posted, "part_paid": part_paid, "paid": paid,
            "down_payment": advance.invoice}
    return advance, {name: Invoice.objects.get(pk=row.pk) for name, row in rows.items()}


def test_only_posted_or_part_paid_regular_invoices_with_something_due(invoices):
    _advance, rows = invoices
    assert rows["paid"].status == InvoiceStatus.PAID
    accepted = {name for name, invoice in rows.items()
                if services.invoice_accepts_down_payments(invoice=invoice)}
    assert accepted == {"posted", "part_paid"}


def test_the_queryset_filter_says_the_same(invoices):
    _advance, rows = invoices
    every = Invoice.objects.filter(pk__in=[row.pk for row in rows.values()])
    filtered = set(services.invoices_accepting_down_payments(invoices=every))
    assert filtered == {row for row in rows.values()
                        if services.invoice_accepts_down_payments(invoice=row)}


def test_the_apply_form_offers_those(invoices, admin_user):
    advance, rows = invoices
    assert set(apply_invoices(down_payment=advance, user=admin_user)) == {
        rows["posted"], rows["part_paid"]}


def test_available_down_payments_only_for_an_accepting_invoice(invoices):
    advance, rows = invoices
    for name, invoice in rows.items():
        available = services.down_payments_available_for(
            down_payments=type(advance).objects.all(), invoice=invoice)
        assert (advance in available) == (name in {"posted", "part_paid"}), name


def test_applying_to_a_paid_invoice_is_refused_as_not_applicable(invoices):
    advance, rows = invoices
    with pytest.raises(ApplicationError) as refused:
        services.down_payment_apply(down_payment=advance, invoice=rows["paid"],
                                    amount=D("1"), actor=None)
    assert refused.value.code == "invoice_not_applicable"

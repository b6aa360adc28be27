"""Down payments under concurrency (architecture §5.8): threads against PostgreSQL, each in its own
connection, released together by a barrier."""

from decimal import Decimal

import pytest

from core import services as core_services
from core.errors import ApplicationError
from sales.down_payments import services
from sales.down_payments.models import DownPayment, DownPaymentApplication
from sales.invoicing.models import Invoice
from tests.concurrency import race as threads_race
from tests.factories import FirmFactory
from tests.sales.factories import (
    confirmed_order,
    make_down_payment,
    paid_down_payment,
    posted_invoice,
)

D = Decimal
THREADS = 20


def race(work) -> tuple[list, list]:
    """Run `work(index)` in THREADS threads at once; (results, business refusals). Any other
    error fails the test."""
    results, errors = threads_race(THREADS, work)
    others = [error for error in errors if not isinstance(error, ApplicationError)]
    assert not others, others
    return results, [error.code for error in errors if isinstance(error, ApplicationError)]


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_applying_one_down_payment_never_over_apply_it():
    firm = FirmFactory(slug="dp-apply-race")
    core_services.settings_row(firm=firm)
    order = confirmed_order(firm, total="3600")
    advance = paid_down_payment(firm, source=order, fixed_amount=D("1000"))
    # Two invoices of the customer, so the invoice's lock alone cannot be what holds.
    first = posted_invoice(firm, order=order)
    second = posted_invoice(firm, order=confirmed_order(firm, total="3600",
                                                        customer=order.customer))
    invoices = [first, second]

    results, refusals = race(lambda index: services.down_payment_apply(
        down_payment=advance, invoice=invoices[index % 2], amount=D("150"), actor=None))

    assert len(results) == 6  # 6 × 150 = 900; a seventh would need 1050
    assert refusals == ["amount_exceeds_remaining"] * (THREADS - 6)
    advance = DownPayment.objects.get(pk=advance.pk)
    assert (advance.applied_amount, advance.remaining_amount, advance.status) == (
        D("900.00"), D("100.00"), "partially_applied")
    applications = DownPaymentApplication.objects.filter(down_payment=advance)
    assert sum(row.amount for row in applications) == D("900.00")
    applied = sum(Invoice.objects.get(pk=invoice.pk).down_payments_applied
                  for invoice in invoices)
    assert applied == D("900.00")
    for invoice in invoices:
        invoice = Invoice.objects.get(pk=invoice.pk)
        assert invoice.amount_due == invoice.total - invoice.down_payments_applied


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_asking_for_down_payments_never_exceed_the_total():
    firm = FirmFactory(slug="dp-create-race")
    core_services.settings_row(firm=firm)
    order = confirmed_order(firm, total="3600")

    results, refusals = race(lambda index: make_down_payment(
        firm, source=order, percentage_value=D("15")))

    assert len(results) == 6  # 6 × 540 = 3240; a seventh would reach 3780
    assert refusals == ["down_payment_exceeds_total"] * (THREADS - 6)
    rows = DownPayment.objects.filter(sales_order=order)
    assert sum(row.amount for row in rows) == D("3240.00")
    assert len({row.number for row in rows}) == 6

"""Invoices under concurrency (threads against PostgreSQL): gapless numbers at posting, no
over-invoicing, no over-payment and no over-refund, whatever the interleaving."""

from decimal import Decimal

import pytest

from core import services as core_services
from core.errors import ApplicationError
from sales.invoicing import services
from sales.invoicing.choices import InvoiceStatus
from sales.invoicing.models import Invoice, Payment, Refund
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.orders.services import order_cancel
from tests.concurrency import race
from tests.factories import FirmFactory
from tests.sales.factories import (
    confirmed_order,
    draft_invoice,
    lines_of,
    overpaid_credit_note,
    posted_invoice,
)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_postings_take_twenty_consecutive_numbers():
    firm = FirmFactory(slug="inv-numbers")
    core_services.settings_row(firm=firm)
    order = confirmed_order(firm, discount_value=Decimal("0"), lines=[
        {"description": f"Item {n}", "quantity": Decimal("1"), "unit_price": Decimal("10"),
         "tax_rate": Decimal("15")} for n in range(20)])
    drafts = [draft_invoice(firm, order=order,
                            lines=[{"order_line_id": line.pk, "quantity": Decimal("1")}])
              for line in lines_of(order)]
    assert {invoice.number for invoice in drafts} == {""}
    _results, errors = race(20, lambda i: services.invoice_post(invoice=drafts[i], actor=None))
    assert not errors
    year = core_services.firm_today(firm=firm).year
    numbers = sorted(Invoice.objects.filter(firm=firm).values_list("number", flat=True))
    assert numbers == [f"INV-{year}-{n:04d}" for n in range(1, 21)]
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.POSTED}
    assert set(SalesOrderLine.objects.filter(order=order).values_list(
        "invoiced_quantity", flat=True)) == {Decimal("1")}
    order.refresh_from_db()
    assert order.status == "invoiced"


@pytest.mark.django_db(transaction=True)
def test_concurrent_invoices_never_over_invoice():
    firm = FirmFactory(slug="inv-over")
    core_services.settings_row(firm=firm)
    order = confirmed_order(firm)
    a, _b = lines_of(order)

    def invoice_all_of_a(_index):
        invoice = services.invoice_create_from_order(
            order=order, actor=None, lines=[{"order_line_id": a.pk, "quantity": Decimal("2")}])
        return services.invoice_post(invoice=invoice, actor=None)

    results, errors = race(6, invoice_all_of_a)
    assert len(results) == 1
    assert len(errors) == 5
    assert {error.code for error in errors if isinstance(error, ApplicationError)} == {
        "quantity_exceeds_remaining"}
    assert len(errors) == sum(isinstance(error, ApplicationError) for error in errors)
    a.refresh_from_db()
    assert a.invoiced_quantity == Decimal("2")
    assert Invoice.objects.filter(firm=firm).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_exceed_the_amount_due():
    firm = FirmFactory(slug="inv-pay")
    core_services.settings_row(firm=firm)
    invoice = posted_invoice(firm)  # 2408.00

    results, errors = race(5, lambda _i: services.payment_record(
        invoice=invoice, actor=None, amount=Decimal("1000")))
    assert len(results) == 2
    assert [error.code for error in errors] == ["amount_exceeds_due"] * 3
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_due, invoice.status) == (
        Decimal("2000.00"), Decimal("408.00"), InvoiceStatus.PARTIALLY_PAID)
    assert Payment.objects.filter(invoice=invoice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_pay_back_more_than_was_overpaid():
    firm = FirmFactory(slug="inv-refund")
    core_services.settings_row(firm=firm)
    note = overpaid_credit_note(firm)  # 115.00 paid, 103.50 credited: 103.50 refundable

    results, errors = race(5, lambda _i: services.refund_record(
        credit_note=note, actor=None, amount=Decimal("40")))
    assert len(results) == 2
    assert [error.code for error in errors] == ["amount_exceeds_refundable"] * 3
    invoice = Invoice.objects.get(pk=note.invoice_id)
    assert (invoice.amount_refunded, invoice.amount_due) == (Decimal("80.00"),
                                                             Decimal("0.00"))
    assert Refund.objects.filter(credit_note=note).count() == 2
    assert services.credit_note_refundable(credit_note=note) == Decimal("23.50")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["post", "cancel"])
def test_cancelling_an_order_while_its_draft_is_posted_never_leaves_a_cancelled_invoiced_order(
        first):
    firm = FirmFactory(slug=f"inv-cancel-post-{first}")
    core_services.settings_row(firm=firm)
    order = confirmed_order(firm)
    draft = draft_invoice(firm, order=order)
    steps = {"post": lambda: services.invoice_post(invoice=draft, actor=None),
             "cancel": lambda: order_cancel(order=order, actor=None, reason="customer left")}
    names = [first, *(name for name in steps if name != first)]
    results, errors = race(2, lambda i: steps[names[i]]())
    # Whichever takes the order's lock first, the cancel is refused: before the posting it
    # sees the open draft, after it the invoiced quantities.
    assert [type(result) for result in results] == [Invoice]
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError), errors
    assert errors[0].code in {"order_has_open_documents", "invalid_transition"}
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.POSTED
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrderStatus.INVOICED

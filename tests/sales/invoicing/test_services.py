"""Invoices, payments and credit notes (business-rules §1, §2, §6, §8): exact amounts, quantities
reserved by drafts and counted at posting, every transition allowed and refused, every
error code, signals once after commit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import services as core_services
from core.errors import ApplicationError, InvalidTransition
from core.models import DocumentEvent
from sales import signals
from sales.invoicing import services
from sales.invoicing.actions import CREDIT_NOTE_ACTIONS, INVOICE_ACTIONS
from sales.invoicing.choices import CreditNoteStatus, InvoiceStatus
from sales.invoicing.models import CreditNote, Invoice
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.orders.services import order_cancel, order_hold
from tests.contracts.documents import assert_declaration_follows_machine
from tests.crm.factories import make_customer
from tests.sales.factories import (
    confirmed_order,
    credit_note,
    draft_invoice,
    invoice_in,
    lines_of,
    make_order,
    overpaid_credit_note,
    pay,
    posted_invoice,
    refund,
    set_quantities,
)

D = Decimal
S = InvoiceStatus


def year(firm) -> int:
    return core_services.firm_today(firm=firm).year


def fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def order_of(invoice) -> SalesOrder:
    return SalesOrder.all_objects.get(pk=invoice.order_id)


def invoiced(order) -> list[Decimal]:
    return [line.invoiced_quantity for line in lines_of(order)]


@pytest.fixture
def received():
    """Every invoice signal sent, as (signal name, kwargs)."""
    calls = []
    receivers = {}
    for name in ("invoice_posted", "invoice_cancelled", "payment_recorded", "payment_voided",
                 "credit_note_posted", "refund_recorded", "refund_voided"):
        def receiver(sender, signal, name=name, **kwargs):
            calls.append((name, kwargs))
        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield calls
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


# --- create from an order -------------------------------------------------------------------


@pytest.mark.django_db
class TestCreateFromOrder:
    def test_whole_order_as_a_draft_without_number(self, firm, admin_user):
        order = confirmed_order(firm, actor=admin_user)
        invoice = draft_invoice(firm, order=order, actor=admin_user)
        assert invoice.status == S.DRAFT and invoice.number == ""
        assert (invoice.subtotal, invoice.discount_amount, invoice.tax_amount, invoice.total,
                invoice.amount_due) == (D("2250.00"), D("100.00"), D("258.00"), D("2408.00"),
                                        D("2408.00"))
        assert [(line.quantity, line.line_total) for line in invoice.lines.all()] == [
            (D("2"), D("1800.00")), (D("1"), D("450.00"))]
        assert invoice.customer_name == order.customer_name
        assert invoice.customer_vat_number == order.customer.vat_number
        assert invoice.sales_person == order.sales_person
        assert invoice.due_date == invoice.invoice_date + datetime.timedelta(30)
        # A draft reserves, it does not count: the order is untouched.
        assert invoiced(order) == [0, 0]
        assert fresh(order).status == SalesOrderStatus.CONFIRMED
        assert invoice.history.latest().history_user == admin_user
        assert DocumentEvent.objects.filter(object_id=invoice.pk, action="created").exists()

    def test_a_second_invoice_finds_the_draft_reserved(self, firm):
        order = confirmed_order(firm)
        draft_invoice(firm, order=order)
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order)
        assert error.value.code == "nothing_to_invoice"

    def test_partial_quantities_share_the_discount_and_add_up(self, firm):
        order = confirmed_order(firm)
        a, b = lines_of(order)
        first = draft_invoice(firm, order=order,
                              lines=[{"order_line_id": a.pk, "quantity": D("1")}])
        # A 1 × 1000 − 10 % = 900; 100 × 900 / 2250 = 40 off; VAT 860 × 15 % = 129.
        assert (first.subtotal, first.discount_amount, first.tax_amount, first.total) == (
            D("900.00"), D("40.00"), D("129.00"), D("989.00"))
        services.invoice_post(invoice=first, actor=None)
        assert invoiced(order) == [1, 0]
        assert fresh(order).status == SalesOrderStatus.PARTIALLY_INVOICED
        assert fresh(order).invoicing_progress == D("33.3333")
        rest = draft_invoice(firm, order=order)
        # The invoice completing the order takes the rest of the discount (60).
        assert [(line.order_line_id, line.quantity) for line in rest.lines.all()] == [
            (a.pk, D("1")), (b.pk, D("1"))]
        assert (rest.subtotal, rest.discount_amount, rest.tax_amount, rest.total) == (
            D("1350.00"), D("60.00"), D("129.00"), D("1419.00"))
        assert first.total + rest.total == order.total
        services.invoice_post(invoice=rest, actor=None)
        assert invoiced(order) == [2, 1]
        assert fresh(order).status == SalesOrderStatus.INVOICED

    def test_fixed_line_discount_is_shared_by_quantity(self, firm):
        order = confirmed_order(firm, lines=[{"description": "Box", "quantity": D("4"),
                                              "unit_price": D("100"),
                                              "discount_amount": D("10"),
                                              "tax_rate": D("15")}], discount_value=D("0"))
        (line,) = lines_of(order)
        one = draft_invoice(firm, order=order,
                            lines=[{"order_line_id": line.pk, "quantity": D("3")}])
        assert one.lines.get().discount_amount == D("7.50")
        rest = draft_invoice(firm, order=order)
        assert rest.lines.get().discount_amount == D("2.50")
        assert one.subtotal + rest.subtotal == D("390.00")

    def test_shipping_goes_on_the_first_invoice(self, firm):
        order = confirmed_order(firm, shipping_cost=D("25"))
        _a, b = lines_of(order)
        first = draft_invoice(firm, order=order,
                              lines=[{"order_line_id": b.pk, "quantity": D("1")}])
        second = draft_invoice(firm, order=order)
        assert (first.shipping_cost, second.shipping_cost) == (D("25.00"), D("0.00"))
        assert first.total + second.total == fresh(order).total

    def test_more_than_remaining_is_refused(self, firm):
        order = confirmed_order(firm)
        a, b = lines_of(order)
        draft_invoice(firm, order=order, lines=[{"order_line_id": a.pk, "quantity": D("1.5")}])
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order, lines=[
                {"order_line_id": b.pk, "quantity": D("1")},
                {"order_line_id": a.pk, "quantity": D("0.6")}])
        assert error.value.code == "quantity_exceeds_remaining"
        assert error.value.status_code == 400
        assert set(error.value.details) == {"lines.1.quantity"}
        assert Invoice.objects.count() == 1

    @pytest.mark.parametrize("row, field", [
        ({"order_line_id": 987654, "quantity": D("1")}, "lines.0.order_line_id"),
        ({"quantity": D("1")}, "lines.0.order_line_id"),
        ({"order_line_id": None, "quantity": "x"}, "lines.0.order_line_id"),
    ])
    def test_unknown_lines_are_refused(self, firm, row, field):
        order = confirmed_order(firm)
        with pytest.raises(ValidationError) as error:
            draft_invoice(firm, order=order, lines=[row])
        assert field in error.value.message_dict

    def test_bad_quantities_are_refused(self, firm):
        order = confirmed_order(firm)
        a, _b = lines_of(order)
        for quantity in (D("0"), D("-1"), "x", D("0.00001")):
            with pytest.raises(ValidationError) as error:
                draft_invoice(firm, order=order,
                              lines=[{"order_line_id": a.pk, "quantity": quantity}])
            assert "lines.0.quantity" in error.value.message_dict

    def test_a_line_of_another_order_is_refused(self, firm):
        other = confirmed_order(firm)
        order = confirmed_order(firm)
        with pytest.raises(ValidationError):
            draft_invoice(firm, order=order, lines=[
                {"order_line_id": lines_of(other)[0].pk, "quantity": D("1")}])

    def test_delivered_only(self, firm):
        order = confirmed_order(firm)
        set_quantities(order, delivered=[1, 0])
        invoice = draft_invoice(firm, order=order, delivered_only=True)
        assert [(line.order_line_id, line.quantity) for line in invoice.lines.all()] == [
            (lines_of(order)[0].pk, D("1"))]
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order, delivered_only=True)
        assert error.value.code == "nothing_to_invoice"
        # Without the restriction the undelivered rest may still be invoiced.
        assert draft_invoice(firm, order=order).lines.count() == 2

    def test_firm_setting_requires_delivery(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "orders": {"require_delivery_before_invoice": True}})
        order = confirmed_order(firm)
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order, delivered_only=False)
        assert error.value.code == "nothing_to_invoice"
        set_quantities(order, delivered=[2, 0])
        a, b = lines_of(order)
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order, lines=[{"order_line_id": b.pk, "quantity": 1}])
        assert error.value.code == "quantity_exceeds_remaining"
        assert draft_invoice(firm, order=order).lines.get().order_line_id == a.pk

    def test_partial_invoicing_can_be_switched_off(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "orders": {"allow_partial_invoicing": False}})
        order = confirmed_order(firm)
        a, _b = lines_of(order)
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order, lines=[{"order_line_id": a.pk, "quantity": 2}])
        assert error.value.code == "partial_invoicing_not_allowed"
        assert draft_invoice(firm, order=order).total == D("2408.00")

    @pytest.mark.parametrize("how", ["draft", "on_hold", "cancelled", "deleted"])
    def test_orders_that_cannot_be_invoiced(self, firm, how):
        if how == "draft":
            order = make_order(firm)
        else:
            order = confirmed_order(firm)
            if how == "on_hold":
                order_hold(order=order, actor=None)
            elif how == "cancelled":
                order_cancel(order=order, actor=None, reason="customer left")
            else:
                SalesOrder.all_objects.filter(pk=order.pk).update(
                    deleted_at=timezone.now())
        with pytest.raises(ApplicationError) as error:
            draft_invoice(firm, order=order)
        assert (error.value.code, error.value.status_code) == ("order_not_invoicable", 409)

    def test_a_draft_invoice_stops_its_order_from_being_cancelled(self, firm):
        order = confirmed_order(firm)
        first = draft_invoice(firm, order=order, lines=[
            {"order_line_id": lines_of(order)[0].pk, "quantity": 1}])
        second = draft_invoice(firm, order=order, lines=[
            {"order_line_id": lines_of(order)[1].pk, "quantity": 1}])
        with pytest.raises(ApplicationError) as error:
            order_cancel(order=order, actor=None, reason="customer left")
        assert (error.value.code, error.value.status_code) == ("order_has_open_documents", 409)
        assert error.value.details == {"documents": [{"type": "invoice", "id": first.pk},
                                                     {"type": "invoice", "id": second.pk}]}
        assert f"invoice {first.pk}, invoice {second.pk}" in str(error.value.message)
        assert fresh(order).status == SalesOrderStatus.CONFIRMED
        for draft in (first, second):
            services.invoice_cancel(invoice=draft, actor=None, reason="wrong lines")
        assert order_cancel(order=order, actor=None,
                            reason="customer left").status == SalesOrderStatus.CANCELLED

    @pytest.mark.parametrize("how", ["on_hold", "cancelled", "deleted"])
    def test_posting_refuses_an_order_no_longer_invoicable(self, firm, how):
        order = confirmed_order(firm)
        invoice = draft_invoice(firm, order=order)
        if how == "on_hold":
            order_hold(order=order, actor=None)
        elif how == "cancelled":  # cancelling refuses while the draft is open; as if it had not
            SalesOrder.objects.filter(pk=order.pk).update(status=SalesOrderStatus.CANCELLED)
        else:
            SalesOrder.all_objects.filter(pk=order.pk).update(deleted_at=timezone.now())
        with pytest.raises(ApplicationError) as error:
            services.invoice_post(invoice=invoice, actor=None)
        assert (error.value.code, error.value.status_code) == ("order_not_invoicable", 409)
        invoice = fresh(invoice)
        assert (invoice.status, invoice.number) == (S.DRAFT, "")
        assert invoiced(order) == [D("0"), D("0")]
        # No number was spent: the next posting takes the first one.
        assert posted_invoice(firm).number == f"INV-{year(firm)}-0001"


# --- post and cancel ------------------------------------------------------------------------


@pytest.mark.django_db
class TestPostAndCancel:
    def test_post_numbers_dates_and_counts(self, firm, admin_user, received,
                                           django_capture_on_commit_callbacks):
        invoice = draft_invoice(firm)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            posted = services.invoice_post(invoice=invoice, actor=admin_user)
            # Inside the transaction: a receiver's writes commit with the posting.
            assert received == [("invoice_posted", {"invoice": posted, "actor": admin_user})]
            assert callbacks == []
        assert posted.status == S.POSTED
        assert posted.number == f"INV-{year(firm)}-0001"
        assert posted.invoice_date == core_services.firm_today(firm=firm)
        assert (posted.posted_by, posted.posted_at is not None) == (admin_user, True)
        assert invoiced(order_of(posted)) == [2, 1]
        assert order_of(posted).status == SalesOrderStatus.INVOICED
        assert received == [("invoice_posted", {"invoice": posted, "actor": admin_user})]
        event = DocumentEvent.objects.get(object_id=posted.pk, action="post")
        assert (event.from_status, event.to_status, event.actor) == ("draft", "posted",
                                                                     admin_user)

    def test_a_receiver_that_raises_rolls_the_posting_back(self, firm, admin_user):
        """invoice_posted is answered with money (commissions): if the answer fails, nothing of
        the posting stays — no number spent, no quantities counted, no event."""
        invoice = draft_invoice(firm)

        def failing_accrual(sender, **kwargs):
            raise RuntimeError("accrual failed")

        signals.invoice_posted.connect(failing_accrual)
        try:
            with pytest.raises(RuntimeError, match="accrual failed"):
                services.invoice_post(invoice=invoice, actor=admin_user)
        finally:
            signals.invoice_posted.disconnect(failing_accrual)
        assert (fresh(invoice).status, fresh(invoice).number) == (S.DRAFT, "")
        assert invoiced(order_of(invoice)) == [0, 0]
        assert order_of(invoice).status == SalesOrderStatus.CONFIRMED
        assert not DocumentEvent.objects.filter(object_id=invoice.pk, action="post").exists()
        # The number was given back with the rollback: the next posting takes 0001.
        assert services.invoice_post(invoice=invoice, actor=None).number.endswith("-0001")

    def test_drafts_take_no_number_and_numbers_follow_posting_order(self, firm):
        first, second, third = (draft_invoice(firm) for _ in range(3))
        assert {first.number, second.number, third.number} == {""}
        services.invoice_post(invoice=third, actor=None)
        services.invoice_post(invoice=first, actor=None)
        assert fresh(third).number.endswith("-0001")
        assert fresh(first).number.endswith("-0002")
        assert fresh(second).number == ""

    def test_a_refused_posting_burns_no_number(self, firm):
        invoice = draft_invoice(firm)
        # Someone counted the quantities meanwhile (as a buggy import would): refused.
        SalesOrderLine.objects.filter(order_id=invoice.order_id).update(
            invoiced_quantity=D("1"))
        with pytest.raises(ApplicationError) as error:
            services.invoice_post(invoice=invoice, actor=None)
        assert error.value.code == "quantity_exceeds_remaining"
        assert fresh(invoice).status == S.DRAFT
        SalesOrderLine.objects.filter(order_id=invoice.order_id).update(
            invoiced_quantity=D("0"))
        assert services.invoice_post(invoice=invoice, actor=None).number.endswith("-0001")

    def test_cancel_a_draft_frees_its_reservation(self, firm, admin_user, received,
                                                  django_capture_on_commit_callbacks):
        order = confirmed_order(firm)
        invoice = draft_invoice(firm, order=order)
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = services.invoice_cancel(invoice=invoice, actor=admin_user,
                                                reason="wrong customer")
        assert (cancelled.status, cancelled.number, cancelled.cancellation_reason) == (
            S.CANCELLED, "", "wrong customer")
        assert received == [("invoice_cancelled", {"invoice": cancelled, "actor": admin_user,
                                                   "reason": "wrong customer"})]
        assert draft_invoice(firm, order=order).total == D("2408.00")

    def test_cancel_a_posted_invoice_returns_its_quantities(self, firm):
        invoice = posted_invoice(firm)
        cancelled = services.invoice_cancel(invoice=invoice, actor=None, reason="error")
        assert cancelled.number == invoice.number  # numbers are never reused
        assert cancelled.amount_due == D("0")
        order = order_of(invoice)
        assert invoiced(order) == [0, 0]
        assert order.status == SalesOrderStatus.CONFIRMED
        assert order.invoicing_progress == D("0")

    def test_cancel_needs_a_reason(self, firm):
        invoice = draft_invoice(firm)
        with pytest.raises(ValidationError):
            services.invoice_cancel(invoice=invoice, actor=None, reason="  ")
        assert fresh(invoice).status == S.DRAFT

    def test_cancel_refused_with_payments_or_credit_notes(self, firm):
        invoice = posted_invoice(firm)
        pay(invoice, "10")
        with pytest.raises(ApplicationError) as error:
            services.invoice_cancel(invoice=invoice, actor=None, reason="x")
        assert (error.value.code, error.value.status_code) == ("invalid_transition", 409)
        # A posted invoice with a credit note only: still refused, by its money.
        other = posted_invoice(firm)
        credit_note(other, post=True)
        assert fresh(other).status == S.POSTED
        with pytest.raises(ApplicationError) as error:
            services.invoice_cancel(invoice=other, actor=None, reason="x")
        assert (error.value.code, error.value.status_code) == ("invoice_has_payments", 409)
        assert fresh(other).status == S.POSTED
        assert invoiced(order_of(other)) == [2, 1]


# --- every transition ---------------------------------------------------------------------

ACTIONS = ("post", "cancel", "pay", "credit")
# status -> action -> None (allowed) or the refusal's error code
TABLE = {
    S.DRAFT: {"post": None, "cancel": None, "pay": "invoice_not_posted",
              "credit": "invoice_not_posted"},
    S.POSTED: {"post": "invalid_transition", "cancel": None, "pay": None, "credit": None},
    S.PARTIALLY_PAID: {"post": "invalid_transition", "cancel": "invalid_transition",
                       "pay": None, "credit": None},
    S.PAID: {"post": "invalid_transition", "cancel": "invalid_transition",
             "pay": "amount_exceeds_due", "credit": None},
    S.CANCELLED: {"post": "invalid_transition", "cancel": "invalid_transition",
                  "pay": "invoice_not_posted", "credit": "invoice_not_posted"},
}


def run(action: str, invoice: Invoice):
    if action == "post":
        return services.invoice_post(invoice=invoice, actor=None)
    if action == "cancel":
        return services.invoice_cancel(invoice=invoice, actor=None, reason="test")
    if action == "pay":
        return pay(invoice, "1")
    return services.credit_note_create(invoice=invoice, actor=None, reason="test", lines=[
        {"description": "Goodwill", "quantity": 1, "unit_price": "1", "tax_rate": "0"}])


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition(firm, status, action):
    invoice = invoice_in(firm, status)
    expected = TABLE[status][action]
    history = invoice.history.count()
    if expected is None:
        run(action, invoice)
        return
    with pytest.raises(ApplicationError) as error:
        run(action, invoice)
    assert error.value.code == expected
    if isinstance(error.value, InvalidTransition):
        assert error.value.details["from"] == status
    after = fresh(invoice)
    assert (after.status, after.amount_paid, after.amount_due) == (
        invoice.status, invoice.amount_paid, invoice.amount_due)
    assert after.history.count() == history


# --- payments -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPayments:
    def test_partial_then_paid_exactly(self, firm, admin_user, received,
                                       django_capture_on_commit_callbacks):
        invoice = posted_invoice(firm)
        received.clear()  # the posting's own signal, sent inside its transaction
        with django_capture_on_commit_callbacks(execute=True):
            first = pay(invoice, "1000.50", actor=admin_user, method="cash", reference="R1")
        invoice = fresh(invoice)
        assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
            S.PARTIALLY_PAID, D("1000.50"), D("1407.50"))
        order = order_of(invoice)
        assert (order.amount_paid, order.balance_due) == (D("1000.50"), D("1407.50"))
        assert (first.recorded_by, first.method, first.reference) == (admin_user, "cash", "R1")
        assert received == [("payment_recorded", {"payment": first, "invoice": invoice,
                                                  "actor": admin_user})]
        pay(invoice, "1407.50")
        invoice = fresh(invoice)
        assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
            S.PAID, D("2408.00"), D("0.00"))
        assert invoice.paid_at is not None
        assert order_of(invoice).balance_due == D("0.00")

    @pytest.mark.parametrize("amount", ["2408.01", "5000"])
    def test_over_payment_refused(self, firm, amount):
        invoice = posted_invoice(firm)
        with pytest.raises(ApplicationError) as error:
            pay(invoice, amount)
        assert (error.value.code, error.value.status_code) == ("amount_exceeds_due", 400)
        assert error.value.details["amount_due"] == D("2408.00")
        assert not invoice.payments.exists()

    @pytest.mark.parametrize("amount", ["0", "-5", "1.001", "x"])
    def test_bad_amounts(self, firm, amount):
        invoice = posted_invoice(firm)
        with pytest.raises(ValidationError) as error:
            services.payment_record(invoice=invoice, actor=None, amount=amount)
        assert "amount" in error.value.message_dict

    def test_void_puts_the_money_back(self, firm, received,
                                      django_capture_on_commit_callbacks):
        invoice = posted_invoice(firm)
        payment = pay(invoice, "2408")
        received.clear()  # the posting's and the payment's own signals
        with django_capture_on_commit_callbacks(execute=True):
            voided = services.payment_void(payment=payment, actor=None, reason="bounced")
        assert voided.status == "voided"
        invoice = fresh(invoice)
        assert (invoice.status, invoice.amount_paid, invoice.amount_due, invoice.paid_at) == (
            S.POSTED, D("0.00"), D("2408.00"), None)
        assert order_of(invoice).balance_due == D("2408.00")
        assert [name for name, _kw in received] == ["payment_voided"]
        with pytest.raises(ApplicationError) as error:
            services.payment_void(payment=payment, actor=None, reason="again")
        assert error.value.code == "payment_voided"

    def test_down_payments_applied_by_the_recompute(self, firm):
        invoice = posted_invoice(firm)
        pay(invoice, "1000")
        moved = services.invoice_recompute_due(invoice=invoice,
                                               down_payments_applied=D("408"))
        assert (moved.status, moved.down_payments_applied, moved.amount_due) == (
            S.PARTIALLY_PAID, D("408.00"), D("1000.00"))
        moved = services.invoice_recompute_due(invoice=invoice,
                                               down_payments_applied=D("1408"))
        assert (moved.status, moved.amount_due) == (S.PAID, D("0.00"))
        with pytest.raises(ApplicationError) as error:
            services.invoice_recompute_due(invoice=invoice, down_payments_applied=D("1408.01"))
        assert error.value.code == "amount_exceeds_due"
        assert fresh(invoice).down_payments_applied == D("1408.00")


# --- credit notes ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestCreditNotes:
    def test_reduces_the_amount_due_exactly(self, firm, admin_user, received,
                                            django_capture_on_commit_callbacks):
        invoice = posted_invoice(firm)
        pay(invoice, "1000")
        a, b = invoice.lines.order_by("position")
        # B: 450 net of its line discount, × 2150 / 2250 for the document's 100 off → 430.
        note = credit_note(invoice, lines=[{"invoice_line_id": b.pk, "quantity": 1}],
                           actor=admin_user)
        assert (note.status, note.number, note.total) == ("draft", "", D("430.00"))
        assert fresh(invoice).amount_due == D("1408.00")  # a draft changes nothing
        received.clear()  # the posting's and the payment's own signals
        with django_capture_on_commit_callbacks(execute=True):
            posted = services.credit_note_post(credit_note=note, actor=admin_user)
        assert posted.number == f"CN-{year(firm)}-0001"
        invoice = fresh(invoice)
        assert (invoice.credit_notes_total, invoice.amount_due, invoice.status) == (
            D("430.00"), D("978.00"), S.PARTIALLY_PAID)
        assert received == [("credit_note_posted", {"credit_note": posted, "invoice": invoice,
                                                    "actor": admin_user})]
        # A: 1800 × 2150 / 2250 / 2 = 860 a unit, + 15 % VAT = 989.
        second = credit_note(invoice, lines=[{"invoice_line_id": a.pk, "quantity": 1}],
                             post=True)
        assert (second.subtotal, second.tax_amount, second.total) == (
            D("860.00"), D("129.00"), D("989.00"))
        invoice = fresh(invoice)
        # 2408 − 1000 − 1419 is below zero: the amount due stops at 0.
        assert (invoice.credit_notes_total, invoice.amount_due, invoice.status) == (
            D("1419.00"), D("0.00"), S.PAID)

    def test_quantities_and_amounts_never_above_the_invoice(self, firm):
        invoice = posted_invoice(firm)
        a, _b = invoice.lines.order_by("position")
        credit_note(invoice, lines=[{"invoice_line_id": a.pk, "quantity": D("1.5")}])
        with pytest.raises(ApplicationError) as error:
            credit_note(invoice, lines=[{"invoice_line_id": a.pk, "quantity": 1}])
        assert (error.value.code, set(error.value.details)) == (
            "quantity_exceeds_remaining", {"lines.0.quantity"})
        with pytest.raises(ApplicationError) as error:
            credit_note(invoice, lines=[{"description": "Refund", "quantity": 1,
                                         "unit_price": "1500", "tax_rate": "0"}])
        assert error.value.code == "amount_exceeds_invoice"
        with pytest.raises(ValidationError) as error:
            credit_note(invoice, lines=[{"invoice_line_id": 987654, "quantity": 1}])
        assert "lines.0.invoice_line_id" in error.value.message_dict
        assert CreditNote.objects.count() == 1

    def test_whole_invoice_credited_exactly(self, firm):
        invoice = posted_invoice(firm)
        note = credit_note(invoice, post=True, lines=[
            {"invoice_line_id": line.pk, "quantity": line.quantity}
            for line in invoice.lines.all()])
        assert note.total == D("2408.00")
        assert fresh(invoice).amount_due == D("0.00")

    def test_draft_cancel_and_posted_refusals(self, firm):
        invoice = posted_invoice(firm)
        note = credit_note(invoice)
        cancelled = services.credit_note_cancel(credit_note=note, actor=None, reason="typo")
        assert (cancelled.status, cancelled.number) == ("cancelled", "")
        with pytest.raises(InvalidTransition):
            services.credit_note_post(credit_note=cancelled, actor=None)
        posted = credit_note(invoice, post=True)
        assert posted.number.endswith("-0001")  # the cancelled draft burnt none
        with pytest.raises(InvalidTransition):
            services.credit_note_cancel(credit_note=posted, actor=None, reason="x")
        with pytest.raises(InvalidTransition):
            services.credit_note_post(credit_note=posted, actor=None)
        with pytest.raises(ValidationError):
            services.credit_note_create(invoice=invoice, actor=None, reason="", lines=[
                {"description": "x", "quantity": 1, "unit_price": 1}])


# --- refunds (business-rules §8) -------------------------------------------------------------


def refused_refund(note, amount=None) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        refund(note, amount)
    return error.value


@pytest.mark.django_db
class TestRefunds:
    def test_paid_back_exactly_on_an_overpaid_invoice(self, firm, admin_user, received,
                                                      django_capture_on_commit_callbacks):
        note = overpaid_credit_note(firm)
        invoice = fresh(note.invoice)
        # 115 − 115 − 103.50 is below zero: nothing due; the customer overpaid 103.50.
        assert (invoice.status, invoice.amount_paid, invoice.credit_notes_total,
                invoice.amount_due) == (S.PAID, D("115.00"), D("103.50"), D("0.00"))
        assert services.credit_note_refundable(credit_note=note) == D("103.50")
        assert services.credit_note_available_actions(document=note) == ["refund"]
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            made = refund(note, "103.50", actor=admin_user, method="cash", reference="RF-1",
                          notes="Cash at the counter")
        assert (made.amount, made.status, made.method, made.reference, made.recorded_by,
                made.invoice_id, made.credit_note_id) == (
            D("103.50"), "recorded", "cash", "RF-1", admin_user, invoice.pk, note.pk)
        assert made.refund_date == core_services.firm_today(firm=firm)
        assert made.history.latest().history_user == admin_user
        invoice = fresh(invoice)
        # 115 − (115 − 103.50) − 103.50 = 0: still nothing due, still paid.
        assert (invoice.status, invoice.amount_paid, invoice.amount_refunded,
                invoice.amount_due) == (S.PAID, D("115.00"), D("103.50"), D("0.00"))
        assert fresh(note).amount_refunded == D("103.50")
        assert services.credit_note_refundable(credit_note=note) == D("0.00")
        assert services.credit_note_available_actions(document=fresh(note)) == []
        # The order's payments count what was paid less what was paid back.
        order = order_of(invoice)
        assert (order.amount_paid, order.balance_due) == (D("11.50"), D("103.50"))
        assert received == [("refund_recorded", {"refund": made, "credit_note": note,
                                                 "invoice": invoice, "actor": admin_user})]
        events = DocumentEvent.objects.filter(action="refund_recorded")
        assert sorted(event.content_type.model for event in events) == ["creditnote", "invoice"]
        assert events.get(object_id=invoice.pk, content_type__model="invoice").details == {
            "refund_id": made.pk, "credit_note_id": note.pk, "amount": "103.50",
            "method": "cash", "reference": "RF-1"}
        error = refused_refund(note, "0.01")
        assert (error.code, error.status_code, error.details["refundable"]) == (
            "amount_exceeds_refundable", 400, D("0.00"))
        assert invoice.refunds.count() == 1

    def test_a_part_refund_then_the_rest(self, firm):
        note = overpaid_credit_note(firm)
        refund(note, "100")
        assert services.credit_note_refundable(credit_note=note) == D("3.50")
        error = refused_refund(note, "3.51")
        assert (error.code, error.details["refundable"]) == ("amount_exceeds_refundable",
                                                             D("3.50"))
        rest = refund(note)  # the amount left out: everything refundable
        assert rest.amount == D("3.50")
        invoice = fresh(note.invoice)
        assert (invoice.amount_refunded, invoice.amount_due, invoice.status) == (
            D("103.50"), D("0.00"), S.PAID)

    def test_nothing_to_pay_back_on_an_unpaid_invoice(self, firm):
        note = overpaid_credit_note(firm, paid=False)
        invoice = fresh(note.invoice)
        # 115 − 0 − 103.50 = 11.50 still due: the credit lowered the debt, nothing was paid.
        assert (invoice.status, invoice.amount_due) == (S.POSTED, D("11.50"))
        assert services.credit_note_refundable(credit_note=note) == D("0.00")
        assert services.credit_note_available_actions(document=note) == []
        error = refused_refund(note, "1")
        assert (error.code, error.details["refundable"]) == ("amount_exceeds_refundable",
                                                             D("0.00"))
        assert refused_refund(note).code == "amount_exceeds_refundable"
        assert not invoice.refunds.exists()
        assert fresh(invoice).amount_due == D("11.50")

    def test_at_most_what_the_customer_overpaid(self, firm):
        # 115 invoice, 60 paid, a 103.50 credit: overpaid 60 + 103.50 − 115 = 48.50.
        invoice = posted_invoice(firm, order=confirmed_order(firm, total="115"))
        pay(invoice, "60")
        note = credit_note(invoice, post=True, lines=[
            {"description": "Returned goods", "quantity": 1, "unit_price": D("90"),
             "tax_rate": D("15")}])
        assert services.credit_note_refundable(credit_note=note) == D("48.50")
        assert refused_refund(note, "48.51").details["refundable"] == D("48.50")
        refund(note, "48.50")
        invoice = fresh(invoice)
        assert (invoice.amount_paid, invoice.amount_refunded, invoice.amount_due,
                invoice.status) == (D("60.00"), D("48.50"), D("0.00"), S.PAID)

    def test_void_restores_what_is_refundable(self, firm, admin_user, received):
        note = overpaid_credit_note(firm)
        made = refund(note, "103.50")
        received.clear()
        voided = services.refund_void(refund=made, actor=admin_user, reason="Bank returned it")
        assert (voided.status, voided.voided_by, voided.void_reason) == (
            "voided", admin_user, "Bank returned it")
        assert voided.voided_at is not None
        invoice = fresh(note.invoice)
        assert (invoice.amount_refunded, invoice.amount_due, invoice.status) == (
            D("0.00"), D("0.00"), S.PAID)
        assert order_of(invoice).amount_paid == D("115.00")
        assert services.credit_note_refundable(credit_note=note) == D("103.50")
        assert fresh(note).amount_refunded == D("0.00")
        assert [name for name, _kw in received] == ["refund_voided"]
        assert DocumentEvent.objects.filter(object_id=invoice.pk, action="refund_voided",
                                            reason="Bank returned it").exists()
        with pytest.raises(ApplicationError) as error:
            services.refund_void(refund=made, actor=None, reason="again")
        assert (error.value.code, error.value.status_code) == ("payment_voided", 409)
        with pytest.raises(ValidationError) as error:
            services.refund_void(refund=refund(note), actor=None, reason=" ")
        assert "reason" in error.value.message_dict

    @pytest.mark.parametrize("status", ["draft", "cancelled"])
    def test_only_a_posted_credit_note_pays_back(self, firm, status):
        invoice = invoice_in(firm, S.PAID)
        note = credit_note(invoice)
        if status == "cancelled":
            note = services.credit_note_cancel(credit_note=note, actor=None, reason="typo")
        assert services.credit_note_refundable(credit_note=note) == D("0")
        with pytest.raises(InvalidTransition) as error:
            refund(note, "1")
        assert (error.value.status_code, error.value.details["from"],
                error.value.details["to"]) == (409, status, "refund")
        assert not invoice.refunds.exists()

    @pytest.mark.parametrize("amount", ["0", "-5", "1.001", "x"])
    def test_bad_amounts(self, firm, amount):
        note = overpaid_credit_note(firm)
        with pytest.raises(ValidationError) as error:
            services.refund_record(credit_note=note, actor=None, amount=amount)
        assert "amount" in error.value.message_dict

    def test_a_receiver_that_raises_rolls_the_refund_back(self, firm):
        note = overpaid_credit_note(firm)

        def fail(**kwargs):
            raise RuntimeError("commission clawback failed")

        signals.refund_recorded.connect(fail)
        try:
            with pytest.raises(RuntimeError):
                refund(note, "10")
        finally:
            signals.refund_recorded.disconnect(fail)
        invoice = fresh(note.invoice)
        assert not invoice.refunds.exists()
        assert invoice.amount_refunded == D("0.00")


# --- invoices of free lines (down payments) ------------------------------------------------


@pytest.mark.django_db
def test_down_payment_invoice_of_free_lines(firm):
    customer = make_customer(firm, vat_number="311111111111113")
    invoice = services.invoice_create(firm=firm, actor=None, customer=customer, lines=[
        {"description": "Advance", "quantity": 1, "unit_price": D("1000"),
         "tax_rate": D("15")}])
    assert (invoice.kind, invoice.order_id, invoice.total, invoice.customer_vat_number) == (
        "down_payment", None, D("1150.00"), "311111111111113")
    posted = services.invoice_post(invoice=invoice, actor=None)
    assert posted.number.endswith("-0001")
    with pytest.raises(ValidationError) as error:
        services.invoice_create(firm=firm, actor=None, customer=customer, lines=[
            {"description": "", "quantity": 1, "unit_price": None}])
    assert {"lines.0.description", "lines.0.unit_price"} <= set(error.value.message_dict)


# --- the action declarations (sales.invoicing.actions) --------------------------------------

def _invoice_for_walk(firm, status: str) -> Invoice:
    """An invoice in `status`; "posted_credited" is a posted invoice with a posted credit note
    (money on it, so it cannot be cancelled)."""
    if status == "posted_credited":
        invoice = invoice_in(firm, InvoiceStatus.POSTED)
        credit_note(invoice, post=True)
    else:
        invoice = invoice_in(firm, status)
    return Invoice.objects.get(pk=invoice.pk)


def _credit_note_for_walk(firm, status: str) -> CreditNote:
    """A credit note in `status`; "draft_invoice_cancelled" is a draft whose invoice was
    cancelled since (it can no longer be posted); "posted_overpaid" a posted note on a paid
    invoice (something to refund)."""
    if status == "posted_overpaid":
        return CreditNote.objects.get(pk=overpaid_credit_note(firm).pk)
    invoice = invoice_in(firm, InvoiceStatus.POSTED)
    note = credit_note(invoice, post=status == CreditNoteStatus.POSTED)
    if status == CreditNoteStatus.CANCELLED:
        services.credit_note_cancel(credit_note=note, actor=None, reason="walk")
    elif status == "draft_invoice_cancelled":
        services.invoice_cancel(invoice=invoice, actor=None, reason="walk")
    return CreditNote.objects.get(pk=note.pk)


@pytest.mark.django_db
def test_the_declared_invoice_actions_follow_the_state_machine(firm, admin_user):
    offered = assert_declaration_follows_machine(
        INVOICE_ACTIONS, make=lambda status: _invoice_for_walk(firm, status), user=admin_user,
        statuses=[*InvoiceStatus.values, "posted_credited"])
    assert offered["draft"] == ["cancel", "post"]
    assert offered["posted"] == ["cancel"]
    assert offered["partially_paid"] == []
    assert offered["posted_credited"] == []
    assert offered["cancelled"] == []


@pytest.mark.django_db
def test_the_declared_credit_note_actions_follow_the_state_machine(firm, admin_user):
    offered = assert_declaration_follows_machine(
        CREDIT_NOTE_ACTIONS, make=lambda status: _credit_note_for_walk(firm, status),
        user=admin_user, statuses=[*CreditNoteStatus.values, "draft_invoice_cancelled",
                                   "posted_overpaid"],
        # Everything refundable: the amount left out.
        inputs={"refund": lambda note: {"amount": None}})
    assert offered["draft"] == ["cancel", "post"]
    assert offered["draft_invoice_cancelled"] == ["cancel"]
    assert offered["posted"] == []  # on an unpaid invoice: nothing to pay back
    assert offered["posted_overpaid"] == ["refund"]
    assert offered["cancelled"] == []

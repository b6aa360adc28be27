"""Down payment services (business-rules §8): the amount and VAT split exactly, the business
rules' numbers exactly, the cap on a source's down payments, every transition allowed and
refused, apply and refund refusals, the invoices on both sides, statistics and what an invoice
can take."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from core import services as core_services
from core.errors import ApplicationError, InvalidTransition
from core.models import DocumentEvent
from sales.down_payments import services
from sales.down_payments.actions import DOWN_PAYMENT_ACTIONS
from sales.down_payments.choices import DownPaymentStatus, DownPaymentType
from sales.down_payments.forms import apply_invoices
from sales.down_payments.models import DownPayment, DownPaymentApplication
from sales.down_payments.services import down_payment_amount, down_payment_vat_split
from sales.invoicing import services as invoice_services
from sales.invoicing.choices import InvoiceKind, InvoiceStatus
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from tests.contracts.documents import assert_declaration_follows_machine
from tests.crm.factories import make_customer
from tests.sales.factories import (
    confirmed_order,
    down_payment_in,
    make_down_payment,
    make_quote,
    paid_down_payment,
    posted_invoice,
    quote_in,
)

D = Decimal
S = DownPaymentStatus
ALL = list(S)


def fresh(down_payment: DownPayment) -> DownPayment:
    return DownPayment.objects.get(pk=down_payment.pk)


def events(down_payment: DownPayment):
    """The down payment's timeline events (other documents may share its id)."""
    return DocumentEvent.objects.filter(
        object_id=down_payment.pk, content_type=ContentType.objects.get_for_model(DownPayment))


# --- business-rules §8's acceptance numbers -----------------------------------------------------


@pytest.mark.django_db
class TestRulesNumbers:
    def test_advances_applied_to_the_3600_invoice_leave_exactly_what_rules_say(
            self, firm, admin_user):
        order = confirmed_order(firm, total="3600", actor=admin_user)
        advances = [paid_down_payment(firm, source=order, fixed_amount=D(amount),
                                      actor=admin_user) for amount in ("120", "200", "300",
                                                                       "400")]
        invoice = posted_invoice(firm, order=order, actor=admin_user)
        assert invoice.total == D("3600.00") and invoice.amount_due == D("3600.00")
        due = []
        for advance in advances:
            services.down_payment_apply(down_payment=advance, invoice=invoice,
                                        amount=advance.amount, actor=admin_user)
            due.append(Invoice.objects.get(pk=invoice.pk).amount_due)
        assert due == [D("3480.00"), D("3280.00"), D("2980.00"), D("2580.00")]
        invoice.refresh_from_db()
        assert invoice.down_payments_applied == D("1020.00")
        assert invoice.status == InvoiceStatus.PARTIALLY_PAID
        assert [fresh(a).status for a in advances] == [S.FULLY_APPLIED] * 4
        order = SalesOrder.objects.get(pk=order.pk)
        # business-rules §6: balanceDue = total − downPaymentsApplied − payments (the advances' own
        # invoices are not the order's payments).
        assert (order.down_payments_applied, order.amount_paid, order.balance_due) == (
            D("1020.00"), D("0.00"), D("2580.00"))

    def test_an_advance_above_what_remains_of_the_total_is_refused(self, firm):
        order = confirmed_order(firm, total="3600")
        make_down_payment(firm, source=order, fixed_amount=D("3000"))
        with pytest.raises(ApplicationError) as refused:
            make_down_payment(firm, source=order, fixed_amount=D("600.01"))
        assert refused.value.code == "down_payment_exceeds_total"
        assert refused.value.status_code == 400
        assert refused.value.details["remaining"] == D("600.00")
        assert DownPayment.objects.filter(sales_order=order).count() == 1
        assert make_down_payment(firm, source=order, fixed_amount=D("600")).amount == D(
            "600.00")

    def test_a_refund_above_what_was_paid_is_refused(self, firm, admin_user):
        advance = paid_down_payment(firm, fixed_amount=D("500"))
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_refund(down_payment=advance, amount=D("500.01"),
                                         reason="customer walked away", actor=admin_user)
        assert refused.value.code == "refund_exceeds_available"
        assert refused.value.details["available"] == D("500.00")
        advance = fresh(advance)
        assert (advance.status, advance.refunded_amount, advance.refunds.count()) == (
            S.PAID, D("0"), 0)

    def test_vat_split_1150_is_1000_and_150(self, firm):
        advance = make_down_payment(firm, fixed_amount=D("1150"), vat_rate=D("15"))
        assert (advance.amount, advance.amount_excluding_vat, advance.vat_amount) == (
            D("1150.00"), D("1000.00"), D("150.00"))


# --- create, update, delete ---------------------------------------------------------------


@pytest.mark.django_db
class TestCreate:
    def test_numbered_with_amounts_snapshots_and_event(self, firm, admin_user):
        order = confirmed_order(firm, total="3600")
        advance = make_down_payment(firm, source=order, percentage_value=D("25"),
                                    actor=admin_user)
        today = core_services.firm_today(firm=firm)
        assert advance.number == f"DP-{today.year}-0001"
        assert advance.status == S.DRAFT
        assert (advance.amount, advance.amount_excluding_vat, advance.vat_amount) == (
            D("900.00"), D("782.61"), D("117.39"))
        assert advance.vat_rate == D("15")  # the firm's default
        assert (advance.customer, advance.customer_name) == (order.customer,
                                                             order.customer.name)
        assert (advance.source_number, advance.source_total) == (order.number, D("3600.00"))
        assert advance.source_type == "sales_order"
        assert (advance.requested_date, advance.due_date) == (today, today)
        assert advance.remaining_amount == advance.paid_amount == D("0")
        assert advance.history.latest().history_user == admin_user
        assert events(advance).filter(action="created").count() == 1

    def test_on_a_quote(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        advance = make_down_payment(firm, source=quote, percentage_value=D("50"))
        assert (advance.quote, advance.sales_order, advance.source_type) == (quote, None,
                                                                             "quote")
        assert advance.amount == D("1204.00")  # half of business-rules §2's 2408

    def test_the_firms_vat_rate_is_the_default(self, firm):
        core_services.settings_update(firm=firm, actor=None,
                                      changes={"tax": {"default_tax_rate": "5"}})
        advance = make_down_payment(firm, fixed_amount=D("1050"))
        assert (advance.vat_rate, advance.amount_excluding_vat, advance.vat_amount) == (
            D("5"), D("1000.00"), D("50.00"))

    @pytest.mark.parametrize(("fields", "field"), [
        ({"type": "percentage", "percentage_value": None}, "percentage_value"),
        ({"type": "fixed_amount"}, "fixed_amount"),
        ({"type": "percentage", "percentage_value": D("0")}, "percentage_value"),
        ({"type": "percentage", "percentage_value": D("100.5")}, "percentage_value"),
        ({"type": "fixed_amount", "fixed_amount": D("0")}, "fixed_amount"),
        ({"type": "percentage", "percentage_value": D("10"), "status": "paid"}, "status"),
    ])
    def test_refused_input_saves_nothing_and_burns_no_number(self, firm, fields, field):
        order = confirmed_order(firm, total="3600")
        with pytest.raises(ValidationError) as refused:
            services.down_payment_create(firm=firm, actor=None, sales_order=order, **fields)
        assert field in refused.value.message_dict
        assert make_down_payment(firm, source=order).number.endswith("-0001")

    def test_one_source_exactly(self, firm):
        order, quote = confirmed_order(firm, total="3600"), make_quote(firm)
        for sources in ({}, {"sales_order": order, "quote": quote}):
            with pytest.raises(ValidationError):
                services.down_payment_create(firm=firm, actor=None, type="percentage",
                                             percentage_value=D("10"), **sources)

    def test_another_firms_source_is_refused(self, firm, other_firm):
        order = confirmed_order(other_firm, total="3600")
        with pytest.raises(ValidationError):
            make_down_payment(firm, source=order)

    @pytest.mark.parametrize("status", [QuoteStatus.CANCELLED, QuoteStatus.REJECTED,
                                        QuoteStatus.EXPIRED, QuoteStatus.ARCHIVED,
                                        QuoteStatus.CONVERTED])
    def test_closed_quotes_take_none(self, firm, status):
        with pytest.raises(ApplicationError) as refused:
            make_down_payment(firm, source=quote_in(firm, status))
        assert refused.value.code == "source_not_eligible"

    def test_a_cancelled_order_takes_none(self, firm):
        order = confirmed_order(firm, total="3600")
        SalesOrder.objects.filter(pk=order.pk).update(status="cancelled")
        with pytest.raises(ApplicationError) as refused:
            make_down_payment(firm, source=SalesOrder.objects.get(pk=order.pk))
        assert refused.value.code == "source_not_eligible"

    def test_a_quote_for_a_lead_takes_none(self, firm):
        from tests.crm.factories import make_lead

        quote = make_quote(firm, lead=make_lead(firm))
        with pytest.raises(ValidationError) as refused:
            make_down_payment(firm, source=quote)
        assert "source_id" in refused.value.message_dict


@pytest.mark.django_db
class TestSourceCap:
    def test_percentages_add_up_to_the_total_and_no_further(self, firm):
        order = confirmed_order(firm, total="3600")
        for _ in range(4):
            make_down_payment(firm, source=order, percentage_value=D("25"))
        with pytest.raises(ApplicationError) as refused:
            make_down_payment(firm, source=order, percentage_value=D("0.01"))
        assert refused.value.details["remaining"] == D("0")

    def test_cancelled_ones_free_their_amount(self, firm):
        order = confirmed_order(firm, total="3600")
        first = make_down_payment(firm, source=order, percentage_value=D("100"))
        services.down_payment_cancel(down_payment=first, actor=None, reason="wrong one")
        assert make_down_payment(firm, source=order, percentage_value=D("100")).amount == D(
            "3600.00")

    def test_refunded_money_is_freed_applied_money_is_not(self, firm):
        order = confirmed_order(firm, total="1000")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("1000"))
        invoice = posted_invoice(firm, order=order)
        services.down_payment_apply(down_payment=advance, invoice=invoice, amount=D("300"),
                                    actor=None)
        services.down_payment_refund(down_payment=advance, amount=D("700"), reason="over",
                                     actor=None)
        assert fresh(advance).status == S.REFUNDED
        assert services.down_payment_committed(sales_order=order) == D("300.00")
        with pytest.raises(ApplicationError):
            make_down_payment(firm, source=order, fixed_amount=D("700.01"))
        assert make_down_payment(firm, source=order, fixed_amount=D("700")).amount == D("700")


@pytest.mark.django_db
class TestUpdateAndDelete:
    def test_draft_edit_recomputes(self, firm, admin_user):
        advance = make_down_payment(firm, percentage_value=D("10"))
        changed = services.down_payment_update(down_payment=advance, actor=admin_user,
                                               type="fixed_amount", fixed_amount=D("2300"),
                                               notes="Second thoughts")
        assert (changed.type, changed.percentage_value, changed.fixed_amount) == (
            "fixed_amount", None, D("2300"))
        assert (changed.amount, changed.amount_excluding_vat, changed.vat_amount) == (
            D("2300.00"), D("2000.00"), D("300.00"))
        assert changed.history.latest().history_user == admin_user

    def test_edit_is_held_to_the_total_without_counting_itself(self, firm):
        order = confirmed_order(firm, total="3600")
        advance = make_down_payment(firm, source=order, percentage_value=D("50"))
        make_down_payment(firm, source=order, percentage_value=D("40"))
        assert services.down_payment_update(down_payment=advance, actor=None,
                                            percentage_value=D("60")).amount == D("2160.00")
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_update(down_payment=advance, actor=None,
                                         percentage_value=D("60.01"))
        assert refused.value.code == "down_payment_exceeds_total"
        assert fresh(advance).percentage_value == D("60")

    @pytest.mark.parametrize("status", [s for s in ALL if s != S.DRAFT])
    def test_only_drafts_are_edited_or_deleted(self, firm, status):
        advance = down_payment_in(firm, status)
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_update(down_payment=advance, actor=None, notes="x")
        assert (refused.value.code, refused.value.status_code) == (
            "down_payment_not_editable", 409)
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_delete(down_payment=advance, actor=None)
        assert refused.value.code == "down_payment_not_deletable"
        assert DownPayment.objects.filter(pk=advance.pk).exists()

    def test_draft_delete_keeps_who(self, firm, admin_user):
        advance = make_down_payment(firm)
        services.down_payment_delete(down_payment=advance, actor=admin_user)
        assert not DownPayment.objects.filter(pk=advance.pk).exists()
        assert DownPayment.history.filter(id=advance.pk).latest().history_user == admin_user


# --- the workflow -------------------------------------------------------------------------

ACTIONS = {
    # action -> (statuses it is allowed from, call)
    "generate_invoice": ([S.DRAFT], lambda dp: services.down_payment_generate_invoice(
        down_payment=dp, actor=None)),
    "record_payment": ([S.PENDING], lambda dp: services.down_payment_record_payment(
        down_payment=dp, actor=None)),
    "refund": ([S.PAID, S.PARTIALLY_APPLIED], lambda dp: services.down_payment_refund(
        down_payment=dp, amount=D("1"), reason="r", actor=None)),
    "cancel": ([S.DRAFT, S.PENDING], lambda dp: services.down_payment_cancel(
        down_payment=dp, actor=None, reason="r")),
}


@pytest.mark.django_db
class TestTransitions:
    # Every (action, status) pair the action does not allow; the allowed ones are the
    # workflow tests'.
    @pytest.mark.parametrize(("name", "status"), [
        (name, status) for name, (allowed, _call) in ACTIONS.items() for status in ALL
        if status not in allowed])
    def test_refused_from_other_statuses(self, firm, name, status):
        _allowed, call = ACTIONS[name]
        advance = down_payment_in(firm, status)
        with pytest.raises(InvalidTransition) as refused:
            call(advance)
        assert refused.value.details["from"] == status
        assert fresh(advance).status == status
        assert not events(advance).exclude(action="created").exists()

    @pytest.mark.parametrize("status", [s for s in ALL if s not in (S.PAID,
                                                                     S.PARTIALLY_APPLIED)])
    def test_apply_refused_from_other_statuses(self, firm, status):
        advance = down_payment_in(firm, status)
        invoice = posted_invoice(firm, order=advance.sales_order)
        with pytest.raises(InvalidTransition):
            services.down_payment_apply(down_payment=advance, invoice=invoice, amount=D("1"),
                                        actor=None)
        assert not DownPaymentApplication.objects.exists()
        assert Invoice.objects.get(pk=invoice.pk).down_payments_applied == 0

    def test_generate_invoice_posts_a_down_payment_invoice_of_the_amount(self, firm,
                                                                         admin_user):
        advance = make_down_payment(firm, fixed_amount=D("1000"))
        moved = services.down_payment_generate_invoice(down_payment=advance, actor=admin_user)
        invoice = moved.invoice
        assert moved.status == S.PENDING
        assert (invoice.kind, invoice.status, invoice.customer_id, invoice.order_id) == (
            InvoiceKind.DOWN_PAYMENT, InvoiceStatus.POSTED, advance.customer_id, None)
        assert invoice.number.startswith("INV-")
        # The down payment's own split, to the halala (869.57 + 130.43, not 130.44).
        assert (invoice.subtotal, invoice.tax_amount, invoice.total, invoice.amount_due) == (
            D("869.57"), D("130.43"), D("1000.00"), D("1000.00"))
        event = events(advance).get(action="generate_invoice")
        assert (event.from_status, event.to_status, event.actor) == (S.DRAFT, S.PENDING,
                                                                     admin_user)

    def test_record_payment_pays_its_invoice(self, firm, admin_user):
        advance = make_down_payment(firm, fixed_amount=D("1150"))
        advance = services.down_payment_generate_invoice(down_payment=advance, actor=None)
        paid = services.down_payment_record_payment(
            down_payment=advance, actor=admin_user, paid_date=datetime.date(2026, 5, 2),
            method="cash", reference="R-1")
        assert (paid.status, paid.paid_amount, paid.remaining_amount, paid.paid_date,
                paid.payment_method, paid.payment_reference) == (
            S.PAID, D("1150.00"), D("1150.00"), datetime.date(2026, 5, 2), "cash", "R-1")
        invoice = Invoice.objects.get(pk=paid.invoice_id)
        assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
            InvoiceStatus.PAID, D("1150.00"), D("0.00"))

    def test_record_payment_is_the_whole_amount(self, firm):
        advance = make_down_payment(firm, fixed_amount=D("500"))
        advance = services.down_payment_generate_invoice(down_payment=advance, actor=None)
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_record_payment(down_payment=advance, actor=None,
                                                 amount=D("499"))
        assert refused.value.code == "amount_mismatch"
        assert fresh(advance).status == S.PENDING

    def test_cancel_a_draft(self, firm, admin_user):
        advance = make_down_payment(firm)
        moved = services.down_payment_cancel(down_payment=advance, actor=admin_user,
                                             reason="customer declined")
        assert (moved.status, moved.cancellation_reason) == (S.CANCELLED, "customer declined")
        assert moved.cancelled_at is not None

    def test_cancel_a_pending_one_cancels_its_invoice(self, firm):
        advance = make_down_payment(firm)
        advance = services.down_payment_generate_invoice(down_payment=advance, actor=None)
        services.down_payment_cancel(down_payment=advance, actor=None, reason="")
        assert fresh(advance).status == S.CANCELLED
        assert Invoice.objects.get(pk=advance.invoice_id).status == InvoiceStatus.CANCELLED


@pytest.mark.django_db
class TestApply:
    @pytest.fixture
    def setup(self, firm):
        order = confirmed_order(firm, total="3600")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("1000"))
        return advance, posted_invoice(firm, order=order)

    def test_partly_then_fully(self, setup, admin_user):
        advance, invoice = setup
        first = services.down_payment_apply(down_payment=advance, invoice=invoice,
                                            amount=D("400"), actor=admin_user)
        assert (first.amount, first.invoice_number, first.invoice_total, first.applied_by) == (
            D("400.00"), invoice.number, D("3600.00"), admin_user)
        advance = fresh(advance)
        assert (advance.status, advance.applied_amount, advance.remaining_amount) == (
            S.PARTIALLY_APPLIED, D("400.00"), D("600.00"))
        services.down_payment_apply(down_payment=advance, invoice=invoice, amount=D("600"),
                                    actor=admin_user)
        advance = fresh(advance)
        assert (advance.status, advance.applied_amount, advance.remaining_amount) == (
            S.FULLY_APPLIED, D("1000.00"), D("0.00"))
        assert Invoice.objects.get(pk=invoice.pk).amount_due == D("2600.00")
        assert advance.applications.count() == 2

    def test_more_than_remains_is_refused(self, setup):
        advance, invoice = setup
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_apply(down_payment=advance, invoice=invoice,
                                        amount=D("1000.01"), actor=None)
        assert (refused.value.code, refused.value.details["remaining"]) == (
            "amount_exceeds_remaining", D("1000.00"))
        assert not DownPaymentApplication.objects.exists()

    def test_more_than_the_invoice_asks_is_refused(self, firm):
        order = confirmed_order(firm, total="3600")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("3000"))
        invoice = posted_invoice(firm, order=order)
        invoice_services.payment_record(invoice=invoice, actor=None, amount=D("3000"))
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_apply(down_payment=advance, invoice=invoice,
                                        amount=D("600.01"), actor=None)
        assert (refused.value.code, refused.value.details["amount_due"]) == (
            "amount_exceeds_due", D("600.00"))
        services.down_payment_apply(down_payment=advance, invoice=invoice, amount=D("600"),
                                    actor=None)
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID

    def test_another_customers_invoice_is_refused(self, firm, setup):
        advance, _invoice = setup
        other = posted_invoice(firm, order=confirmed_order(firm, total="3600",
                                                           customer=make_customer(firm)))
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_apply(down_payment=advance, invoice=other, amount=D("1"),
                                        actor=None)
        assert refused.value.code == "customer_mismatch"

    def test_a_draft_or_down_payment_invoice_is_refused(self, firm, setup):
        advance, _invoice = setup
        draft = invoice_services.invoice_create_from_order(
            order=confirmed_order(firm, total="3600", customer=advance.customer), actor=None)
        for target in (draft, advance.invoice):
            with pytest.raises(ApplicationError) as refused:
                services.down_payment_apply(down_payment=advance, invoice=target,
                                            amount=D("1"), actor=None)
            assert refused.value.code == "invoice_not_applicable"

    def test_an_invoice_with_an_advance_applied_cannot_be_cancelled(self, setup):
        advance, invoice = setup
        services.down_payment_apply(down_payment=advance, invoice=invoice, amount=D("10"),
                                    actor=None)
        with pytest.raises(ApplicationError):
            invoice_services.invoice_cancel(invoice=invoice, actor=None, reason="x")

    def test_zero_is_refused(self, setup):
        advance, invoice = setup
        with pytest.raises(ValidationError):
            services.down_payment_apply(down_payment=advance, invoice=invoice, amount=D("0"),
                                        actor=None)


@pytest.mark.django_db
class TestRefund:
    def test_part_keeps_status_all_refunds(self, firm, admin_user):
        advance = paid_down_payment(firm, fixed_amount=D("500"))
        refund = services.down_payment_refund(down_payment=advance, amount=D("200"),
                                              reason="smaller job", actor=admin_user,
                                              method="cash", reference="RF-1")
        assert (refund.amount, refund.method, refund.reason, refund.created_by) == (
            D("200.00"), "cash", "smaller job", admin_user)
        advance = fresh(advance)
        assert (advance.status, advance.refunded_amount, advance.remaining_amount) == (
            S.PAID, D("200.00"), D("300.00"))
        services.down_payment_refund(down_payment=advance, amount=D("300"), reason="all",
                                     actor=admin_user)
        advance = fresh(advance)
        assert (advance.status, advance.refunded_amount, advance.remaining_amount) == (
            S.REFUNDED, D("500.00"), D("0.00"))
        assert advance.refunds.count() == 2

    def test_at_most_paid_less_applied(self, firm):
        order = confirmed_order(firm, total="3600")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("1000"))
        services.down_payment_apply(down_payment=advance, invoice=posted_invoice(firm, order=order),
                                    amount=D("700"), actor=None)
        with pytest.raises(ApplicationError) as refused:
            services.down_payment_refund(down_payment=advance, amount=D("300.01"),
                                         reason="r", actor=None)
        assert refused.value.details["available"] == D("300.00")
        services.down_payment_refund(down_payment=advance, amount=D("300"), reason="r",
                                     actor=None)
        advance = fresh(advance)
        assert (advance.status, advance.applied_amount, advance.refunded_amount) == (
            S.REFUNDED, D("700.00"), D("300.00"))

    def test_a_reason_is_required(self, firm):
        advance = paid_down_payment(firm)
        with pytest.raises(ValidationError):
            services.down_payment_refund(down_payment=advance, amount=D("1"), reason=" ",
                                         actor=None)


# --- selectors ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestSelectors:
    def test_stats(self, firm):
        make_down_payment(firm, fixed_amount=D("100"))
        paid_down_payment(firm, fixed_amount=D("250"))
        cancelled = make_down_payment(firm, fixed_amount=D("50"))
        services.down_payment_cancel(down_payment=cancelled, actor=None, reason="x")
        stats = services.down_payment_stats(down_payments=DownPayment.objects.filter(
            firm=firm))
        by_status = {row["status"]: (row["count"], row["amount"]) for row in
                     stats["by_status"]}
        assert by_status[S.DRAFT] == (1, D("100.00"))
        assert by_status[S.PAID] == (1, D("250.00"))
        assert by_status[S.CANCELLED] == (1, D("50.00"))
        assert by_status[S.REFUNDED] == (0, D("0.00"))
        assert (stats["count"], stats["total_requested"], stats["total_paid"],
                stats["total_available"]) == (3, D("350.00"), D("250.00"), D("250.00"))

    def test_available_for_an_invoice(self, firm):
        order = confirmed_order(firm, total="3600")
        usable = paid_down_payment(firm, source=order, fixed_amount=D("100"))
        used_up = paid_down_payment(firm, source=order, fixed_amount=D("50"))
        make_down_payment(firm, source=order, fixed_amount=D("10"))  # not paid
        paid_down_payment(firm, fixed_amount=D("100"))  # another customer's
        invoice = posted_invoice(firm, order=order)
        services.down_payment_apply(down_payment=used_up, invoice=invoice, amount=D("50"),
                                    actor=None)
        rows = services.down_payments_available_for(
            down_payments=DownPayment.objects.all(), invoice=invoice)
        assert list(rows) == [usable]
        assert not services.down_payments_available_for(
            down_payments=DownPayment.objects.all(), invoice=usable.invoice).exists()


# --- the amount and VAT split, exactly (no database) ------------------------------------------

@pytest.mark.parametrize(("amount", "rate", "excluding", "vat"), [
    ("1150", "15", "1000.00", "150.00"),
    ("1000", "15", "869.57", "130.43"),
    ("100", "15", "86.96", "13.04"),
    ("0.01", "15", "0.01", "0.00"),
    ("500", "0", "500.00", "0.00"),
    ("1050", "5", "1000.00", "50.00"),
    ("3600", "15", "3130.43", "469.57"),
])
def test_vat_split_is_exact_and_adds_up(amount, rate, excluding, vat):
    got = down_payment_vat_split(amount=D(amount), vat_rate=D(rate))
    assert got == (D(excluding), D(vat))
    assert got[0] + got[1] == D(amount)


@pytest.mark.parametrize(("kind", "total", "percentage", "fixed", "expected"), [
    (DownPaymentType.PERCENTAGE, "3600", "10", None, "360.00"),
    (DownPaymentType.PERCENTAGE, "2408", "33.3333", None, "802.67"),
    (DownPaymentType.PERCENTAGE, "100.01", "50", None, "50.01"),  # 50.005 rounds half up
    (DownPaymentType.PERCENTAGE, "3600", "100", None, "3600.00"),
    (DownPaymentType.FIXED_AMOUNT, "3600", None, "120", "120.00"),
])
def test_amount_from_percentage_or_fixed(kind, total, percentage, fixed, expected):
    assert down_payment_amount(
        type=kind, source_total=D(total),
        percentage_value=D(percentage) if percentage else None,
        fixed_amount=D(fixed) if fixed else None) == D(expected)


# --- which invoices take a down payment (business-rules §8) ---------------------------------
# One rule (invoice_accepts_down_payments) for the services, the staff apply form and the list
# of available down payments; a paid invoice is refused as not applicable, before any amount is
# looked at.

@pytest.fixture
def invoices(firm):
    """A draft, a posted, a part-paid and a paid regular invoice of one customer, and the
    down payment's own invoice."""
    advance = paid_down_payment(firm, source=confirmed_order(firm), fixed_amount=D("100"))
    customer = advance.customer

    def order():
        return confirmed_order(firm, customer=customer, total="1000")

    draft = invoice_services.invoice_create_from_order(order=order(), actor=None)
    posted = posted_invoice(firm, order=order())
    part_paid = posted_invoice(firm, order=order())
    invoice_services.payment_record(invoice=part_paid, actor=None, amount=D("10"))
    paid = posted_invoice(firm, order=order())
    invoice_services.payment_record(invoice=paid, actor=None, amount=paid.amount_due)
    rows = {"draft": draft, "posted": posted, "part_paid": part_paid, "paid": paid,
            "down_payment": advance.invoice}
    return advance, {name: Invoice.objects.get(pk=row.pk) for name, row in rows.items()}


@pytest.mark.django_db
def test_only_posted_or_part_paid_regular_invoices_with_something_due(invoices):
    _advance, rows = invoices
    assert rows["paid"].status == InvoiceStatus.PAID
    accepted = {name for name, invoice in rows.items()
                if services.invoice_accepts_down_payments(invoice=invoice)}
    assert accepted == {"posted", "part_paid"}


@pytest.mark.django_db
def test_the_queryset_filter_says_the_same(invoices):
    _advance, rows = invoices
    every = Invoice.objects.filter(pk__in=[row.pk for row in rows.values()])
    filtered = set(services.invoices_accepting_down_payments(invoices=every))
    assert filtered == {row for row in rows.values()
                        if services.invoice_accepts_down_payments(invoice=row)}


@pytest.mark.django_db
def test_the_apply_form_offers_those(invoices, admin_user):
    advance, rows = invoices
    assert set(apply_invoices(down_payment=advance, user=admin_user)) == {
        rows["posted"], rows["part_paid"]}


@pytest.mark.django_db
def test_available_down_payments_only_for_an_accepting_invoice(invoices):
    advance, rows = invoices
    for name, invoice in rows.items():
        available = services.down_payments_available_for(
            down_payments=type(advance).objects.all(), invoice=invoice)
        assert (advance in available) == (name in {"posted", "part_paid"}), name


@pytest.mark.django_db
def test_applying_to_a_paid_invoice_is_refused_as_not_applicable(invoices):
    advance, rows = invoices
    with pytest.raises(ApplicationError) as refused:
        services.down_payment_apply(down_payment=advance, invoice=rows["paid"],
                                    amount=D("1"), actor=None)
    assert refused.value.code == "invoice_not_applicable"


# --- the declared actions against the state machine -----------------------------------------


def _down_payment_for_walk(firm, status: str, invoices: dict) -> DownPayment:
    """A down payment of 1000 on its own 3600 order, walked to `status` by the services;
    "cancelled_pending" is cancelled after its invoice was issued and "paid_part_refunded" a
    paid one with part of it given back (still paid, something remaining). The invoice it
    was applied to goes into `invoices` (an order is invoiced once)."""
    advance = make_down_payment(firm, fixed_amount=D("1000"))
    if status in (S.DRAFT, S.CANCELLED):
        if status == S.CANCELLED:
            services.down_payment_cancel(down_payment=advance, actor=None, reason="walk")
        return DownPayment.objects.get(pk=advance.pk)
    advance = services.down_payment_generate_invoice(down_payment=advance, actor=None)
    if status == "cancelled_pending":
        services.down_payment_cancel(down_payment=advance, actor=None, reason="walk")
    elif status != S.PENDING:
        advance = services.down_payment_record_payment(down_payment=advance, actor=None)
    if status in (S.PARTIALLY_APPLIED, S.FULLY_APPLIED):
        invoices[advance.pk] = posted_invoice(firm, order=advance.sales_order)
        services.down_payment_apply(
            down_payment=advance, invoice=invoices[advance.pk],
            amount=D("400") if status == S.PARTIALLY_APPLIED else D("1000"), actor=None)
    elif status in (S.REFUNDED, "paid_part_refunded"):
        services.down_payment_refund(down_payment=advance, actor=None, reason="walk",
                                     amount=D("1000") if status == S.REFUNDED else D("300"))
    return DownPayment.objects.get(pk=advance.pk)


@pytest.mark.django_db
def test_the_declared_actions_follow_the_state_machine(firm, admin_user):
    invoices: dict[int, Invoice] = {}

    def apply_input(advance: DownPayment) -> dict:
        if advance.pk not in invoices:
            invoices[advance.pk] = posted_invoice(firm, order=advance.sales_order)
        return {"invoice": invoices[advance.pk], "amount": D("1")}

    offered = assert_declaration_follows_machine(
        DOWN_PAYMENT_ACTIONS, make=lambda status: _down_payment_for_walk(firm, status, invoices),
        user=admin_user, statuses=[*S.values, "cancelled_pending", "paid_part_refunded"],
        inputs={"apply": apply_input, "refund": lambda advance: {"amount": D("1")}})
    assert offered["draft"] == ["cancel", "generate_invoice"]
    assert offered["pending"] == ["cancel", "record_payment"]
    assert offered["paid"] == offered["paid_part_refunded"] == ["apply", "refund"]
    assert offered["partially_applied"] == ["apply", "refund"]
    assert offered["fully_applied"] == offered["refunded"] == offered["cancelled"] == []
    assert offered["cancelled_pending"] == []

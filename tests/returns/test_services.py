"""Returns through their services: creating, the approval rules, receiving into the order's
returned quantities, and every refused move (business-rules §9)."""

from decimal import Decimal

import pytest

from core.errors import InvalidTransition
from core.services import settings_update
from delivery.choices import DeliveryNoteStatus
from delivery.models import DeliveryNote
from returns import services
from returns.choices import ReturnStatus, SourceType
from returns.services import ReturnNotEligible
from tests.factories import make_user
from tests.returns.test_eligibility import ONE_AT_100, delivered_order
from tests.sales.factories import lines_of

D = Decimal
pytestmark = pytest.mark.django_db


def make_return(firm, order=None, quantity="1", reason="changed_mind", **kw):
    order = order or delivered_order(firm)
    return services.return_create(
        firm=firm, actor=None, source_type=SourceType.SALES_ORDER, source_id=order.pk,
        lines=[{"order_line_id": lines_of(order)[0].pk, "quantity": quantity}],
        reason=reason, requested_resolution="refund", **kw)


def test_create_freezes_lines_and_amounts(firm):
    created = make_return(firm)
    assert created.number.startswith("RMA-")
    assert (created.status, created.return_amount, created.restocking_fee,
            created.refund_amount) == (ReturnStatus.DRAFT, D("115.00"), D("11.50"), D("103.50"))
    line = created.lines.get()
    assert (line.quantity, line.unit_price, line.line_total, line.refund_amount) == (
        D("1"), D("100.00"), D("115.00"), D("103.50"))


def test_create_refuses_more_than_returnable(firm):
    order = delivered_order(firm)
    make_return(firm, order, "1")
    with pytest.raises(ReturnNotEligible) as refused:
        make_return(firm, order, "2")
    assert refused.value.code == "return_not_eligible"
    assert refused.value.details == {"lines.0.quantity": ["At most 1 can be returned."]}


def test_submit_needs_approval_by_default_then_approve(firm):
    submitted = services.return_submit(return_order=make_return(firm), actor=None)
    assert submitted.status == ReturnStatus.PENDING_APPROVAL
    approved = services.return_approve(return_order=submitted, actor=None)
    assert approved.status == ReturnStatus.APPROVED


def test_submit_without_approval_goes_straight_to_approved(firm):
    settings_update(firm=firm, changes={"returns": {"require_approval": False}}, actor=None)
    assert services.return_submit(return_order=make_return(firm),
                                  actor=None).status == ReturnStatus.APPROVED


def test_above_threshold_needs_a_sales_manager(firm):
    settings_update(firm=firm, changes={"returns": {"require_approval": False,
                                                    "approval_threshold": "100"}}, actor=None)
    submitted = services.return_submit(return_order=make_return(firm), actor=None)
    assert submitted.status == ReturnStatus.PENDING_APPROVAL
    seller = make_user(firm=firm, role="sales_person", username="seller")
    with pytest.raises(services.ApproverRequired):
        services.return_approve(return_order=submitted, actor=seller)
    manager = make_user(firm=firm, role="sales_manager", username="boss")
    assert services.return_approve(return_order=submitted,
                                   actor=manager).approved_by == manager


def approved(firm, order=None, quantity="1"):
    created = make_return(firm, order, quantity)
    return services.return_approve(
        return_order=services.return_submit(return_order=created, actor=None), actor=None)


def test_receive_counts_returned_quantities_and_amounts(firm):
    order = delivered_order(firm, lines=[{**ONE_AT_100}])
    ready = approved(firm, order, "2")
    line = ready.lines.get()
    received = services.return_receive(return_order=ready, actor=None, lines=[
        {"id": line.pk, "received_quantity": "1", "condition": "box opened"}])
    assert received.status == ReturnStatus.RECEIVED
    assert lines_of(order)[0].returned_quantity == D("1")
    received.refresh_from_db()
    assert (received.return_amount, received.refund_amount) == (D("115.00"), D("103.50"))
    assert received.lines.get().condition == "box opened"


def test_whole_note_back_marks_it_returned(firm):
    order = delivered_order(firm)
    services.return_receive(return_order=approved(firm, order, "2"), actor=None)
    assert DeliveryNote.objects.get(order=order).status == DeliveryNoteStatus.RETURNED


def test_cancel_after_receipt_is_refused(firm):
    received = services.return_receive(return_order=approved(firm), actor=None)
    with pytest.raises(InvalidTransition):
        services.return_cancel(return_order=received, actor=None, reason="changed")


@pytest.mark.parametrize("status", ["draft", "pending_approval", "approved"])
def test_cancel_before_receipt(firm, status):
    created = make_return(firm)
    if status != "draft":
        created = services.return_submit(return_order=created, actor=None)
    if status == "approved":
        created = services.return_approve(return_order=created, actor=None)
    cancelled = services.return_cancel(return_order=created, actor=None, reason="no longer")
    assert cancelled.status == ReturnStatus.CANCELLED


def test_refused_moves(firm):
    created = make_return(firm)
    for move in (services.return_approve, services.return_receive):
        with pytest.raises(InvalidTransition):
            move(return_order=created, actor=None)
    with pytest.raises(InvalidTransition):
        services.return_reject(return_order=created, actor=None, reason="no")
    rejected = services.return_reject(
        return_order=services.return_submit(return_order=created, actor=None), actor=None,
        reason="Used goods")
    assert (rejected.status, rejected.rejection_reason) == (ReturnStatus.REJECTED, "Used goods")
    with pytest.raises(InvalidTransition):
        services.return_submit(return_order=rejected, actor=None)


# --- concurrency (PostgreSQL, threads with their own connections) ----------------------------

@pytest.mark.django_db(transaction=True)
def test_two_returns_made_at_once_never_hold_more_than_delivered(firm):
    from tests.concurrency import race

    order = delivered_order(firm)
    results, errors = race(2, lambda index: make_return(firm, order, "2"))
    assert len(results) == 1
    assert [type(error) for error in errors] == [ReturnNotEligible]


@pytest.mark.django_db(transaction=True)
def test_two_returns_received_at_once_return_exactly_what_was_delivered(firm):
    from tests.concurrency import race

    order = delivered_order(firm)
    first, second = approved(firm, order, "1"), approved(firm, order, "1")
    results, errors = race(2, lambda index: services.return_receive(
        return_order=[first, second][index], actor=None))
    assert not errors and len(results) == 2
    assert lines_of(order)[0].returned_quantity == D("2")


# --- inspection and processing ---------------------------------------------------------------

def received(firm, *, order=None, source=None, quantity="1", reason="changed_mind",
             resolution="credit_note"):
    """A return received in full (against `source`, an invoice, or the order)."""
    order = order or delivered_order(firm)
    source_type, source_id = ((SourceType.INVOICE, source.pk) if source is not None
                              else (SourceType.SALES_ORDER, order.pk))
    created = services.return_create(
        firm=firm, actor=None, source_type=source_type, source_id=source_id,
        lines=[{"order_line_id": lines_of(order)[0].pk, "quantity": quantity}],
        reason=reason, requested_resolution=resolution)
    ready = services.return_approve(
        return_order=services.return_submit(return_order=created, actor=None), actor=None)
    return services.return_receive(return_order=ready, actor=None)


def inspected(firm, **kw):
    return services.return_inspect(return_order=received(firm, **kw), actor=None)


def test_inspect_records_findings(firm):
    back = received(firm)
    line = back.lines.get()
    done = services.return_inspect(return_order=back, actor=None, notes="scratched", lines=[
        {"id": line.pk, "inspection_result": "damaged", "disposition": "refurbish"}])
    assert (done.status, done.inspection_result, done.inspection_notes) == (
        ReturnStatus.INSPECTED, "damaged", "scratched")
    assert done.lines.get().disposition == "refurbish"


def test_process_needs_inspection_when_the_settings_say(firm):
    with pytest.raises(InvalidTransition):
        services.return_process(return_order=received(firm), actor=None, resolution="repair")
    settings_update(firm=firm, changes={"returns": {"require_inspection": False}}, actor=None)
    assert services.return_process(return_order=received(firm), actor=None,
                                   resolution="repair").status == ReturnStatus.PROCESSED


def test_credit_note_of_a_discounted_defective_line(firm):
    from tests.pricing.factories import make_product
    from tests.returns.test_eligibility import discounted_order
    from tests.sales.factories import posted_invoice

    order = discounted_order(firm, make_product(firm))
    invoice = posted_invoice(firm, order=order)
    done = services.return_process(
        return_order=inspected(firm, order=order, source=invoice, reason="defective"),
        actor=None)
    note = done.credit_note
    assert (note.status, note.subtotal, note.tax_amount, note.total) == (
        "posted", D("85.50"), D("12.83"), D("98.33"))
    assert done.credit_note_number == note.number
    invoice.refresh_from_db()
    assert invoice.amount_due == D("0.00")


def test_credit_note_with_restocking_fee_equals_the_refund(firm):
    from tests.sales.factories import posted_invoice

    order = delivered_order(firm)
    invoice = posted_invoice(firm, order=order)
    done = services.return_process(return_order=inspected(firm, order=order), actor=None)
    assert done.credit_note.total == done.refund_amount == D("103.50")
    assert done.credit_note.lines.get().quantity == D("1")
    invoice.refresh_from_db()
    assert invoice.amount_due == invoice.total - D("103.50")


def test_credit_note_needs_an_invoice(firm):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.return_process(return_order=inspected(firm), actor=None)
    assert refused.value.code == "no_invoice_to_credit"


def test_replacement_order_at_zero_linked_both_ways(firm):
    done = services.return_process(return_order=inspected(firm, resolution="replacement"),
                                   actor=None)
    replacement = done.replacement_order
    assert (replacement.status, replacement.total) == ("confirmed", D("0.00"))
    assert list(replacement.replaced_returns.all()) == [done]
    assert replacement.lines.get().quantity == D("1")


@pytest.mark.parametrize("resolution", ["repair", "reject"])
def test_repair_and_reject_take_no_money(firm, resolution):
    done = services.return_process(return_order=inspected(firm), actor=None,
                                   resolution=resolution)
    assert (done.actual_resolution, done.credit_note, done.replacement_order) == (
        resolution, None, None)


def test_processing_sends_return_processed_inside_the_transaction(firm):
    from returns.signals import return_processed

    seen = []

    def refuse(**kwargs):
        seen.append(kwargs["return_order"].status)
        raise RuntimeError("clawback failed")

    return_processed.connect(refuse, dispatch_uid="test-refuse")
    ready = inspected(firm)
    try:
        with pytest.raises(RuntimeError):
            services.return_process(return_order=ready, actor=None, resolution="repair")
    finally:
        return_processed.disconnect(dispatch_uid="test-refuse")
    ready.refresh_from_db()
    assert seen == [ReturnStatus.PROCESSED] and ready.status == ReturnStatus.INSPECTED


def test_refund_on_a_paid_invoice_pays_back_the_refund_amount(firm):
    from tests.sales.factories import pay, posted_invoice

    order = delivered_order(firm)
    invoice = posted_invoice(firm, order=order)
    pay(invoice, invoice.total)
    done = services.return_process(return_order=inspected(firm, order=order, resolution="refund"),
                                   actor=None)
    assert done.status == ReturnStatus.REFUNDED
    assert (done.credit_note.total, done.refund_payment.amount) == (D("103.50"), D("103.50"))
    invoice.refresh_from_db()
    assert (invoice.amount_refunded, invoice.amount_due) == (D("103.50"), D("0.00"))
    assert list(invoice.refunds.all()) == [done.refund_payment]


def test_refund_on_an_unpaid_invoice_only_credits(firm):
    from core.errors import ApplicationError
    from tests.sales.factories import posted_invoice

    order = delivered_order(firm)
    invoice = posted_invoice(firm, order=order)
    done = services.return_process(return_order=inspected(firm, order=order, resolution="refund"),
                                   actor=None)
    assert (done.status, done.credit_note.total) == (ReturnStatus.PROCESSED, D("103.50"))
    invoice.refresh_from_db()
    assert invoice.amount_due == invoice.total - D("103.50")
    with pytest.raises(ApplicationError) as refused:
        services.return_refund(return_order=done, actor=None)
    assert refused.value.code == "amount_exceeds_refundable"


def test_refund_needs_a_processed_return_with_a_credit_note(firm):
    from core.errors import ApplicationError

    with pytest.raises(InvalidTransition):
        services.return_refund(return_order=received(firm), actor=None)
    repaired = services.return_process(return_order=inspected(firm), actor=None,
                                       resolution="repair")
    with pytest.raises(ApplicationError) as refused:
        services.return_refund(return_order=repaired, actor=None)
    assert refused.value.code == "nothing_to_credit"

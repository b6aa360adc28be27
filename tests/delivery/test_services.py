"""Delivery notes through their services: quantities, the state machine, proof of delivery,
backorders and short-closing, idempotent delivery and concurrency (business-rules §6, §7)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.errors import ApplicationError, InvalidTransition
from core.models import DocumentEvent
from core.services import settings_update
from delivery import services
from delivery.actions import DELIVERY_NOTE_ACTIONS
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import DeliveryNote
from sales.orders import services as order_services
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from tests.concurrency import race
from tests.contracts.documents import assert_declaration_follows_machine
from tests.sales.factories import lines_of, order_in

from .factories import SIGNATURE, advance, deliver, make_note, note_in, order_of_ten

D = Decimal


def order_of(note_or_order) -> SalesOrder:
    pk = getattr(note_or_order, "order_id", None) or note_or_order.pk
    return SalesOrder.all_objects.get(pk=pk)


def code_of(excinfo) -> str:
    return excinfo.value.code


# --- the order of 10 × 100 ----------------------------------------------------------

@pytest.mark.django_db
def test_ten_delivered_as_four_then_six_reaches_shipped_at_100(firm, admin_user):
    order = order_of_ten(firm, actor=admin_user)
    first = make_note(firm, order=order, quantity=4, actor=admin_user)
    assert order_of(order).status == SalesOrderStatus.IN_PROGRESS
    deliver(advance(first, S.IN_TRANSIT), actor=admin_user)
    order = order_of(order)
    assert (order.status, order.delivery_progress) == (SalesOrderStatus.PARTIALLY_SHIPPED,
                                                       D("40"))
    second = make_note(firm, order=order, actor=admin_user)
    assert second.lines.get().quantity_to_deliver == 6  # the remaining quantity is proposed
    delivered = deliver(advance(second, S.IN_TRANSIT), actor=admin_user)
    assert delivered.status == S.DELIVERED
    order = order_of(order)
    assert (order.status, order.delivery_progress) == (SalesOrderStatus.SHIPPED, D("100"))
    assert lines_of(order)[0].delivered_quantity == 10

    with pytest.raises(ApplicationError) as refused:
        make_note(firm, order=order, quantity=1)
    assert code_of(refused) == "quantity_exceeds_remaining"
    with pytest.raises(ApplicationError) as nothing:
        make_note(firm, order=order)
    assert code_of(nothing) == "nothing_to_deliver"


@pytest.mark.django_db
def test_a_note_may_not_plan_more_than_remains_including_other_open_notes(firm):
    order = order_of_ten(firm)
    with pytest.raises(ApplicationError) as eleven:
        make_note(firm, order=order, quantity=11)
    assert code_of(eleven) == "quantity_exceeds_remaining"
    assert eleven.value.details == {"lines.0.quantity": ["At most 10 remains to be delivered."]}
    make_note(firm, order=order, quantity=7)  # open, not delivered: it reserves 7
    with pytest.raises(ApplicationError) as four:
        make_note(firm, order=order, quantity=4)
    assert four.value.details == {"lines.0.quantity": ["At most 3 remains to be delivered."]}
    assert make_note(firm, order=order).lines.get().quantity_to_deliver == 3


@pytest.mark.django_db
def test_delivering_more_than_planned_is_refused_and_changes_nothing(firm):
    note = advance(make_note(firm), S.IN_TRANSIT)
    with pytest.raises(ApplicationError) as eleven:
        deliver(note, 11)
    assert code_of(eleven) == "quantity_exceeds_remaining"
    assert DeliveryNote.objects.get(pk=note.pk).status == S.IN_TRANSIT
    assert lines_of(order_of(note))[0].delivered_quantity == 0


@pytest.mark.django_db
def test_short_delivery_leaves_a_backorder_that_short_closing_completes(firm, admin_user):
    order = order_of_ten(firm)
    deliver(advance(make_note(firm, order=order, quantity=6), S.IN_TRANSIT))
    short = deliver(advance(make_note(firm, order=order, quantity=4), S.IN_TRANSIT), 3)
    assert short.status == S.PARTIALLY_DELIVERED
    order = order_of(order)
    line = lines_of(order)[0]
    assert order_services.order_backorder(order=order) == {line.pk: D("1")}
    assert (order.status, order.delivery_progress) == (SalesOrderStatus.PARTIALLY_SHIPPED,
                                                       D("90"))
    assert "close_remaining" in order_services.order_available_actions(document=order)

    with pytest.raises(ValidationError):
        order_services.order_close_remaining(order=order, actor=admin_user, reason=" ")
    closed = order_services.order_close_remaining(order=order, actor=admin_user,
                                                  reason="Discontinued by the supplier")
    assert (closed.status, closed.delivery_progress) == (SalesOrderStatus.SHIPPED, D("100"))
    assert lines_of(closed)[0].closed_quantity == 1
    event = DocumentEvent.objects.filter(action="close_remaining", object_id=order.pk).get()
    assert (event.actor, event.reason, event.details) == (
        admin_user, "Discontinued by the supplier", {"lines": {str(line.pk): "1"}})
    with pytest.raises(ApplicationError) as again:
        order_services.order_close_remaining(order=closed, actor=admin_user, reason="again")
    assert code_of(again) == "nothing_to_close"
    # Nothing is left to plan either.
    with pytest.raises(ApplicationError):
        make_note(firm, order=closed)


@pytest.mark.django_db
def test_short_closing_never_closes_what_an_open_note_plans(firm):
    order = order_of_ten(firm)
    deliver(advance(make_note(firm, order=order, quantity=5), S.IN_TRANSIT))
    make_note(firm, order=order, quantity=3)  # open: 3 planned, 2 on backorder
    line = lines_of(order)[0]
    assert order_services.order_backorder(order=order_of(order)) == {line.pk: D("2")}
    with pytest.raises(ApplicationError) as too_much:
        order_services.order_close_remaining(order=order_of(order), actor=None, reason="x",
                                             lines={line.pk: D("3")})
    assert code_of(too_much) == "quantity_exceeds_remaining"
    closed = order_services.order_close_remaining(order=order_of(order), actor=None,
                                                  reason="x")
    assert lines_of(closed)[0].closed_quantity == 2


@pytest.mark.django_db
def test_closing_before_anything_is_delivered_is_refused(firm):
    order = order_of_ten(firm)
    with pytest.raises(ApplicationError) as refused:
        order_services.order_close_remaining(order=order, actor=None, reason="x")
    assert code_of(refused) == "nothing_to_close"


@pytest.mark.django_db
def test_backorders_off_short_closes_the_shortfall_on_delivery(firm):
    settings_update(firm=firm, changes={"orders": {"allow_backorders": False}}, actor=None)
    order = order_of_ten(firm)
    deliver(advance(make_note(firm, order=order), S.IN_TRANSIT), 9)
    order = order_of(order)
    assert lines_of(order)[0].closed_quantity == 1
    assert (order.status, order.delivery_progress) == (SalesOrderStatus.SHIPPED, D("100"))


@pytest.mark.django_db
def test_closed_quantities_are_not_invoiced(firm):
    order = order_of_ten(firm)
    deliver(advance(make_note(firm, order=order), S.IN_TRANSIT), 8)
    order = order_services.order_close_remaining(order=order_of(order), actor=None,
                                                 reason="x")
    from sales.invoicing.services import order_invoicable_quantities

    assert list(order_invoicable_quantities(order=order).values()) == [D("8")]


# --- creating from an order -----------------------------------------------------------------

@pytest.mark.django_db
def test_a_note_copies_the_order_customer_address_and_dates(firm):
    from tests.crm.factories import make_customer

    customer = make_customer(firm)
    address = customer.addresses.create(firm=firm, kind="shipping", line1="King Fahd Rd 12",
                                        city="Riyadh", latitude=D("24.7136"),
                                        longitude=D("46.6753"))
    order = order_of_ten(firm, customer=customer, shipping_address=address,
                         delivery_instructions="Gate 3, ring twice")
    note = make_note(firm, order=order)
    assert note.number.startswith("DN-") or note.number
    assert (note.customer_id, note.order_number, note.customer_name) == (
        customer.pk, order.number, customer.name)
    assert (note.latitude, note.longitude) == (D("24.713600"), D("46.675300"))
    assert note.shipping_address_snapshot["city"] == "Riyadh"
    assert note.special_instructions == "Gate 3, ring twice"
    assert "mlat=24.713600" in note.map_url
    line = note.lines.get()
    assert (line.quantity_ordered, line.quantity_to_deliver, line.description) == (
        D("10"), D("10"), "Steel shelf")


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "on_hold", "cancelled"])
def test_only_a_confirmed_order_not_on_hold_gets_notes(firm, status):
    order = order_in(firm, status)
    with pytest.raises(ApplicationError) as refused:
        make_note(firm, order=order)
    assert code_of(refused) == "order_not_deliverable"


@pytest.mark.django_db
def test_partial_delivery_off_refuses_a_partial_note(firm):
    settings_update(firm=firm, changes={"delivery": {"allow_partial_delivery": False}},
                    actor=None)
    order = order_of_ten(firm)
    with pytest.raises(ApplicationError) as refused:
        make_note(firm, order=order, quantity=4)
    assert code_of(refused) == "partial_delivery_not_allowed"
    assert make_note(firm, order=order).lines.get().quantity_to_deliver == 10


@pytest.mark.django_db
def test_auto_create_on_confirmation(firm):
    settings_update(firm=firm, changes={"orders": {"auto_create_delivery_note": True}},
                    actor=None)
    order = order_of_ten(firm)
    note = DeliveryNote.objects.get(order=order)
    assert (note.status, note.lines.get().quantity_to_deliver) == (S.DRAFT, D("10"))
    assert order_of(order).status == SalesOrderStatus.IN_PROGRESS


@pytest.mark.django_db
def test_an_open_note_stops_the_order_from_being_cancelled(firm):
    order = order_of_ten(firm)
    note = make_note(firm, order=order)
    with pytest.raises(ApplicationError) as refused:
        order_services.order_cancel(order=order_of(order), actor=None, reason="x")
    assert code_of(refused) == "order_has_open_documents"
    assert refused.value.details["documents"] == [
        {"type": "delivery_note", "id": note.pk, "number": note.number}]


@pytest.mark.django_db
def test_draft_lines_are_edited_against_what_remains_without_the_note_itself(firm):
    order = order_of_ten(firm)
    note = make_note(firm, order=order, quantity=4)
    line = lines_of(order)[0]
    updated = services.delivery_note_update(note=note, actor=None, lines=[
        {"order_line_id": line.pk, "quantity": D("10"), "batch_number": "B-7"}],
        carrier="SMSA")
    assert (updated.carrier, updated.lines.get().quantity_to_deliver,
            updated.lines.get().batch_number) == ("SMSA", D("10"), "B-7")
    confirmed = services.delivery_note_confirm(note=updated, actor=None)
    with pytest.raises(ApplicationError) as refused:
        services.delivery_note_update(note=confirmed, actor=None, lines=[])
    assert code_of(refused) == "delivery_note_not_editable"
    assert services.delivery_note_update(note=confirmed, actor=None,
                                         tracking_number="T1").tracking_number == "T1"
    with pytest.raises(ValidationError):
        services.delivery_note_update(note=confirmed, actor=None, status="delivered")


@pytest.mark.django_db
def test_delete_is_for_drafts_and_frees_the_order(firm):
    order = order_of_ten(firm)
    note = make_note(firm, order=order)
    services.delivery_note_delete(note=note, actor=None)
    assert order_of(order).status == SalesOrderStatus.CONFIRMED
    confirmed = services.delivery_note_confirm(note=make_note(firm, order=order), actor=None)
    with pytest.raises(ApplicationError) as refused:
        services.delivery_note_delete(note=confirmed, actor=None)
    assert code_of(refused) == "delivery_note_not_deletable"


# --- the state machine ----------------------------------------------------------------------

DELIVER_INPUT = {"received_by": "Ahmed", "signature": SIGNATURE}


@pytest.mark.django_db
def test_declaration_follows_the_machine(firm, admin_user):
    offered = assert_declaration_follows_machine(
        DELIVERY_NOTE_ACTIONS, make=lambda status: note_in(firm, status), user=admin_user,
        statuses=S.values,
        inputs={"deliver": lambda note: DELIVER_INPUT,
                "fail_attempt": lambda note: {"failure_reason": "not_home"},
                "cancel": lambda note: {}})
    assert offered == {
        "draft": ["cancel", "confirm"], "confirmed": ["cancel", "pick"],
        "picking": ["cancel", "pack"], "packed": ["cancel", "ship"],
        "in_transit": ["deliver", "fail_attempt"], "delivered": [],
        "partially_delivered": [], "cancelled": [], "returned": []}


@pytest.mark.django_db
def test_every_refused_move_is_a_409_naming_the_allowed_ones(firm):
    note = note_in(firm, S.PICKING)
    for step in ("confirm", "ship"):
        with pytest.raises(InvalidTransition) as refused:
            getattr(services, f"delivery_note_{step}")(note=note, actor=None)
        assert refused.value.details["from"] == "picking"
        assert refused.value.details["allowed"] == ["cancelled", "packed"]
    with pytest.raises(InvalidTransition):
        deliver(note)
    delivered = note_in(firm, S.DELIVERED)
    with pytest.raises(InvalidTransition):
        services.delivery_note_cancel(note=delivered, actor=None, reason="too late")


@pytest.mark.django_db
def test_every_step_writes_an_event_with_actor_and_location(firm, admin_user):
    note = advance(make_note(firm, actor=admin_user), S.PACKED, actor=admin_user)
    shipped = services.delivery_note_ship(note=note, actor=admin_user, carrier="Aramex",
                                          tracking_number="AX1", latitude=D("24.7"),
                                          longitude=D("46.6"))
    assert shipped.shipped_date is not None and shipped.tracking_number == "AX1"
    events = DocumentEvent.objects.filter(object_id=note.pk, action__in=[
        "created", "confirm", "pick", "pack", "ship"]).order_by("pk")
    assert [event.action for event in events] == ["created", "confirm", "pick", "pack", "ship"]
    assert all(event.actor == admin_user for event in events)
    assert events.last().details["latitude"] == "24.7"
    assert (events.last().from_status, events.last().to_status) == ("packed", "in_transit")


@pytest.mark.django_db
def test_cancel_needs_a_reason_and_releases_the_quantities(firm):
    order = order_of_ten(firm)
    note = advance(make_note(firm, order=order), S.PACKED)
    with pytest.raises(ValidationError):
        services.delivery_note_cancel(note=note, actor=None, reason="")
    cancelled = services.delivery_note_cancel(note=note, actor=None, reason="Wrong stock")
    assert (cancelled.status, cancelled.cancellation_reason) == (S.CANCELLED, "Wrong stock")
    assert order_of(order).status == SalesOrderStatus.CONFIRMED
    assert make_note(firm, order=order).lines.get().quantity_to_deliver == 10


@pytest.mark.django_db
def test_a_failed_attempt_returns_the_note_to_packed_and_is_counted(firm):
    note = note_in(firm, S.IN_TRANSIT)
    with pytest.raises(ValidationError):
        services.delivery_note_fail_attempt(note=note, actor=None, failure_reason="lazy")
    failed = services.delivery_note_fail_attempt(note=note, actor=None,
                                                 failure_reason="not_home",
                                                 reason="Called twice")
    assert (failed.status, failed.failed_attempts) == (S.PACKED, 1)
    event = DocumentEvent.objects.filter(object_id=note.pk, action="fail_attempt").get()
    assert (event.details, event.reason) == ({"failure_reason": "not_home"}, "Called twice")
    again = services.delivery_note_ship(note=failed, actor=None)
    assert services.delivery_note_fail_attempt(
        note=again, actor=None, failure_reason="refused").failed_attempts == 2


@pytest.mark.django_db
def test_shipping_waits_while_the_order_is_on_hold(firm):
    note = note_in(firm, S.PACKED)
    order_services.order_hold(order=order_of(note), actor=None)
    assert "ship" not in services.delivery_note_available_actions(
        document=DeliveryNote.objects.get(pk=note.pk))
    with pytest.raises(ApplicationError) as refused:
        services.delivery_note_ship(note=note, actor=None)
    assert code_of(refused) == "order_not_deliverable"


# --- proof of delivery ------------------------------------------------------------------------

@pytest.mark.django_db
def test_delivery_without_the_required_proof_is_refused_in_both_languages(firm):
    note = note_in(firm, S.IN_TRANSIT)
    with pytest.raises(ApplicationError) as refused:
        services.delivery_note_deliver(note=note, actor=None)
    assert code_of(refused) == "delivery_confirmation_required"
    assert set(refused.value.details) == {"received_by", "signature"}
    with translation.override("ar"):
        assert "التوقيع" in str(refused.value.message) or "توقيع" in str(refused.value.message)
    with pytest.raises(ApplicationError) as no_signature:
        services.delivery_note_deliver(note=note, actor=None, received_by="Ahmed")
    assert set(no_signature.value.details) == {"signature"}
    assert DeliveryNote.objects.get(pk=note.pk).status == S.IN_TRANSIT
    assert lines_of(order_of(note))[0].delivered_quantity == 0


@pytest.mark.django_db
def test_the_signed_slip_names_the_person_who_signed(firm):
    note = note_in(firm, S.IN_TRANSIT)
    delivered = deliver(note, received_by="Fahad (storekeeper)", received_by_title="Storekeeper")
    assert (delivered.received_by, delivered.received_by_title) == ("Fahad (storekeeper)",
                                                                    "Storekeeper")
    assert delivered.received_by != delivered.customer_name
    assert delivered.signature.name.endswith(".png")
    assert delivered.actual_delivery_date is not None


@pytest.mark.django_db
def test_a_photo_is_proof_enough_and_confirmation_can_be_off(firm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    note = note_in(firm, S.IN_TRANSIT)
    photo = SimpleUploadedFile("door.jpg", _jpeg(), content_type="image/jpeg")
    services.delivery_note_proof_add(note=note, actor=None, photos=[photo])
    assert deliver(note, signature=None, received_by="Ahmed").status == S.DELIVERED

    settings_update(firm=firm, changes={"delivery": {"require_delivery_confirmation": False}},
                    actor=None)
    other = note_in(firm, S.IN_TRANSIT)
    assert services.delivery_note_deliver(note=other, actor=None).status == S.DELIVERED


@pytest.mark.django_db
def test_uploads_are_sniffed_and_re_encoded(firm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    note = note_in(firm, S.IN_TRANSIT)
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>",
                              content_type="image/jpeg")
    with pytest.raises(ApplicationError) as refused:
        services.delivery_note_proof_add(note=note, actor=None, photos=[fake])
    assert (code_of(refused), list(refused.value.details)) == ("invalid_file", ["photos.0"])
    with pytest.raises(ApplicationError):
        services.delivery_note_proof_add(note=note, actor=None, signature="data:text/html,hi")
    tail = SimpleUploadedFile("photo.jpg", _jpeg() + b"<?php evil(); ?>",
                              content_type="image/jpeg")
    stored = services.delivery_note_proof_add(note=note, actor=None, photos=[tail])
    data = stored.photos.get().image.read()
    assert data.startswith(b"\xff\xd8") and b"evil" not in data
    with pytest.raises(ApplicationError):
        services.delivery_note_proof_add(note=note_in(firm, S.DRAFT), actor=None,
                                         photos=[SimpleUploadedFile("a.jpg", _jpeg())])


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.django_db
def test_the_same_deliver_request_twice_records_once(firm):
    order = order_of_ten(firm)
    note = advance(make_note(firm, order=order), S.IN_TRANSIT)
    first = deliver(note, idempotency_key="run-17-abc")
    again = deliver(note, idempotency_key="run-17-abc")
    assert again.pk == first.pk and again.status == S.DELIVERED
    assert lines_of(order_of(order))[0].delivered_quantity == 10
    assert DocumentEvent.objects.filter(object_id=note.pk, action="deliver").count() == 1
    with pytest.raises(InvalidTransition):
        deliver(note, idempotency_key="another-request")


@pytest.mark.django_db
def test_delivering_nothing_is_a_failed_attempt_not_a_delivery(firm):
    note = note_in(firm, S.IN_TRANSIT)
    with pytest.raises(ApplicationError) as refused:
        deliver(note, 0)
    assert code_of(refused) == "nothing_delivered"


@pytest.mark.django_db
def test_a_delivered_note_can_be_marked_returned(firm):
    returned = note_in(firm, S.RETURNED)
    assert returned.status == S.RETURNED


# --- the order follows ----------------------------------------------------------------------

@pytest.mark.django_db
def test_an_invoiced_order_completes_when_delivered(firm):
    order = order_of_ten(firm)
    from sales.invoicing.services import invoice_create_from_order, invoice_post

    invoice_post(invoice=invoice_create_from_order(order=order, actor=None), actor=None)
    assert order_of(order).status == SalesOrderStatus.INVOICED
    deliver(advance(make_note(firm, order=order_of(order)), S.IN_TRANSIT))
    assert order_of(order).status == SalesOrderStatus.COMPLETED


# --- concurrency (PostgreSQL, threads with their own connections) ----------------------------

@pytest.mark.django_db(transaction=True)
def test_two_competing_notes_delivered_at_once_never_exceed_the_order(firm):
    order = order_of_ten(firm)
    first = advance(make_note(firm, order=order, quantity=6), S.IN_TRANSIT)
    second = advance(make_note(firm, order=order, quantity=4), S.IN_TRANSIT)
    # A third note would exceed: the other notes' reservations block it (checked above);
    # here both legitimate notes race, and the order ends at exactly 10.
    results, errors = race(2, lambda index: deliver([first, second][index]))
    assert not errors and len(results) == 2
    order = order_of(order)
    assert lines_of(order)[0].delivered_quantity == 10
    assert order.status == SalesOrderStatus.SHIPPED


@pytest.mark.django_db(transaction=True)
def test_two_notes_made_at_once_never_plan_more_than_remains(firm):
    order = order_of_ten(firm)
    results, errors = race(2, lambda index: make_note(firm, order=order, quantity=6))
    assert len(results) == 1 and len(errors) == 1
    assert getattr(errors[0], "code", None) == "quantity_exceeds_remaining"


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_sent_twice_at_once_records_once(firm):
    order = order_of_ten(firm)
    note = advance(make_note(firm, order=order), S.IN_TRANSIT)
    results, errors = race(2, lambda index: deliver(note, idempotency_key="same-request"))
    assert not errors and len(results) == 2
    assert lines_of(order_of(order))[0].delivered_quantity == 10
    assert DocumentEvent.objects.filter(object_id=note.pk, action="deliver").count() == 1

"""The dispatch board and the driver's run sheet: columns and counts, moves through the declared
actions (and the service's refusals), tenancy and roles, and the run sheet's deliveries and
failed attempts, sent twice with one idempotency key (business-rules §7)."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.choices import Role
from core.models import DocumentEvent
from core.services import firm_today
from delivery import services
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import DeliveryNote
from sales.orders import services as order_services
from sales.orders.models import SalesOrder
from tests.crm.factories import make_customer

from .factories import SIGNATURE, advance, make_note, note_in, order_of_ten

D = Decimal
JSON = {"HTTP_ACCEPT": "application/json"}
BOARD = "delivery:board"


def move(client, note, **data):
    return client.post(reverse("delivery:board_move", args=[note.pk]), data, **JSON)


def record(client, note, **data):
    return client.post(reverse("delivery:run_sheet_record", args=[note.pk]), data, **JSON)


def fresh(note) -> DeliveryNote:
    return DeliveryNote.objects.get(pk=note.pk)


def note_events(note, action: str):
    return DocumentEvent.objects.filter(object_id=note.pk, action=action,
                                        content_type__model="deliverynote")


def events(note, action: str) -> int:
    return note_events(note, action).count()


def columns_of(response) -> dict:
    return {column["status"]: column for column in response.context["columns"]}


def in_transit(firm, *, driver=None, estimated=None, **kw) -> DeliveryNote:
    """A note shipped today by the services, with `driver` and `estimated` date."""
    note = advance(make_note(firm, **kw), S.PACKED)
    return services.delivery_note_ship(note=note, actor=None, driver=driver,
                                       estimated_delivery_date=estimated or firm_today(
                                           firm=firm))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def warehouse(users):
    return users[Role.WAREHOUSE]


@pytest.fixture
def staff(client, warehouse):
    client.force_login(warehouse)
    return client


# --- the board ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestBoard:

    @pytest.mark.parametrize(("language", "labels"), [
        ("en", ["Draft", "Confirmed", "Picking", "Packed", "In transit", "Delivered",
                "Partially delivered"]),
        ("ar", ["مسودة", "مؤكَّد", "قيد التجهيز", "معبأ", "في الطريق", "المسلَّم",
                "تسليم جزئي"]),
    ])
    def test_columns_and_counts_in_both_languages(self, staff, firm, language, labels):
        draft = note_in(firm, S.DRAFT)
        packed = [note_in(firm, S.PACKED) for _ in range(2)]
        delivered = note_in(firm, S.DELIVERED)
        short = note_in(firm, S.PARTIALLY_DELIVERED)
        old = note_in(firm, S.DELIVERED)  # delivered ten days ago: off the board
        DeliveryNote.objects.filter(pk=old.pk).update(
            actual_delivery_date=timezone.now() - datetime.timedelta(days=10))
        note_in(firm, S.CANCELLED)  # not a column
        response = staff.get(reverse(BOARD), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        columns = columns_of(response)
        assert [str(column["label"]) for column in columns.values()] == labels
        assert {status: column["count"] for status, column in columns.items()} == {
            "draft": 1, "confirmed": 0, "picking": 0, "packed": 2, "in_transit": 0,
            "delivered": 1, "partially_delivered": 1}
        assert [card["note"] for card in columns["packed"]["cards"]] == sorted(
            packed, key=lambda note: note.number)
        assert [card["note"] for card in columns["delivered"]["cards"]] == [delivered]
        html = response.content.decode()
        for label in labels:
            assert label in html
        for note in (draft, *packed, delivered, short):
            assert note.number in html
        assert old.number not in html
        assert html.count('data-testid="backorder"') == 1  # the short delivery
        # A draft card offers "confirm"; a packed one its ship form.
        assert columns["draft"]["cards"][0]["moves"][0]["name"] == "confirm"
        assert columns["packed"]["cards"][0]["ship_form"] is not None
        # An older date brings older deliveries back.
        since = (firm_today(firm=firm) - datetime.timedelta(days=30)).isoformat()
        response = staff.get(reverse(BOARD), {"delivered_since": since})
        assert columns_of(response)["delivered"]["count"] == 2

    def test_queries_do_not_grow_with_the_cards(self, staff, firm,
                                                django_assert_max_num_queries):
        for status in (S.DRAFT, S.PACKED, S.IN_TRANSIT):
            note_in(firm, status)
        with CaptureQueriesContext(connection) as few:
            staff.get(reverse(BOARD))
        for status in (S.DRAFT, S.PACKED, S.IN_TRANSIT) * 3:
            note_in(firm, status)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = staff.get(reverse(BOARD))
        assert sum(column["count"] for column in response.context["columns"]) == 12

    def test_late_card_and_filters(self, staff, firm, warehouse):
        late = in_transit(firm, driver=warehouse,
                          estimated=firm_today(firm=firm) - datetime.timedelta(days=2))
        other = note_in(firm, S.DRAFT, carrier="Aramex")
        response = staff.get(reverse(BOARD))
        card = columns_of(response)["in_transit"]["cards"][0]
        assert card["note"] == late and card["late"] is True
        assert 'data-testid="late"' in response.content.decode()
        response = staff.get(reverse(BOARD), {"driver_id": warehouse.pk})
        counts = {status: column["count"] for status, column in columns_of(response).items()}
        assert counts["in_transit"] == 1 and counts["draft"] == 0
        response = staff.get(reverse(BOARD), {"carrier": "aramex"})
        assert [card["note"] for card in columns_of(response)["draft"]["cards"]] == [other]
        assert columns_of(response)["in_transit"]["count"] == 0

    def test_a_drop_moves_the_note_one_step(self, staff, firm, warehouse):
        note = make_note(firm)
        response = move(staff, note, status="confirmed")
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is True and body["status"] == "confirmed"
        assert body["message"] == "Delivery note confirmed"
        assert 'data-testid="action-pick"' in body["card"]
        note = fresh(note)
        assert note.status == S.CONFIRMED
        event = note_events(note, "confirm").get()
        assert event.actor == warehouse

    def test_each_step_to_in_transit_with_tracking(self, staff, firm, warehouse):
        note = make_note(firm)
        for status in ("confirmed", "picking", "packed"):
            assert move(staff, note, status=status).json()["status"] == status
        response = move(staff, note, action="ship", carrier="SMSA",
                        tracking_number="TRK-1001", driver_id=warehouse.pk)
        assert response.json()["ok"] is True
        note = fresh(note)
        assert (note.status, note.carrier, note.tracking_number, note.driver) == (
            S.IN_TRANSIT, "SMSA", "TRK-1001", warehouse)

    def test_buttons_without_javascript_redirect_back(self, staff, firm):
        note = make_note(firm)
        back = reverse(BOARD) + "?carrier=x"
        response = staff.post(reverse("delivery:board_move", args=[note.pk]),
                              {"action": "confirm", "next": back})
        assert response.status_code == 302 and response["Location"] == back
        assert fresh(note).status == S.CONFIRMED

    def test_a_refused_move_answers_the_services_message_and_changes_nothing(self, staff,
                                                                            firm):
        note = make_note(firm)
        before = DocumentEvent.objects.count()
        # Two columns ahead: no step leads there.
        response = move(staff, note, status="packed")
        assert response.status_code == 409
        assert response.json()["message"] == (
            "This action is not allowed in the document's current status.")
        # A stale button (the card still showed "confirmed"): the service refuses.
        response = move(staff, note, action="pick")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
        assert fresh(note).status == S.DRAFT
        assert DocumentEvent.objects.count() == before

    def test_shipping_an_order_on_hold_is_refused_by_the_service(self, staff, firm):
        note = note_in(firm, S.PACKED)
        order_services.order_hold(order=SalesOrder.objects.get(pk=note.order_id), actor=None)
        response = move(staff, note, status="in_transit")
        assert response.status_code == 409
        assert response.json()["message"] == (
            "Only a confirmed sales order that is not on hold can be delivered.")
        assert fresh(note).status == S.PACKED
        # Without the script, the same message is flashed on the board.
        response = staff.post(reverse("delivery:board_move", args=[note.pk]),
                              {"status": "in_transit"}, follow=True)
        assert "not on hold can be delivered" in response.content.decode()

    def test_delivering_opens_the_proof_page(self, staff, firm):
        note = in_transit(firm)
        response = move(staff, note, status="delivered")
        body = response.json()
        assert body["ok"] is False and body["redirect"].startswith(reverse("delivery:run_sheet"))
        assert str(note.pk) in body["redirect"]
        assert fresh(note).status == S.IN_TRANSIT

    def test_another_firms_note_is_404(self, staff, other_firm):
        note = make_note(other_firm)
        assert move(staff, note, status="confirmed").status_code == 404
        assert record(staff, note, outcome="delivered").status_code == 404
        assert fresh(note).status == S.DRAFT

    def test_a_sales_person_may_not_move_or_deliver(self, client, firm, users):
        note = note_in(firm, S.IN_TRANSIT)
        client.force_login(users[Role.SALES_PERSON])
        assert client.get(reverse(BOARD)).status_code == 403
        assert move(client, note, status="delivered").status_code == 403
        assert client.get(reverse("delivery:run_sheet")).status_code == 403
        assert record(client, note, outcome="delivered", received_by="A",
                      signature=SIGNATURE).status_code == 403
        assert fresh(note).status == S.IN_TRANSIT

    def test_csrf_is_enforced(self, firm, warehouse):
        note = make_note(firm)
        client = Client(enforce_csrf_checks=True)
        client.force_login(warehouse)
        assert move(client, note, status="confirmed").status_code == 403
        assert fresh(note).status == S.DRAFT
        # With the token in the header, as the board's script sends it.
        client.get(reverse(BOARD))
        token = client.cookies["csrftoken"].value
        response = client.post(reverse("delivery:board_move", args=[note.pk]),
                               {"status": "confirmed"}, HTTP_X_CSRFTOKEN=token, **JSON)
        assert response.status_code == 200 and fresh(note).status == S.CONFIRMED

    def test_navigation_items(self, staff):
        html = staff.get(reverse(BOARD)).content.decode()
        assert f'href="{reverse(BOARD)}"' in html
        assert f'href="{reverse("delivery:run_sheet")}"' in html


# --- the run sheet --------------------------------------------------------------------------


def photo_upload(name="door.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def delivered_of(note) -> Decimal:
    return SalesOrder.all_objects.get(pk=note.order_id).lines.get().delivered_quantity


@pytest.mark.django_db
class TestRunSheet:

    def test_lists_todays_notes_in_transit_the_drivers_first(self, staff, firm, warehouse,
                                                             users):
        mine = in_transit(firm, driver=warehouse)
        someone = in_transit(firm, driver=users[Role.ADMIN])
        tomorrow = in_transit(firm, driver=warehouse,
                              estimated=firm_today(firm=firm) + datetime.timedelta(days=1))
        late = in_transit(firm, driver=warehouse,
                          estimated=firm_today(firm=firm) - datetime.timedelta(days=3))
        note_in(firm, S.PACKED)
        response = staff.get(reverse("delivery:run_sheet"))
        assert response.context["who"] == "mine"
        assert [item["note"] for item in response.context["notes"]] == [late, mine]
        response = staff.get(reverse("delivery:run_sheet"), {"who": "all"})
        assert [item["note"] for item in response.context["notes"]] == [late, mine, someone]
        assert tomorrow.number not in response.content.decode()
        # From the board: one note, whatever its date.
        response = staff.get(reverse("delivery:run_sheet"), {"note": tomorrow.pk})
        assert [item["note"] for item in response.context["notes"]] == [tomorrow]

    def test_a_note_shows_what_the_driver_needs(self, staff, firm, warehouse):
        customer = make_customer(firm, name="Gulf Foods", name_ar="أغذية الخليج", addresses=[
            {"kind": "shipping", "line1": "King Fahd Road 12", "line1_ar": "طريق الملك فهد ١٢",
             "city": "Riyadh", "city_ar": "الرياض", "latitude": D("24.7136"),
             "longitude": D("46.6753")}],
            contacts=[{"name": "Omar", "phone": "+966 50 123 4567", "is_primary": True}])
        order = order_of_ten(firm, customer=customer, contact=customer.contacts.get(),
                             shipping_address=customer.addresses.get(),
                             delivery_instructions="Gate 3, ask for Omar")
        note = in_transit(firm, order=order, driver=warehouse)
        html = staff.get(reverse("delivery:run_sheet")).content.decode()
        assert "King Fahd Road 12" in html and "Gate 3, ask for Omar" in html
        assert 'href="tel:+966501234567"' in html
        assert "mlat=24.713600" in html and note.number in html
        assert 'accept="image/*"' in html and 'capture="environment"' in html
        assert ' multiple' in html.split('name="photos"')[1].split('>')[0]
        assert 'value="10"' in html  # the line's planned quantity, as typed
        arabic = staff.get(reverse("delivery:run_sheet"),
                           HTTP_ACCEPT_LANGUAGE="ar").content.decode()
        assert "طريق الملك فهد ١٢" in arabic and "الرياض" in arabic
        assert "أغذية الخليج" in arabic

    def test_delivered_with_a_drawn_signature(self, staff, firm, warehouse):
        note = in_transit(firm, driver=warehouse)
        line = note.lines.get()
        response = record(staff, note, outcome="delivered", received_by="Ahmed",
                          received_by_title="Store keeper", signature=SIGNATURE,
                          latitude="24.7136001234", longitude="46.6753",
                          idempotency_key="k-1", **{f"line-{line.pk}": "10"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body == {"ok": True, "message": "Delivery confirmed", "status": "delivered",
                        "status_label": "Delivered"}
        note = fresh(note)
        assert (note.status, note.received_by, note.received_by_title, note.delivery_key) == (
            S.DELIVERED, "Ahmed", "Store keeper", "k-1")
        assert note.signature.name.endswith(".png")
        assert delivered_of(note) == D("10")
        event = note_events(note, "deliver").get()
        assert (event.details["latitude"], event.details["longitude"]) == ("24.713600",
                                                                          "46.675300")

    def test_the_same_delivery_twice_records_once(self, staff, firm, warehouse):
        note = in_transit(firm, driver=warehouse)
        line = note.lines.get()
        data = {"outcome": "delivered", "received_by": "Ahmed", "signature": SIGNATURE,
                "idempotency_key": "same-key", f"line-{line.pk}": "6"}
        first = record(staff, note, **data)
        again = record(staff, note, **data)
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert first.json()["status"] == "partially_delivered"
        assert delivered_of(note) == D("6")
        assert events(note, "deliver") == 1
        # Another key is another delivery: refused, the note is no longer in transit.
        other = record(staff, note, **{**data, "idempotency_key": "other"})
        assert other.status_code == 409 and delivered_of(note) == D("6")
        assert other.json()["code"] == "invalid_transition" and other.json()["errors"] == {}

    def test_a_photo_is_proof_enough_without_the_pad(self, staff, firm):
        note = in_transit(firm)
        response = staff.post(reverse("delivery:run_sheet_record", args=[note.pk]), {
            "outcome": "delivered", "received_by": "Ahmed", "idempotency_key": "p-1",
            "photos": [photo_upload(), photo_upload("label.jpg")]})
        assert response.status_code == 302
        assert response["Location"] == reverse("delivery:run_sheet")
        note = fresh(note)
        assert note.status == S.DELIVERED and note.photos.count() == 2

    def test_missing_proof_is_shown_next_to_the_note_and_nothing_is_lost(self, staff, firm):
        note = in_transit(firm)
        line = note.lines.get()
        response = record(staff, note, outcome="delivered", idempotency_key="x",
                          received_title="", **{f"line-{line.pk}": "10"})
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "delivery_confirmation_required"
        assert set(body["errors"]) == {"received_by", "signature"}
        assert fresh(note).status == S.IN_TRANSIT
        # Without the script: the sheet again, with the service's messages and the typed text.
        response = staff.post(reverse("delivery:run_sheet_record", args=[note.pk]), {
            "outcome": "delivered", "received_by_title": "Guard", f"line-{line.pk}": "7"},
            HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 400
        html = response.content.decode()
        assert "أدخل اسم الشخص الذي استلم البضاعة." in html  # the service's, in Arabic
        assert 'value="Guard"' in html and 'value="7"' in html

    def test_more_than_planned_is_refused_on_its_line(self, staff, firm):
        note = in_transit(firm)
        line = note.lines.get()
        response = record(staff, note, outcome="delivered", received_by="A",
                          signature=SIGNATURE, **{f"line-{line.pk}": "11"})
        assert response.status_code == 400
        assert f"line-{line.pk}" in response.json()["errors"]
        assert fresh(note).status == S.IN_TRANSIT

    def test_failed_attempt_recorded_once_per_key(self, staff, firm):
        note = in_transit(firm)
        data = {"outcome": "failed", "failure_reason": "not_home", "notes": "Nobody answered",
                "idempotency_key": "fail-1"}
        first = record(staff, note, **data)
        assert first.status_code == 200, first.content
        assert first.json()["status"] == "packed"
        assert first.json()["message"] == "Failed attempt recorded"
        again = record(staff, note, **data)
        assert again.status_code == 200 and again.json()["status"] == "packed"
        note = fresh(note)
        assert note.failed_attempts == 1 and events(note, "fail_attempt") == 1
        event = note_events(note, "fail_attempt").get()
        assert (event.details["failure_reason"], event.reason) == ("not_home",
                                                                   "Nobody answered")

    def test_failed_attempt_needs_a_reason(self, staff, firm):
        note = in_transit(firm)
        response = record(staff, note, outcome="failed")
        assert response.status_code == 400
        assert response.json()["errors"] == {
            "failure_reason": ["Choose why the attempt failed."]}
        assert fresh(note).status == S.IN_TRANSIT

    def test_csrf_is_enforced(self, firm, warehouse):
        note = in_transit(firm)
        client = Client(enforce_csrf_checks=True)
        client.force_login(warehouse)
        response = record(client, note, outcome="delivered", received_by="A",
                          signature=SIGNATURE)
        assert response.status_code == 403
        assert fresh(note).status == S.IN_TRANSIT

    def test_board_card_links_to_the_sheet(self, staff, firm):
        note = in_transit(firm)
        response = staff.get(reverse(BOARD))
        card = columns_of(response)["in_transit"]["cards"][0]
        drop = json.loads(card["drop"])
        assert drop["delivered"]["mode"] == "page"
        assert drop["packed"]["action"] == "fail_attempt"
        sheet = staff.get(drop["delivered"]["url"])
        assert [item["note"] for item in sheet.context["notes"]] == [note]

"""Delivery notes over the API (docs/api.md `delivery-notes`): the contract, every action and
its refusals, the order's route, tracking, proof, stats, the PDF and the carriers' webhook."""

import datetime
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.choices import Role
from core.models import DocumentEvent
from delivery import tracking
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import DeliveryNote, TrackingEvent
from sales.orders.models import SalesOrder
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, ApiContract, assert_error, assert_params_refused
from tests.crm import RoleScopedContract
from tests.crm.factories import make_customer
from tests.factories import FirmFactory
from tests.sales.factories import lines_of

from .factories import SIGNATURE, advance, make_note, note_in, order_of_ten

PATH = "/api/v1/delivery-notes"
D = Decimal


class TestDeliveryNotesApi(RoleScopedContract, ApiContract):
    model = DeliveryNote
    factory = make_note
    scope_field = "actor"  # a seller reaches the notes of the orders they entered
    path = PATH
    key, plural = "deliveryNote", "deliveryNotes"
    sort_fields = ["createdAt", "number", "deliveryDate", "scheduledDate", "status",
                   "customerName", "carrier"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.WAREHOUSE: ALL,
                   Role.FINANCE: READ, Role.SALES_PERSON: READ}

    def create_payload(self, firm):
        order = order_of_ten(firm)
        return {"salesOrderId": order.pk, "carrier": "Aramex", "notesAr": "الباب الخلفي"}

    def invalid_payload(self, firm):
        return {"carrier": "Aramex"}, "salesOrderId"

    def update_payload(self, obj):
        return {"carrier": "SMSA", "specialInstructions": "Call before arriving"}

    def search_case(self, firm):
        self.make(firm)
        customer = make_customer(firm, name="Tabuk Marble Works")
        return self.make(firm, order=order_of_ten(firm, customer=customer)), "tabuk marble"

    def filter_cases(self, firm):
        draft = self.make(firm, carrier="Aramex", scheduled_date=datetime.date(2026, 1, 5))
        shipped = advance(self.make(firm, carrier="SMSA",
                                    scheduled_date=datetime.date(2026, 3, 1)), S.IN_TRANSIT)
        return [({"status": "in_transit"}, shipped, draft),
                ({"status": "draft,picking"}, draft, shipped),
                ({"carrier": "aramex"}, draft, shipped),
                ({"salesOrderId": str(draft.order_id)}, draft, shipped),
                ({"customerId": str(shipped.customer_id)}, shipped, draft),
                ({"scheduledFrom": "2026-02-01"}, shipped, draft),
                ({"scheduledTo": "2026-02-01"}, draft, shipped)]

    def test_bad_filter_values_are_refused(self, api):
        assert_params_refused(api, PATH, {"status": "asleep", "scheduledFrom": "soon"})


def body_of(response) -> dict:
    assert response.status_code in (200, 201), response.content
    return response.json()["data"]["deliveryNote"]


@pytest.mark.django_db
class TestDeliveryNoteWrites:
    def test_create_proposes_what_remains_and_refuses_more(self, api, firm):
        order = order_of_ten(firm)
        line = lines_of(order)[0]
        first = body_of(api.post(PATH, {"salesOrderId": order.pk, "items": [
            {"orderLineId": line.pk, "quantity": 4, "serialNumbers": ["S1", "S2"],
             "batchNumber": "B-9", "warehouse": "Riyadh DC"}]}, format="json"))
        assert first["deliveryNumber"] == first["number"] and first["status"] == "draft"
        assert first["items"][0]["quantity"] == 4
        assert first["items"][0]["serialNumbers"] == ["S1", "S2"]
        assert first["allowedActions"] == ["confirm", "cancel"]
        second = body_of(api.post(f"/api/v1/sales-orders/{order.pk}/delivery-note", {},
                                  format="json"))
        assert second["items"][0]["quantity"] == 6
        error = assert_error(api.post(PATH, {"salesOrderId": order.pk, "items": [
            {"orderLineId": line.pk, "quantity": 1}]}, format="json"), 400,
            "quantity_exceeds_remaining")
        assert error["details"] == {"lines.0.quantity": ["At most 0 remains to be delivered."]}

    def test_another_firms_order_is_refused_or_not_found(self, api, other_firm):
        order = order_of_ten(other_firm)
        error = assert_error(api.post(PATH, {"salesOrderId": order.pk}, format="json"), 400,
                             "validation_error")
        assert "salesOrderId" in error["details"]
        assert_error(api.post(f"/api/v1/sales-orders/{order.pk}/delivery-note", {},
                              format="json"), 404, "not_found")

    def test_the_order_cannot_change_and_read_only_fields_are_refused(self, api, firm):
        note = make_note(firm)
        error = assert_error(api.patch(f"{PATH}/{note.pk}", {
            "salesOrderId": order_of_ten(firm).pk}, format="json"), 400, "validation_error")
        assert "salesOrderId" in error["details"]
        error = assert_error(api.patch(f"{PATH}/{note.pk}", {"status": "delivered"},
                                       format="json"), 400, "validation_error")
        assert "status" in error["details"]

    def test_delete_is_for_drafts(self, api, firm):
        note = note_in(firm, S.CONFIRMED)
        assert_error(api.delete(f"{PATH}/{note.pk}"), 409, "delivery_note_not_deletable")


@pytest.mark.django_db
class TestActions:
    def test_the_whole_way_with_the_order_following(self, api, firm):
        order = order_of_ten(firm)
        note = make_note(firm, order=order, quantity=4)
        url = f"{PATH}/{note.pk}"
        assert body_of(api.post(f"{url}/confirm", {}, format="json"))["status"] == "confirmed"
        assert body_of(api.post(f"{url}/pick", {}, format="json"))["status"] == "picking"
        packed = body_of(api.post(f"{url}/pack", {"weight": 12.5, "numberOfPackages": 2},
                                  format="json"))
        assert (packed["status"], packed["weight"], packed["numberOfPackages"]) == (
            "packed", 12.5, 2)
        shipped = body_of(api.post(f"{url}/ship", {
            "carrier": "Aramex", "trackingNumber": "AX-1",
            "trackingUrl": "https://track.example/AX-1", "estimatedDeliveryDate": "2030-01-02",
            "latitude": 24.7, "longitude": 46.6}, format="json"))
        assert (shipped["status"], shipped["trackingNumber"]) == ("in_transit", "AX-1")
        assert shipped["shippedDate"] is not None
        delivered = api.post(f"{url}/deliver", {
            "receivedBy": "Ahmed Mohammed", "receivedByTitle": "Warehouse Manager",
            "signature": SIGNATURE, "idempotencyKey": "k-1"}, format="json")
        body = body_of(delivered)
        assert delivered.json()["message"] == "Delivery confirmed"
        assert (body["status"], body["receivedBy"]) == ("delivered", "Ahmed Mohammed")
        assert body["signatureUrl"].endswith(f"/api/v1/delivery-notes/{note.pk}/files/"
                                             "signature")
        signature = api.get(body["signatureUrl"])
        assert (signature.status_code, signature["Content-Type"]) == (200, "image/png")
        order = SalesOrder.objects.get(pk=order.pk)
        assert (order.status, order.delivery_progress) == ("partially_shipped", D("40"))
        # The same request again answers the same note and records nothing more.
        again = body_of(api.post(f"{url}/deliver", {
            "receivedBy": "Ahmed Mohammed", "signature": SIGNATURE, "idempotencyKey": "k-1"},
            format="json"))
        assert again["status"] == "delivered"
        assert lines_of(order)[0].delivered_quantity == 4

    def test_an_idempotency_key_header_works_too(self, api, firm):
        note = note_in(firm, S.IN_TRANSIT)
        for _attempt in range(2):
            body_of(api.post(f"{PATH}/{note.pk}/deliver", {
                "receivedBy": "Ahmed", "signature": SIGNATURE}, format="json",
                HTTP_IDEMPOTENCY_KEY="retry-7"))
        assert DocumentEvent.objects.filter(object_id=note.pk, action="deliver").count() == 1

    @pytest.mark.parametrize(("status", "action"), [
        (S.DRAFT, "pick"), (S.DRAFT, "ship"), (S.CONFIRMED, "pack"), (S.PACKED, "deliver"),
        (S.DELIVERED, "cancel"), (S.CANCELLED, "confirm"), (S.IN_TRANSIT, "cancel")])
    def test_refused_moves_are_409(self, api, firm, status, action):
        note = note_in(firm, status)
        body = {"reason": "x", "receivedBy": "A", "signature": SIGNATURE}
        error = assert_error(api.post(f"{PATH}/{note.pk}/{action}", body, format="json"), 409,
                             "invalid_transition")
        assert error["details"]["from"] == status

    def test_delivery_without_proof_is_refused_naming_the_fields(self, api, firm):
        note = note_in(firm, S.IN_TRANSIT)
        error = assert_error(api.post(f"{PATH}/{note.pk}/deliver", {}, format="json"), 400,
                             "delivery_confirmation_required")
        assert set(error["details"]) == {"receivedBy", "signature"}
        response = api.post(f"{PATH}/{note.pk}/deliver", {}, format="json",
                            HTTP_ACCEPT_LANGUAGE="ar")
        assert "توقيع" in response.json()["error"]["messageAr"]

    def test_per_line_quantities_and_their_refusal(self, api, firm):
        note = note_in(firm, S.IN_TRANSIT)
        line = note.lines.get()
        error = assert_error(api.post(f"{PATH}/{note.pk}/deliver", {
            "receivedBy": "A", "signature": SIGNATURE,
            "lines": [{"lineId": line.pk, "quantity": 11}]}, format="json"), 400,
            "quantity_exceeds_remaining")
        assert error["details"]
        partial = body_of(api.post(f"{PATH}/{note.pk}/deliver", {
            "receivedBy": "A", "signature": SIGNATURE,
            "lines": [{"lineId": line.pk, "quantity": 7}]}, format="json"))
        assert (partial["status"], partial["items"][0]["quantityDelivered"]) == (
            "partially_delivered", 7)

    def test_fail_attempt_and_cancel_inputs(self, api, firm):
        note = note_in(firm, S.IN_TRANSIT)
        error = assert_error(api.post(f"{PATH}/{note.pk}/fail-attempt", {}, format="json"),
                             400, "validation_error")
        assert "failureReason" in error["details"]
        failed = body_of(api.post(f"{PATH}/{note.pk}/fail-attempt", {
            "failureReason": "not_home", "reason": "Nobody answered"}, format="json"))
        assert (failed["status"], failed["failedAttempts"]) == ("packed", 1)
        error = assert_error(api.post(f"{PATH}/{note.pk}/cancel", {}, format="json"), 400,
                             "validation_error")
        assert "reason" in error["details"]
        assert body_of(api.post(f"{PATH}/{note.pk}/cancel", {"reason": "Stock damaged"},
                                format="json"))["status"] == "cancelled"

    def test_roles_on_actions(self, users, firm):
        note = note_in(firm, S.DRAFT, actor=users[Role.SALES_PERSON])
        assert_error(client_for(users[Role.SALES_PERSON]).post(f"{PATH}/{note.pk}/confirm"),
                     403, "permission_denied")
        assert_error(client_for(users[Role.FINANCE]).post(f"{PATH}/{note.pk}/confirm"),
                     403, "permission_denied")
        assert client_for(users[Role.WAREHOUSE]).post(
            f"{PATH}/{note.pk}/confirm").status_code == 200

    def test_another_firms_note_is_404_for_every_action(self, api, other_firm):
        note = note_in(other_firm, S.IN_TRANSIT)
        for action in ("confirm", "deliver", "fail-attempt", "cancel"):
            assert_error(api.post(f"{PATH}/{note.pk}/{action}", {}, format="json"), 404,
                         "not_found")
        assert_error(api.put(f"{PATH}/{note.pk}/tracking", {}, format="json"), 404,
                     "not_found")
        assert_error(api.get(f"{PATH}/{note.pk}/files/signature"), 404, "not_found")


@pytest.mark.django_db
class TestCloseRemaining:
    def test_close_remaining_route(self, api, firm):
        order = order_of_ten(firm)
        note_in(firm, S.DELIVERED, order=order, quantity=7)
        error = assert_error(api.post(f"/api/v1/sales-orders/{order.pk}/close-remaining", {},
                                      format="json"), 400, "validation_error")
        assert "reason" in error["details"]
        response = api.post(f"/api/v1/sales-orders/{order.pk}/close-remaining",
                            {"reason": "Out of production"}, format="json")
        assert response.status_code == 200, response.content
        order_body = response.json()["data"]["order"]
        assert (order_body["status"], order_body["deliveryProgress"]) == ("shipped", 100)
        assert order_body["items"][0]["quantityClosed"] == 3


@pytest.mark.django_db
class TestTrackingProofStatsPdf:
    def test_manual_tracking_update_and_status(self, api, firm):
        note = note_in(firm, S.PACKED)
        body = body_of(api.put(f"{PATH}/{note.pk}/tracking", {
            "carrier": "SMSA", "trackingNumber": "SM-77", "status": "picked_up",
            "description": "Collected at dock 2"}, format="json"))
        assert (body["trackingNumber"], body["status"], body["trackingStatus"]) == (
            "SM-77", "in_transit", "picked_up")
        assert [event["status"] for event in body["trackingEvents"]] == ["picked_up"]
        error = assert_error(api.put(f"{PATH}/{note.pk}/tracking", {"status": "asleep"},
                                     format="json"), 400, "validation_error")
        assert "status" in error["details"]

    def test_proof_upload_answers_urls_and_files_are_scoped(self, api, firm, users):
        note = note_in(firm, S.IN_TRANSIT)
        photo = SimpleUploadedFile("door.jpg", _jpeg(), content_type="image/jpeg")
        body = body_of(api.post(f"{PATH}/{note.pk}/proof", {"photos": [photo]},
                                format="multipart"))
        url = body["deliveryPhotos"][0]["url"]
        assert f"/api/v1/delivery-notes/{note.pk}/files/photo-" in url
        file = api.get(url)
        assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"
        bad = SimpleUploadedFile("x.jpg", b"GIF89a not really", content_type="image/jpeg")
        assert_error(api.post(f"{PATH}/{note.pk}/proof", {"photos": [bad]},
                              format="multipart"), 400, "invalid_file")
        outsider = make_note(firm)  # entered by nobody: outside a seller's scope
        assert_error(client_for(users[Role.SALES_PERSON]).get(
            f"{PATH}/{outsider.pk}/files/signature"), 404, "not_found")

    def test_stats(self, api, firm):
        on_time = note_in(firm, S.IN_TRANSIT)
        DeliveryNote.objects.filter(pk=on_time.pk).update(
            estimated_delivery_date=datetime.date(2099, 1, 1), carrier="Aramex")
        from .factories import deliver

        deliver(DeliveryNote.objects.get(pk=on_time.pk))
        late = note_in(firm, S.PARTIALLY_DELIVERED)
        DeliveryNote.objects.filter(pk=late.pk).update(carrier="SMSA", failed_attempts=2)
        note_in(firm, S.DRAFT)
        stats = api.get(f"{PATH}/stats").json()["data"]["stats"]
        by_status = {row["status"]: row["count"] for row in stats["byStatus"]}
        assert (stats["count"], by_status["delivered"], by_status["partially_delivered"],
                by_status["draft"]) == (3, 1, 1, 1)
        assert (stats["delivered"], stats["otif"], stats["otifRate"],
                stats["failedAttempts"]) == (2, 1, 50, 2)
        carriers = {row["carrier"]: row for row in stats["byCarrier"]}
        assert carriers["Aramex"]["otifRate"] == 100 and carriers["SMSA"]["otif"] == 0

    def test_pdf(self, api, firm):
        note = note_in(firm, S.DELIVERED)
        for language in ("en", "ar", "both"):
            response = api.get(f"{PATH}/{note.pk}/pdf?language={language}")
            assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert_error(api.get(f"{PATH}/{note.pk}/pdf?language=fr"), 400, "validation_error")


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, "JPEG")
    return out.getvalue()


# --- the carriers' webhook ----------------------------------------------------------------

WEBHOOK = "/api/v1/delivery-notes/tracking-events"


def post_event(client, firm, payload: dict, *, secret: str | None = None):
    body = json.dumps(payload).encode()
    secret = secret if secret is not None else tracking.webhook_secret(firm=firm).secret
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(WEBHOOK, body, content_type="application/json",
                       HTTP_X_FIRM=firm.slug, HTTP_X_SIGNATURE=signature)


@pytest.mark.django_db
class TestWebhook:
    @pytest.fixture
    def carrier(self):
        return client_for(None)

    def test_a_valid_event_moves_the_note_forward_once(self, carrier, firm):
        note = note_in(firm, S.PACKED)
        DeliveryNote.objects.filter(pk=note.pk).update(tracking_number="AX-9")
        event = {"eventId": "evt-1", "trackingNumber": "AX-9", "status": "in_transit",
                 "occurredAt": "2026-12-05T09:00:00Z", "location": "Riyadh hub"}
        first = post_event(carrier, firm, event)
        assert first.status_code == 201, first.content
        assert DeliveryNote.objects.get(pk=note.pk).status == S.IN_TRANSIT
        replay = post_event(carrier, firm, event)
        assert replay.status_code == 200
        assert TrackingEvent.objects.filter(note=note).count() == 1
        assert DocumentEvent.objects.filter(object_id=note.pk, action="ship").count() == 1

    def test_statuses_only_move_forward(self, carrier, firm):
        note = note_in(firm, S.IN_TRANSIT)
        assert post_event(carrier, firm, {"eventId": "e1", "deliveryNoteId": note.pk,
                                          "status": "out_for_delivery"}).status_code == 201
        late = post_event(carrier, firm, {"eventId": "e0", "deliveryNoteId": note.pk,
                                          "status": "picked_up"})
        assert late.status_code == 201 and late.json()["data"]["event"]["applied"] is False
        assert DeliveryNote.objects.get(pk=note.pk).tracking_status == "out_for_delivery"
        delivered = post_event(carrier, firm, {"eventId": "e2", "deliveryNoteId": note.pk,
                                               "status": "delivered",
                                               "receivedBy": "Front desk"})
        assert delivered.json()["data"]["event"]["applied"] is True
        note = DeliveryNote.objects.get(pk=note.pk)
        assert (note.status, note.received_by) == (S.DELIVERED, "Front desk")
        assert lines_of(note.order)[0].delivered_quantity == 10

    def test_a_carrier_delivery_without_a_receiver_waits_for_proof(self, carrier, firm):
        note = note_in(firm, S.IN_TRANSIT)
        post_event(carrier, firm, {"eventId": "d1", "deliveryNoteId": note.pk,
                                   "status": "delivered"})
        note = DeliveryNote.objects.get(pk=note.pk)
        assert (note.status, note.tracking_status) == (S.IN_TRANSIT, "delivered")

    def test_a_failed_attempt_event(self, carrier, firm):
        note = note_in(firm, S.IN_TRANSIT)
        post_event(carrier, firm, {"eventId": "f1", "deliveryNoteId": note.pk,
                                   "status": "failed_attempt", "failureReason": "refused"})
        note = DeliveryNote.objects.get(pk=note.pk)
        assert (note.status, note.failed_attempts) == (S.PACKED, 1)

    def test_a_bad_signature_is_401_and_stores_nothing(self, carrier, firm):
        note = note_in(firm, S.PACKED)
        tracking.webhook_secret(firm=firm)
        response = post_event(carrier, firm, {"eventId": "x", "deliveryNoteId": note.pk,
                                              "status": "in_transit"}, secret="guess")
        assert_error(response, 401, "invalid_signature")
        unknown = carrier.post(WEBHOOK, b"{}", content_type="application/json",
                               HTTP_X_FIRM="nobody", HTTP_X_SIGNATURE="sha256=00")
        assert_error(unknown, 401, "invalid_signature")
        assert not TrackingEvent.objects.exists()
        assert DeliveryNote.objects.get(pk=note.pk).status == S.PACKED

    def test_another_firms_note_is_404(self, carrier, firm):
        rival = FirmFactory(slug="rival-2")
        theirs = note_in(rival, S.PACKED)
        response = post_event(carrier, firm, {"eventId": "r1", "deliveryNoteId": theirs.pk,
                                              "status": "in_transit"})
        assert_error(response, 404, "not_found")
        assert not TrackingEvent.objects.exists()

    def test_a_malformed_event_is_400(self, carrier, firm):
        error = assert_error(post_event(carrier, firm, {"status": "lost"}), 400,
                             "validation_error")
        assert {"eventId", "status"} <= set(error["details"])

    def test_rotating_the_secret_refuses_the_old_one(self, carrier, firm):
        note = note_in(firm, S.PACKED)
        old = tracking.webhook_secret(firm=firm).secret
        tracking.webhook_secret_rotate(firm=firm, actor=None)
        assert_error(post_event(carrier, firm, {"eventId": "o1", "deliveryNoteId": note.pk,
                                                "status": "in_transit"}, secret=old),
                     401, "invalid_signature")

"""Delivery note staff pages: the page contract, the list and its filters, the detail's tabs
(lines, details, the timeline with carrier events, history), every action through its confirm
page (deliver with an uploaded signature and a quantity per line), refusals shown where they
belong, a note made from its order, edits, delete, proof upload, the scoped proof files, the
PDF, CSRF, Arabic, roles; the sales order's page with its notes, backorder and button; the
warehouse's menu."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.choices import Role
from core.services import settings_update
from delivery import services, tracking
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import DeliveryNote
from sales.orders import services as order_services
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from tests.contracts.pages import EVERY_ROLE, PagesContract
from tests.crm import RoleScopedPages
from tests.sales.factories import confirmed_order, lines_of, make_order

from .factories import advance, deliver, make_note, note_in, order_of_ten

D = Decimal
CHANGERS = {Role.ADMIN, Role.SALES_MANAGER, Role.WAREHOUSE}


def page(action: str, *args) -> str:
    return reverse(f"delivery:deliverynote_{action}", args=args)


def action_url(note, name: str) -> str:
    return page("transition", note.pk, name)


def fresh(note) -> DeliveryNote:
    return DeliveryNote.objects.get(pk=note.pk)


def png(name: str = "signature.png", size=(40, 20)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (250, 250, 250)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestDeliveryNotePages(RoleScopedPages, PagesContract):
    model = DeliveryNote
    namespace = "delivery"
    factory = make_note
    scope_field = "actor"  # a seller reaches the notes of the orders they entered
    view_roles = EVERY_ROLE
    change_roles = CHANGERS

    def form_data(self, firm):
        order = order_of_ten(firm, actor=self.scoped(firm))
        return {"order": order.pk, f"quantity_{order.lines.get().pk}": "4",
                "carrier": "Aramex"}

    def guarded_pages(self, pk) -> list[str]:
        return [page("detail", pk), page("update", pk), page("pdf", pk),
                page("transition", pk, "confirm"), page("delete", pk),
                page("file", pk, "signature")]


# --- list ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestList:
    def test_columns_link_the_note_and_its_order_and_export_csv(self, client, admin_user,
                                                               firm):
        note = make_note(firm)
        client.force_login(admin_user)
        response = client.get(page("list"))
        html = response.content.decode()
        assert page("detail", note.pk) in html
        assert reverse("sales:salesorder_detail", args=[note.order_id]) in html
        assert note.order_number in html and 'data-testid="export-csv"' in html
        assert reverse("delivery-api:deliverynote-list") in response.context["csv_url"]
        export = client.get(response.context["csv_url"])
        assert export.status_code == 200
        assert note.number in b"".join(export.streaming_content).decode()

    def test_filters_status_carrier_driver_late_dates_and_search(self, client, users, firm):
        admin, driver = users[Role.ADMIN], users[Role.WAREHOUSE]
        draft = make_note(firm, scheduled_date="2026-03-10")
        late = advance(make_note(firm, scheduled_date="2026-03-20"), S.PACKED)
        late = services.delivery_note_ship(note=late, actor=admin, carrier="Aramex",
                                           tracking_number="AWB-778", driver=driver,
                                           estimated_delivery_date="2020-01-01")
        client.force_login(admin)

        def listed(**params) -> set[int]:
            rows = client.get(page("list"), params).context["rows"]
            return {row["object"].pk for row in rows}

        assert listed() == {draft.pk, late.pk}
        assert listed(status="in_transit") == {late.pk}
        assert listed(carrier="aramex") == {late.pk}
        assert listed(driver_id=driver.pk) == {late.pk}
        assert listed(late="true") == {late.pk}
        assert listed(late="false") == {draft.pk}
        assert listed(scheduled_from="2026-03-15") == {late.pk}
        assert listed(scheduled_to="2026-03-15") == {draft.pk}
        assert listed(search="AWB-778") == {late.pk}
        assert listed(search=draft.number) == {draft.pk}
        html = client.get(page("list"), {"late": "true"}).content.decode()
        assert 'data-testid="late"' in html

    def test_sorted_by_a_column(self, client, admin_user, firm):
        first, second = make_note(firm), make_note(firm)
        client.force_login(admin_user)
        rows = client.get(page("list"), {"sortBy": "number", "sortOrder": "desc"}
                          ).context["rows"]
        assert [row["object"].pk for row in rows] == [second.pk, first.pk]


# --- detail -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestDetail:
    def test_tabs_lines_details_timeline_and_history(self, client, admin_user, firm):
        note = make_note(firm, actor=admin_user, notes_ar="اتصل قبل الوصول",
                         special_instructions="Gate 3", contact_phone="+966 50 000 0000")
        note = advance(note, S.PACKED, actor=admin_user)
        note = services.delivery_note_ship(note=note, actor=admin_user, carrier="SMSA",
                                           tracking_number="290045",
                                           tracking_url="https://track.example/290045")
        tracking.tracking_event_receive(firm=firm, body=json.dumps({
            "eventId": "smsa-1", "deliveryNoteId": note.pk, "status": "out_for_delivery",
            "location": "Riyadh hub", "description": "With the courier"}).encode())
        services.delivery_note_fail_attempt(note=fresh(note), actor=admin_user,
                                            failure_reason="not_home", reason="No answer",
                                            latitude=D("24.7"), longitude=D("46.7"))
        client.force_login(admin_user)
        response = client.get(page("detail", note.pk), {"tab": "timeline"})
        assert response.context["active_tab"] == "timeline"
        html = response.content.decode()
        for testid in ("lines-tab", "details-tab", "timeline-tab", "history-tab", "header",
                       "tracking-link", "delivery-timeline", "timeline"):
            assert f'data-testid="{testid}"' in html, testid
        assert 'data-testid="to-deliver">10<' in html
        assert "اتصل قبل الوصول" in html and "Gate 3" in html
        assert 'href="https://track.example/290045"' in html

        entries = response.context["delivery_timeline"]
        assert [entry["label"] for entry in entries] == [
            "Created", "Confirmed", "Picking started", "Packed", "Shipped",
            "Out for delivery", "Delivery attempt failed"]
        carrier = entries[5]
        assert (carrier["kind"], carrier["location"], carrier["applied"]) == (
            "tracking", "Riyadh hub", True)
        failed = entries[6]
        assert failed["actor"] == admin_user and failed["reason"] == "No answer"
        assert {"label": "Why it failed", "value": "Nobody there"} in [
            {"label": str(detail["label"]), "value": str(detail["value"])}
            for detail in failed["details"]]
        assert failed["map_url"].startswith("https://www.openstreetmap.org/?mlat=24.7")
        assert (failed["from"], failed["to"]) == ("In transit", "Packed")
        # The history tab is the record's (simple-history), as on every document.
        assert response.context["timeline"][-1]["actor"] == admin_user

    def test_buttons_follow_the_status_and_the_role(self, client, users, firm):
        seller = users[Role.SALES_PERSON]
        draft = make_note(firm, actor=seller)
        moving = advance(make_note(firm, actor=seller), S.IN_TRANSIT)

        def buttons(user, note) -> list[str]:
            client.force_login(user)
            response = client.get(page("detail", note.pk))
            assert response.status_code == 200
            return [button["name"] for button in response.context["transition_buttons"]]

        assert buttons(users[Role.WAREHOUSE], draft) == ["confirm", "cancel"]
        assert buttons(users[Role.WAREHOUSE], moving) == ["deliver", "fail_attempt"]
        assert buttons(seller, draft) == [] and buttons(seller, moving) == []
        assert buttons(users[Role.FINANCE], moving) == []

    def test_edit_and_delete_offered_while_they_can_be_used(self, client, admin_user, firm):
        draft, packed = make_note(firm), note_in(firm, S.PACKED)
        delivered = note_in(firm, S.DELIVERED)
        client.force_login(admin_user)
        context = client.get(page("detail", draft.pk)).context
        assert context["edit_url"] and context["delete_url"]
        context = client.get(page("detail", packed.pk)).context
        assert context["edit_url"] and context["delete_url"] is None
        context = client.get(page("detail", delivered.pk)).context
        assert context["edit_url"] is None and context["delete_url"] is None

    def test_delivered_note_shows_its_proof_through_the_scoped_file_view(self, client,
                                                                        admin_user, firm):
        note = deliver(advance(make_note(firm), S.IN_TRANSIT), photos=[png("door.png")],
                       received_by_title="Store keeper")
        client.force_login(admin_user)
        html = client.get(page("detail", note.pk)).content.decode()
        assert page("file", note.pk, "signature") in html
        photo = note.photos.get()
        assert page("file", note.pk, f"photo-{photo.pk}") in html
        assert "Ahmed Mohammed" in html and "Store keeper" in html
        assert 'data-testid="proof-form"' in html  # proof may still be added
        image = client.get(page("file", note.pk, "signature"))
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        photo_file = client.get(page("file", note.pk, f"photo-{photo.pk}"))
        assert photo_file["Content-Type"] == "image/jpeg"
        assert client.get(page("file", note.pk, "proof")).status_code == 404


# --- actions ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestActions:
    def test_confirm_pick_pack_ship_through_their_pages(self, client, users, firm):
        warehouse = users[Role.WAREHOUSE]
        note = make_note(firm)
        client.force_login(warehouse)
        assert client.get(action_url(note, "confirm")).status_code == 200
        assert client.post(action_url(note, "confirm"), {}).status_code == 302
        assert client.post(action_url(note, "pick"), {"reason": "Shelf B"}).status_code == 302
        form = client.get(action_url(note, "pack")).context["form"]
        assert form.fields["number_of_packages"].initial == 1
        response = client.post(action_url(note, "pack"), {
            "number_of_packages": "3", "weight": "12.5", "weight_unit": "kg", "length": "60",
            "width": "40", "height": "30", "dimension_unit": "cm"})
        assert response.status_code == 302, response.content.decode()[:2000]
        packed = fresh(note)
        assert (packed.status, packed.number_of_packages, packed.weight, packed.height) == (
            S.PACKED, 3, D("12.500"), D("30.000"))
        form = client.get(action_url(note, "ship")).context["form"]
        assert warehouse in form.fields["driver"].queryset
        response = client.post(action_url(note, "ship"), {
            "carrier": "Own fleet", "tracking_number": "FL-1",
            "tracking_url": "https://fleet.example/FL-1", "estimated_delivery_date":
            "2026-05-02", "driver": warehouse.pk, "driver_phone": "+966 55 000 0000",
            "vehicle_plate": "RSA 4821"})
        assert response.status_code == 302, response.content.decode()[:2000]
        shipped = fresh(note)
        assert (shipped.status, shipped.driver, shipped.driver_name, shipped.vehicle_plate,
                str(shipped.estimated_delivery_date)) == (
            S.IN_TRANSIT, warehouse, warehouse.get_full_name() or warehouse.username,
            "RSA 4821", "2026-05-02")
        messages = messages_of(client.get(page("detail", note.pk)))
        assert "Delivery note shipped" in messages

    def test_deliver_with_an_uploaded_signature_and_a_quantity_per_line(self, client, users,
                                                                       firm):
        order = confirmed_order(firm, lines=[
            {"description": "Chair", "quantity": D("10"), "unit_price": D("100")},
            {"description": "Desk", "quantity": D("2"), "unit_price": D("900")}])
        note = advance(make_note(firm, order=order), S.IN_TRANSIT)
        chair, desk = note.lines.order_by("position", "pk")
        client.force_login(users[Role.WAREHOUSE])
        form = client.get(action_url(note, "deliver")).context["form"]
        assert form.fields[f"line_{chair.pk}"].initial == "10"
        assert "reason" not in form.fields
        response = client.post(action_url(note, "deliver"), {
            "received_by": "Huda Al-Zahrani", "received_by_title": "Receptionist",
            f"line_{chair.pk}": "7", f"line_{desk.pk}": "2", "notes": "3 chairs damaged",
            "idempotency_key": "form-1", "signature": png(),
            "photos": [png("a.png"), png("b.png")]})
        assert response.status_code == 302, response.content.decode()[:3000]
        done = fresh(note)
        assert (done.status, done.received_by, done.received_by_title) == (
            S.PARTIALLY_DELIVERED, "Huda Al-Zahrani", "Receptionist")
        assert done.signature.name.endswith(".png") and done.photos.count() == 2
        assert [line.delivered_quantity for line in lines_of(order)] == [D("7"), D("2")]
        assert order_services.order_backorder(order=order) == {lines_of(order)[0].pk: D("3")}
        # The same form posted again (a double click) records nothing more.
        again = client.post(action_url(note, "deliver"), {
            "received_by": "Huda Al-Zahrani", f"line_{chair.pk}": "7", f"line_{desk.pk}": "2",
            "idempotency_key": "form-1"})
        assert again.status_code == 302
        assert [line.delivered_quantity for line in lines_of(order)] == [D("7"), D("2")]

    def test_refused_input_shows_beside_its_field_and_changes_nothing(self, client,
                                                                     admin_user, firm):
        note = advance(make_note(firm), S.IN_TRANSIT)
        line = note.lines.get()
        client.force_login(admin_user)
        response = client.post(action_url(note, "deliver"), {
            "received_by": "Omar", f"line_{line.pk}": "11", "signature": png()})
        assert response.status_code == 400
        form = response.context["form"]
        assert form.errors[f"line_{line.pk}"] == ["At most 10 was planned on this note."]
        assert "A quantity is more than what this delivery note planned." in \
            form.non_field_errors()
        assert 'value="Omar"' in response.content.decode()  # input kept
        assert fresh(note).status == S.IN_TRANSIT and not fresh(note).signature

        # The firm requires proof: a receiver's name and a signature or a photo.
        response = client.post(action_url(note, "deliver"), {f"line_{line.pk}": "10"})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert errors["received_by"] == [
            "Enter the name of the person who received the goods."]
        assert "signature" in errors
        bad = client.post(action_url(note, "deliver"), {
            "received_by": "Omar", f"line_{line.pk}": "10",
            "signature": SimpleUploadedFile("s.png", b"not an image")})
        assert bad.context["form"].errors["signature"] == ["The image could not be read."]
        assert fresh(note).status == S.IN_TRANSIT

    def test_a_move_the_status_no_longer_allows_goes_back_with_the_message(self, client,
                                                                          admin_user, firm):
        note = make_note(firm)
        client.force_login(admin_user)
        response = client.post(action_url(note, "pick"), {}, follow=True)
        assert response.redirect_chain[-1][0] == page("detail", note.pk)
        assert "This action is not allowed in the document's current status." in \
            messages_of(response)
        assert fresh(note).status == S.DRAFT
        # Opening an action the note cannot take now goes back to it too.
        response = client.get(action_url(note, "deliver"), follow=True)
        assert messages_of(response) == [
            "This step is not possible from the document's status."]

    def test_fail_attempt_with_its_reason_then_cancel_needs_a_reason(self, client, users,
                                                                    firm):
        note = advance(make_note(firm), S.IN_TRANSIT)
        client.force_login(users[Role.WAREHOUSE])
        form = client.get(action_url(note, "fail_attempt")).context["form"]
        assert "failure_reason" in form.fields and form.fields["reason"].label == "Details"
        assert client.post(action_url(note, "fail_attempt"), {}).status_code == 400
        response = client.post(action_url(note, "fail_attempt"), {
            "failure_reason": "wrong_address", "reason": "Building 12 does not exist"})
        assert response.status_code == 302
        failed = fresh(note)
        assert (failed.status, failed.failed_attempts) == (S.PACKED, 1)
        assert client.post(action_url(note, "cancel"), {"reason": " "}).status_code == 400
        assert fresh(note).status == S.PACKED
        client.post(action_url(note, "cancel"), {"reason": "Customer moved away"})
        cancelled = fresh(note)
        assert (cancelled.status, cancelled.cancellation_reason) == (
            S.CANCELLED, "Customer moved away")

    def test_a_seller_sees_but_may_not_act_the_warehouse_may(self, client, users, firm):
        seller = users[Role.SALES_PERSON]
        note = make_note(firm, actor=seller)
        client.force_login(seller)
        assert client.get(page("detail", note.pk)).status_code == 200
        assert client.get(action_url(note, "confirm")).status_code == 403
        assert client.post(action_url(note, "confirm"), {}).status_code == 403
        assert client.post(page("proof", note.pk), {}).status_code == 403
        assert fresh(note).status == S.DRAFT
        client.force_login(users[Role.WAREHOUSE])
        assert client.post(action_url(note, "confirm"), {}).status_code == 302
        assert fresh(note).status == S.CONFIRMED

    def test_unknown_action_is_not_found(self, client, admin_user, firm):
        note = make_note(firm)
        client.force_login(admin_user)
        assert client.get(action_url(note, "mark_returned")).status_code == 404
        assert client.get(action_url(note, "explode")).status_code == 404

    def test_csrf_is_enforced(self, users, firm):
        note = make_note(firm)
        visitor = Client(enforce_csrf_checks=True)
        visitor.force_login(users[Role.WAREHOUSE])
        assert visitor.post(action_url(note, "confirm"), {}).status_code == 403
        assert visitor.post(page("create"), {"order": note.order_id}).status_code == 403
        assert visitor.post(page("delete", note.pk)).status_code == 403
        assert fresh(note).status == S.DRAFT
        form_page = visitor.get(action_url(note, "confirm"))
        token = form_page.cookies["csrftoken"].value
        assert visitor.post(action_url(note, "confirm"),
                            {"csrfmiddlewaretoken": token}).status_code == 302
        assert fresh(note).status == S.CONFIRMED


# --- create, edit, delete -----------------------------------------------------------------


@pytest.mark.django_db
class TestCreateFromOrder:
    def test_remaining_quantity_is_proposed_and_the_note_made(self, client, admin_user, firm):
        order = order_of_ten(firm)
        make_note(firm, order=order, quantity=4)
        line = order.lines.get()
        client.force_login(admin_user)
        url = page("create") + f"?order={order.pk}"
        response = client.get(url)
        assert response.status_code == 200
        lines_form = response.context["lines_form"]
        assert lines_form[f"quantity_{line.pk}"].initial == "6"
        assert 'data-testid="remaining">6<' in response.content.decode()
        response = client.post(url, {
            f"quantity_{line.pk}": "5", f"warehouse_{line.pk}": "Main",
            f"serials_{line.pk}": "SN-1, SN-2,SN-3", f"batch_{line.pk}": "B-9",
            "carrier": "SMSA", "scheduled_date": "2026-04-01", "notes_ar": "ملاحظة"})
        assert response.status_code == 302, response.content.decode()[:3000]
        note = DeliveryNote.objects.get(order=order, carrier="SMSA")
        assert response["Location"] == page("detail", note.pk)
        row = note.lines.get()
        assert (row.quantity_to_deliver, row.warehouse, row.serial_numbers, row.batch_number) \
            == (D("5"), "Main", ["SN-1", "SN-2", "SN-3"], "B-9")
        assert (str(note.scheduled_date), note.notes_ar) == ("2026-04-01", "ملاحظة")

    def test_more_than_remains_is_refused_with_the_message_and_input_kept(self, client,
                                                                         admin_user, firm):
        order = order_of_ten(firm)
        make_note(firm, order=order, quantity=4)
        line = order.lines.get()
        client.force_login(admin_user)
        response = client.post(page("create") + f"?order={order.pk}", {
            f"quantity_{line.pk}": "7", f"warehouse_{line.pk}": "North",
            "carrier": "Aramex"})
        assert response.status_code == 400
        lines_form, form = response.context["lines_form"], response.context["form"]
        assert lines_form.errors[f"quantity_{line.pk}"] == [
            "At most 6 remains to be delivered."]
        assert "A quantity is more than what remains on the sales order." in \
            form.non_field_errors()
        html = response.content.decode()
        assert 'value="7"' in html and 'value="North"' in html and 'value="Aramex"' in html
        assert DeliveryNote.objects.filter(order=order).count() == 1

    def test_nothing_chosen_and_an_order_not_deliverable(self, client, admin_user, firm):
        order = order_of_ten(firm)
        line = order.lines.get()
        client.force_login(admin_user)
        response = client.post(page("create"), {"order": order.pk,
                                                f"quantity_{line.pk}": "0"})
        assert response.status_code == 400
        assert response.context["lines_form"].non_field_errors() == [
            "Give a quantity to deliver for at least one line."]
        draft = make_order(firm)
        response = client.get(page("create"), {"order": draft.pk})
        assert 'data-testid="not-deliverable"' in response.content.decode()
        response = client.post(page("create"), {
            "order": draft.pk, f"quantity_{draft.lines.first().pk}": "1"})
        assert response.status_code == 400
        assert "Only a confirmed sales order that is not on hold can be delivered." in \
            response.context["form"].non_field_errors()
        assert not DeliveryNote.objects.filter(order=draft).exists()

    def test_order_chooser_and_another_firms_order(self, client, admin_user, firm,
                                                   other_firm):
        confirmed, draft = order_of_ten(firm), make_order(firm)
        foreign = order_of_ten(other_firm)
        client.force_login(admin_user)
        choices = client.get(page("create")).context["form"].fields["order"].queryset
        assert confirmed in choices and draft not in choices and foreign not in choices
        assert client.get(page("create"), {"order": foreign.pk}).status_code == 404
        assert client.get(page("create"), {"order": "x"}).status_code == 404


    def test_a_firm_that_delivers_orders_whole_says_so(self, client, admin_user, firm):
        settings_update(firm=firm, changes={"delivery": {"allow_partial_delivery": False}},
                        actor=admin_user)
        order = order_of_ten(firm)
        line = order.lines.get()
        client.force_login(admin_user)
        response = client.post(page("create"), {"order": order.pk,
                                                f"quantity_{line.pk}": "4"})
        assert response.status_code == 400
        assert "This firm delivers an order whole: one note with every remaining quantity." \
            in response.context["form"].non_field_errors()


@pytest.mark.django_db
class TestEditAndDelete:
    def test_a_drafts_lines_and_fields(self, client, admin_user, firm):
        order = order_of_ten(firm)
        note = make_note(firm, order=order, quantity=4)
        line = order.lines.get()
        client.force_login(admin_user)
        response = client.get(page("update", note.pk))
        assert response.context["lines_form"][f"quantity_{line.pk}"].initial == "4"
        assert 'data-testid="remaining">10<' in response.content.decode()
        response = client.post(page("update", note.pk), {
            f"quantity_{line.pk}": "8", f"batch_{line.pk}": "B-2", "carrier": "SMSA",
            "delivery_date": "2026-04-02", "number_of_packages": "2", "weight_unit": "kg",
            "dimension_unit": "cm", "shipping_cost": "0"})
        assert response.status_code == 302, response.content.decode()[:3000]
        note = fresh(note)
        assert (note.carrier, note.number_of_packages) == ("SMSA", 2)
        assert (note.lines.get().quantity_to_deliver, note.lines.get().batch_number) == (
            D("8"), "B-2")

    def test_an_open_notes_logistics_only_and_a_delivered_one_not_at_all(self, client,
                                                                        admin_user, firm):
        packed = note_in(firm, S.PACKED)
        client.force_login(admin_user)
        response = client.get(page("update", packed.pk))
        assert response.context["lines_form"] is None
        assert "shipping_address" not in response.context["form"].fields
        response = client.post(page("update", packed.pk), {
            "tracking_number": "NEW-1", "number_of_packages": "4", "weight_unit": "kg",
            "dimension_unit": "cm", "shipping_cost": "0"})
        assert response.status_code == 302, response.content.decode()[:3000]
        assert (fresh(packed).tracking_number, fresh(packed).number_of_packages) == (
            "NEW-1", 4)
        delivered = note_in(firm, S.DELIVERED)
        response = client.get(page("update", delivered.pk), follow=True)
        assert response.redirect_chain[-1][0] == page("detail", delivered.pk)
        assert client.post(page("update", delivered.pk), {"carrier": "x"}).status_code == 302
        assert fresh(delivered).carrier == ""

    def test_delete_a_draft_not_a_confirmed_note(self, client, admin_user, firm):
        draft, confirmed = make_note(firm), note_in(firm, S.CONFIRMED)
        client.force_login(admin_user)
        assert client.get(page("delete", draft.pk)).status_code == 200
        response = client.post(page("delete", draft.pk))
        assert response["Location"] == page("list")
        assert not DeliveryNote.objects.filter(pk=draft.pk).exists()
        response = client.post(page("delete", confirmed.pk), follow=True)
        assert "Only a draft delivery note can be deleted. Cancel it instead." in \
            messages_of(response)
        assert DeliveryNote.objects.filter(pk=confirmed.pk).exists()


# --- proof, files, PDF, language ------------------------------------------------------------


@pytest.mark.django_db
class TestProofFilesPdf:
    def test_proof_upload_on_a_note_in_transit(self, client, users, firm):
        note = advance(make_note(firm), S.IN_TRANSIT)
        client.force_login(users[Role.WAREHOUSE])
        assert 'data-testid="proof-form"' in client.get(page("detail", note.pk)
                                                        ).content.decode()
        response = client.post(page("proof", note.pk), {
            "proof-signature": png(), "proof-photos": [png("1.png"), png("2.png")],
            "proof-document": png("scan.png")})
        assert response.status_code == 302, response.content.decode()[:2000]
        note = fresh(note)
        assert note.signature and note.delivery_proof and note.photos.count() == 2
        timeline = client.get(page("detail", note.pk)).context["delivery_timeline"]
        assert timeline[-1]["label"] == "Proof of delivery added"
        assert client.get(page("file", note.pk, "proof")).status_code == 200

    def test_proof_refused_shows_on_the_page(self, client, admin_user, firm):
        draft, moving = make_note(firm), advance(make_note(firm), S.IN_TRANSIT)
        client.force_login(admin_user)
        assert client.get(page("detail", draft.pk)).context["proof_form"] is None
        response = client.post(page("proof", draft.pk), {"proof-signature": png()})
        assert response.status_code == 400
        assert "Proof of delivery is added to a note in transit or delivered." in \
            response.context["proof_form"].non_field_errors()
        response = client.post(page("proof", moving.pk), {})
        assert response.status_code == 400
        assert response.context["proof_form"].errors["signature"] == [
            "Send a signature, a photo or a proof."]
        response = client.post(page("proof", moving.pk), {
            "proof-photos": [SimpleUploadedFile("x.jpg", b"plain text")]})
        assert response.context["proof_form"].errors["photos"] == [
            "The image could not be read."]
        assert fresh(moving).photos.count() == 0

    def test_files_are_not_found_outside_the_users_scope(self, client, users, firm,
                                                         other_firm):
        seller = users[Role.SALES_PERSON]
        mine = deliver(advance(make_note(firm, actor=seller), S.IN_TRANSIT))
        theirs = deliver(advance(make_note(firm, actor=users[Role.ADMIN]), S.IN_TRANSIT))
        foreign = deliver(advance(make_note(other_firm), S.IN_TRANSIT))
        client.force_login(seller)
        assert client.get(page("file", mine.pk, "signature")).status_code == 200
        assert client.get(page("file", theirs.pk, "signature")).status_code == 404
        assert client.get(page("detail", theirs.pk)).status_code == 404
        client.force_login(users[Role.ADMIN])
        assert client.get(page("file", theirs.pk, "signature")).status_code == 200
        assert client.get(page("file", foreign.pk, "signature")).status_code == 404
        photo = "photo-999999"
        assert client.get(page("file", theirs.pk, photo)).status_code == 404

    def test_pdf(self, client, admin_user, firm):
        note = note_in(firm, S.DELIVERED)
        client.force_login(admin_user)
        for language in ("en", "ar", "both"):
            response = client.get(page("pdf", note.pk), {"language": language})
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF-")
        html = client.get(page("detail", note.pk)).content.decode()
        assert page("pdf", note.pk) + "?language=ar" in html

    def test_arabic_pages_are_right_to_left(self, client, admin_user, firm):
        note = advance(make_note(firm), S.IN_TRANSIT)
        client.force_login(admin_user)
        client.cookies["django_language"] = "ar"
        for url in (page("list"), page("detail", note.pk), action_url(note, "deliver"),
                    page("create") + f"?order={note.order_id}"):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert 'dir="rtl"' in html and 'lang="ar"' in html and "bootstrap.rtl" in html
        assert "السجل" in client.get(page("detail", note.pk)).content.decode()


# --- the sales order's page and the menu -----------------------------------------------------


@pytest.mark.django_db
class TestOrderPage:
    def order_page(self, client, order, **params):
        return client.get(reverse("sales:salesorder_detail", args=[order.pk]), params)

    def test_notes_backorder_and_the_create_button(self, client, users, firm):
        order = order_of_ten(firm, actor=users[Role.SALES_PERSON])
        note = deliver(advance(make_note(firm, order=order, quantity=4), S.IN_TRANSIT))
        create = page("create") + f"?order={order.pk}"
        client.force_login(users[Role.WAREHOUSE])
        response = self.order_page(client, order, tab="delivery-notes")
        html = response.content.decode()
        assert response.context["active_tab"] == "delivery-notes"
        assert page("detail", note.pk) in html and 'data-testid="delivery-note-row"' in html
        assert 'data-testid="backorder"><span class="text-warning-emphasis fw-semibold">6<' \
            in html
        assert 'data-testid="closed">0<' in html
        assert 'data-testid="create-delivery-note"' in html and create in html
        links = response.context["linked_documents"]
        assert {"kind": "Delivery note", "label": note.number,
                "url": page("detail", note.pk)} in [
            {**link, "kind": str(link["kind"])} for link in links]
        # A seller sees the notes of their order, not the button (they cannot make notes).
        client.force_login(users[Role.SALES_PERSON])
        html = self.order_page(client, order).content.decode()
        assert page("detail", note.pk) in html
        assert 'data-testid="create-delivery-note"' not in html

    def test_no_button_when_nothing_remains_or_the_order_is_on_hold(self, client, admin_user,
                                                                    firm):
        planned = order_of_ten(firm)
        make_note(firm, order=planned)  # the whole order on an open note
        held = order_of_ten(firm)
        order_services.order_hold(order=held, actor=admin_user, reason="Site not ready")
        client.force_login(admin_user)
        for order in (planned, held):
            html = self.order_page(client, order).content.decode()
            assert 'data-testid="create-delivery-note"' not in html
        html = self.order_page(client, order_of_ten(firm)).content.decode()
        assert 'data-testid="create-delivery-note"' in html
        assert 'data-testid="no-delivery-notes"' in html

    def test_close_the_backorder_from_the_order_page(self, client, admin_user, firm):
        order = order_of_ten(firm)
        deliver(advance(make_note(firm, order=order, quantity=7), S.IN_TRANSIT))
        client.force_login(admin_user)
        response = self.order_page(client, order)
        assert "close_remaining" in [button["name"]
                                     for button in response.context["transition_buttons"]]
        url = reverse("sales:salesorder_transition", args=[order.pk, "close_remaining"])
        assert client.post(url, {"reason": ""}).status_code == 400
        assert client.post(url, {"reason": "Customer needs no more"}).status_code == 302
        order = SalesOrder.objects.get(pk=order.pk)
        assert lines_of(order)[0].closed_quantity == D("3")
        assert order.status == SalesOrderStatus.SHIPPED
        html = self.order_page(client, order).content.decode()
        assert 'data-testid="closed">3<' in html and 'data-testid="backorder">0<' in html
        assert 'data-testid="create-delivery-note"' not in html


@pytest.mark.django_db
class TestNavigation:
    def labels(self, client, user) -> list[tuple[str, list[str]]]:
        client.force_login(user)
        return [(str(section["label"]), [str(item["label"]) for item in section["items"]])
                for section in client.get("/").context["nav_sections"]]

    def test_the_warehouse_menu_opens_with_deliveries(self, client, users):
        sections = self.labels(client, users[Role.WAREHOUSE])
        assert sections[0] == ("Delivery", ["Delivery notes", "Dispatch board", "Run sheet"])
        items = {item for _label, items in sections for item in items}
        assert {"Customers", "Products", "Sales orders"} <= items
        admin = self.labels(client, users[Role.ADMIN])
        assert admin[0][0] == "CRM" and ("Delivery", [
            "Delivery notes", "Dispatch board", "Run sheet"]) in admin
        assert [label for label, _items in admin].index("Delivery") > \
            [label for label, _items in admin].index("Sales")

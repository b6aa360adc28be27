"""Delivery end to end in the browser: a note of a confirmed order walked across the dispatch
board (drag and drop on a desktop, the card's buttons on a phone, the ship dialog with a
tracking number), then delivered from the run sheet on a phone (390 × 844) with a signature
drawn on the canvas while the phone is offline, sent again once it is back; the order reaches
100 % delivered. The board and the run sheet are screenshot to /tmp/shots/ at 390 and 1366 px
in English and Arabic, and neither page scrolls sideways."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, Route, expect

from core import services as core_services
from core.models import Firm
from core.services import firm_today
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import DeliveryNote
from sales.orders.models import SalesOrder
from tests.crm.factories import make_customer
from tests.delivery.factories import advance, deliver, make_note, note_in, order_of_ten

PASSWORD = "x-Pass-12345"
SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


# The policy production sends (config/settings.py CONTENT_SECURITY_POLICY on main): the pages'
# scripts must run from files, their pictures (signature, photo previews) from data: and blob:.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def enforce_csp(page: Page, problems: list[str]) -> None:
    """Serve every page with the policy, and count what it blocks as a problem."""
    def add_policy(route: Route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        route.fulfill(response=response,
                      headers={**response.headers, "content-security-policy": CSP})

    page.route("**/*", add_policy)
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text else None)


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    # The board's own scroll is reset by a full-page capture: the board is shot as seen.
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def fits(page: Page) -> None:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, (page.url, width, inner)


def language(page: Page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code,
                               "url": live_server.url}])


def card_of(page: Page, note: DeliveryNote):
    return page.locator(f'[data-testid="board-card"][data-note="{note.pk}"]')


def column(page: Page, status: str):
    return page.locator(f'[data-testid="board-column"][data-status="{status}"]')


def status_of(note: DeliveryNote) -> str:
    return DeliveryNote.objects.get(pk=note.pk).status


def test_note_across_the_board_and_delivered_from_the_run_sheet(page: Page, login,
                                                                page_problems, live_server):
    firm = Firm.objects.create(name="Acme Trading", name_ar="أكمي للتجارة", slug="acme")
    store = core_services.user_create(firm=firm, actor=None, username="store1",
                                      password=PASSWORD, role="warehouse",
                                      first_name="Khalid", last_name="Al-Qahtani")
    customer = make_customer(
        firm, name="Gulf Foods Trading Company", name_ar="شركة أغذية الخليج التجارية",
        addresses=[{"kind": "shipping", "line1": "King Fahd Road 12, Al Olaya",
                    "line1_ar": "طريق الملك فهد ١٢، العليا", "city": "Riyadh",
                    "city_ar": "الرياض", "latitude": Decimal("24.7136"),
                    "longitude": Decimal("46.6753")}],
        contacts=[{"name": "Omar Haddad", "phone": "+966 50 123 4567", "is_primary": True}])
    order = order_of_ten(firm, customer=customer, contact=customer.contacts.get(),
                         shipping_address=customer.addresses.get(),
                         delivery_instructions="Gate 3: ask for Omar at the loading bay.")
    note = make_note(firm, order=order, scheduled_date=firm_today(firm=firm))
    # Company on the board: notes in other columns, one late, one short.
    others = [note_in(firm, status) for status in (S.DRAFT, S.PICKING, S.PACKED)]
    late = advance(make_note(firm, carrier="Aramex"), S.IN_TRANSIT)
    DeliveryNote.objects.filter(pk=late.pk).update(
        estimated_delivery_date=firm_today(firm=firm) - datetime.timedelta(days=2))
    deliver(advance(make_note(firm), S.IN_TRANSIT), 7)
    assert len(others) == 3

    login("store1", PASSWORD)
    enforce_csp(page, page_problems)

    # Desktop: drag the draft card to "Confirmed".
    page.set_viewport_size(DESKTOP)
    assert page.goto(reverse("delivery:board")).headers["content-security-policy"] == CSP
    expect(column(page, "draft").get_by_test_id("column-count")).to_have_text("2")
    card_of(page, note).drag_to(column(page, "confirmed"))
    expect(column(page, "confirmed").locator(
        f'[data-testid="board-card"][data-note="{note.pk}"]')).to_be_visible()
    expect(column(page, "confirmed").get_by_test_id("column-count")).to_have_text("1")
    expect(column(page, "draft").get_by_test_id("column-count")).to_have_text("1")
    expect(page.get_by_test_id("messages")).to_contain_text("Delivery note confirmed")
    assert status_of(note) == S.CONFIRMED

    # Two columns ahead is refused: the card goes back, the service's message shows.
    card_of(page, note).drag_to(column(page, "packed"))
    expect(page.get_by_test_id("messages")).to_contain_text("not allowed")
    expect(column(page, "confirmed").locator(
        f'[data-testid="board-card"][data-note="{note.pk}"]')).to_be_visible()
    assert status_of(note) == S.CONFIRMED

    # Phone: the card's buttons.
    page.set_viewport_size(PHONE)
    card_of(page, note).get_by_test_id("action-pick").click()
    expect(column(page, "picking").locator(
        f'[data-testid="board-card"][data-note="{note.pk}"]')).to_be_visible()
    card_of(page, note).get_by_test_id("action-pack").click()
    expect(column(page, "packed").locator(
        f'[data-testid="board-card"][data-note="{note.pk}"]')).to_be_visible()
    assert status_of(note) == S.PACKED
    # Loaded on the phone: filters folded, a link per column scrolls the board to it.
    page.reload()
    expect(page.get_by_test_id("board-filter")).not_to_have_attribute("open", "")
    page.get_by_test_id("board-nav").get_by_role("link", name="Packed").click()
    expect(card_of(page, note)).to_be_in_viewport()
    fits(page)
    shoot(page, "board-en-390", full_page=False)

    # Desktop: drop on "In transit" opens the ship dialog; carrier, tracking and driver.
    page.set_viewport_size(DESKTOP)
    card_of(page, note).drag_to(column(page, "in_transit"))
    dialog = page.get_by_test_id("ship-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Carrier").fill("SMSA Express")
    dialog.get_by_label("Tracking number").fill("TRK-1001")
    dialog.get_by_label("Driver").select_option(str(store.pk))
    shoot(page, "board-ship-dialog-en-1366", full_page=False)
    dialog.get_by_test_id("ship-dialog-submit").click()
    expect(column(page, "in_transit").locator(
        f'[data-testid="board-card"][data-note="{note.pk}"]')).to_be_visible()
    expect(card_of(page, note)).to_contain_text("TRK-1001")
    shipped = DeliveryNote.objects.get(pk=note.pk)
    assert (shipped.status, shipped.carrier, shipped.tracking_number, shipped.driver_id) == (
        S.IN_TRANSIT, "SMSA Express", "TRK-1001", store.pk)
    expect(card_of(page, late).get_by_test_id("late")).to_be_visible()
    fits(page)
    shoot(page, "board-en-1366")

    language(page, live_server, "ar")
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    fits(page)
    shoot(page, "board-ar-1366")
    page.set_viewport_size(PHONE)
    page.reload()
    page.get_by_test_id("board-nav").locator('a[href="#column-in_transit"]').click()
    expect(card_of(page, note)).to_be_in_viewport()
    fits(page)
    shoot(page, "board-ar-390", full_page=False)

    # The run sheet, in Arabic then in English, on a desktop and a phone.
    page.set_viewport_size(DESKTOP)
    page.goto(reverse("delivery:run_sheet") + "?who=all")
    expect(page.get_by_test_id("run-note")).to_have_count(2)
    expect(page.get_by_test_id("run-sheet")).to_contain_text("طريق الملك فهد ١٢")
    fits(page)
    shoot(page, "run-sheet-ar-1366")
    page.set_viewport_size(PHONE)
    fits(page)
    shoot(page, "run-sheet-ar-390")
    language(page, live_server, "en")
    page.set_viewport_size(DESKTOP)
    page.goto(reverse("delivery:run_sheet") + "?who=all")
    fits(page)
    shoot(page, "run-sheet-en-1366")

    # Phone: the driver's own run (theirs by default), signed on the canvas while offline.
    page.set_viewport_size(PHONE)
    page.goto(reverse("delivery:run_sheet"))
    sheet_note = page.locator(f"#note-{note.pk}")
    expect(page.get_by_test_id("run-note")).to_have_count(1)
    expect(sheet_note).to_contain_text("King Fahd Road 12")
    expect(sheet_note.get_by_test_id("call")).to_have_attribute("href", "tel:+966501234567")
    expect(sheet_note.get_by_test_id("map-link")).to_have_attribute(
        "href", DeliveryNote.objects.get(pk=note.pk).map_url)
    pad = sheet_note.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(box["x"] + 20 + step * 18,
                        box["y"] + box["height"] * (0.7 - 0.4 * (step % 2)), steps=3)
    page.mouse.up()
    sheet_note.get_by_label("Received by").fill("Ahmed Al-Harbi")
    sheet_note.get_by_label("Receiver's title").fill("Store keeper")
    fits(page)
    shoot(page, "run-sheet-en-390")

    page.context.set_offline(True)
    sheet_note.get_by_test_id("delivered").click()
    state = sheet_note.get_by_test_id("run-state")
    expect(state).to_have_attribute("data-state", "pending")
    expect(sheet_note.get_by_test_id("run-feedback")).to_contain_text("No connection")
    shoot(page, "run-sheet-en-390-pending")
    assert status_of(note) == S.IN_TRANSIT
    page.context.set_offline(False)
    expect(state).to_have_attribute("data-state", "done", timeout=20_000)
    expect(sheet_note.get_by_test_id("run-feedback")).to_contain_text("Delivery confirmed")
    shoot(page, "run-sheet-en-390-done")

    delivered = DeliveryNote.objects.get(pk=note.pk)
    assert (delivered.status, delivered.received_by, delivered.received_by_title) == (
        S.DELIVERED, "Ahmed Al-Harbi", "Store keeper")
    assert delivered.signature.name.endswith(".png") and delivered.delivery_key
    assert SalesOrder.all_objects.get(pk=order.pk).delivery_progress == Decimal("100")
    # The late note: "Delivered" with neither receiver nor signature is stopped on the phone
    # (nothing sent); it could not be delivered, so the reason is chosen and the attempt sent.
    page.goto(reverse("delivery:run_sheet") + "?who=all")
    other = page.locator(f"#note-{late.pk}")
    other.get_by_test_id("delivered").click()
    expect(other.get_by_label("Received by")).to_have_class(re.compile("is-invalid"))
    expect(other).to_contain_text("Add the receiver's signature or a photo of the delivery.")
    assert status_of(late) == S.IN_TRANSIT
    other.get_by_text("Could not deliver?").click()
    other.get_by_label("Why it failed").select_option("closed")
    other.get_by_test_id("failed").click()
    expect(other.get_by_test_id("run-state")).to_have_attribute("data-state", "done")
    expect(other.get_by_test_id("run-feedback")).to_contain_text("Failed attempt recorded")
    failed = DeliveryNote.objects.get(pk=late.pk)
    assert (failed.status, failed.failed_attempts) == (S.PACKED, 1)

    page.goto(reverse("sales:salesorder_detail", args=[order.pk]))
    expect(page.get_by_test_id("progress")).to_contain_text("100.0 %")
    # Sent once the phone was back: nothing left waiting on it.
    assert page.evaluate("() => Object.keys(localStorage).filter(k => "
                         "k.startsWith('delivery-run:')).length") == 0

    refused = [problem for problem in page_problems if "HTTP 409" not in problem]
    assert refused == [], refused

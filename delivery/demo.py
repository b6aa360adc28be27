"""Demo delivery notes for `manage.py seed_demo` (after the sales demo, DeliveryConfig.seed_demo).

One note in each status a note reaches on its own — draft, confirmed, picking, packed, in
transit (one with a carrier's tracking events, one late after a failed attempt), delivered
(signature drawn with Pillow and a photo), partially delivered (its order keeps a backorder) and
cancelled — each on a confirmed demo order of its own, made through sales.orders.services, and
moved only through delivery.services and delivery.tracking. Carriers: Aramex, SMSA and the
firm's own fleet driven by the warehouse user. The demo customers get a shipping address with
coordinates (the map links). Idempotent: a firm with demo notes is left alone.
"""

import base64
import datetime
import io
import json
import math
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from core.models import Firm
from core.services import firm_today
from crm.models import Customer
from crm.services import customer_update
from pricing.models import Product
from sales.orders import services as order_services
from sales.orders.models import SalesOrder

from . import services, tracking
from .choices import DeliveryNoteStatus as S
from .choices import FailureReason
from .models import DeliveryNote

# Marks the demo's notes (internal notes) and orders (notes): seeded once per firm.
DEMO_MARK = "Demo delivery"
DEMO_ORDER_NOTE = "Demo delivery order"
D = Decimal

# Where the demo customers receive goods (by city), with coordinates for the map links.
SHIPPING_ADDRESSES = {
    "Riyadh": ("King Fahd Road, Al Olaya", "طريق الملك فهد، العليا", "24.691100", "46.685300"),
    "Jeddah": ("Tahlia Street, Al Andalus", "شارع التحلية، الأندلس", "21.543300", "39.172800"),
    "Dammam": ("King Saud Street, Al Faisaliyah", "شارع الملك سعود، الفيصلية", "26.420700",
               "50.088800"),
}
CARRIERS = {
    "aramex": {"carrier": "Aramex", "carrier_service": "Priority Express",
               "tracking_number": "44718829360",
               "tracking_url": "https://www.aramex.com/sa/en/track/results?ShipmentNumber="
                               "44718829360"},
    "smsa": {"carrier": "SMSA Express", "carrier_service": "Standard",
             "tracking_number": "290045517832",
             "tracking_url": "https://www.smsaexpress.com/sa/trackingdetails?tracknumbers="
                             "290045517832"},
    "fleet": {"carrier": "Own fleet", "vehicle_plate": "RSA 4821",
              "driver_phone": "+966 55 123 4567"},
}
# (status reached, product codes with quantities, carrier, days from today: scheduled, due)
NOTES = [
    (S.DRAFT, [("LT-100", 3), ("AC-100", 3)], "", 5, 7),
    (S.CONFIRMED, [("FU-100", 4)], "fleet", 3, 4),
    (S.PICKING, [("ST-100", 20), ("ST-200", 10)], "smsa", 1, 3),
    (S.PACKED, [("PH-100", 6)], "aramex", 0, 2),
    (S.IN_TRANSIT, [("LT-200", 2), ("AC-300", 2)], "aramex", -1, 1),
    ("late", [("FU-200", 3)], "fleet", -4, -2),
    (S.DELIVERED, [("AC-200", 12), ("AC-400", 24)], "fleet", -3, -2),
    (S.PARTIALLY_DELIVERED, [("FU-100", 10)], "smsa", -6, -4),
    (S.CANCELLED, [("PH-200", 2)], "", 2, 4),
]
WALKS = {S.DRAFT: 0, S.CONFIRMED: 1, S.PICKING: 2, S.PACKED: 3, S.IN_TRANSIT: 4, "late": 4,
         S.DELIVERED: 4, S.PARTIALLY_DELIVERED: 4, S.CANCELLED: 0}
NOTES_AR = "يرجى الاتصال بالمستلم قبل الوصول بنصف ساعة."
INSTRUCTIONS = "Deliver to the loading bay at the back; call on arrival."


def _order_lines(firm: Firm, items: list[tuple[str, int]]) -> list[dict]:
    products = {product.code: product for product in Product.objects.filter(
        firm=firm, code__in=[code for code, _quantity in items])}
    return [{"product": products[code], "quantity": D(quantity)} if code in products
            else {"description": code, "quantity": D(quantity), "unit_price": D("100")}
            for code, quantity in items]


def signature_png() -> str:
    """A hand-drawn looking signature as the run sheet's canvas sends it (a PNG data URL)."""
    image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    ink = (20, 40, 120, 255)
    stroke = [(20 + step * 4, 70 + int(22 * math.sin(step / 4.0)) - step // 4)
              for step in range(75)]
    draw.line(stroke, fill=ink, width=3, joint="curve")
    draw.line([(40, 100), (320, 92)], fill=ink, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def parcel_photo() -> ContentFile:
    """A photo of a parcel at a door (a drawing: the demo has no camera)."""
    image = Image.new("RGB", (640, 480), (214, 219, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 360, 640, 480], fill=(150, 150, 150))
    draw.rectangle([380, 60, 560, 380], fill=(120, 84, 52), outline=(60, 40, 20), width=4)
    draw.rectangle([180, 230, 380, 380], fill=(196, 152, 100), outline=(120, 90, 50), width=3)
    draw.rectangle([270, 230, 290, 380], fill=(225, 205, 150))
    draw.rectangle([200, 270, 260, 300], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name="parcel.jpg")


def _shipping_addresses(customers: list[Customer], *, actor) -> None:
    """A shipping address with coordinates for each demo customer that has none (through the
    crm service; the customer's other addresses are kept as they are)."""
    for customer in customers:
        addresses = list(customer.addresses.all())
        if any(address.kind == "shipping" for address in addresses):
            continue
        city = addresses[0].city if addresses else "Riyadh"
        city_ar = addresses[0].city_ar if addresses else "الرياض"
        line1, line1_ar, latitude, longitude = SHIPPING_ADDRESSES.get(
            city, SHIPPING_ADDRESSES["Riyadh"])
        customer_update(customer=customer, actor=actor, addresses=[
            *({"id": address.pk} for address in addresses),
            {"kind": "shipping", "line1": line1, "line1_ar": line1_ar, "city": city,
             "city_ar": city_ar, "latitude": D(latitude), "longitude": D(longitude),
             "is_default": True}])


def _order(firm: Firm, customer: Customer, items, *, seller, approver, today, scheduled,
           due) -> SalesOrder:
    order = order_services.order_create(
        firm=firm, actor=seller, customer=customer, lines=_order_lines(firm, items),
        notes=DEMO_ORDER_NOTE, notes_ar="أمر بيع تجريبي للتسليم",
        requested_delivery_date=today + datetime.timedelta(days=scheduled),
        expected_delivery_date=today + datetime.timedelta(days=due),
        delivery_instructions=INSTRUCTIONS)
    if order.needs_approval:
        order = order_services.order_approve(order=order, actor=approver)
    return order_services.order_confirm(order=order, actor=approver)


def _ship(note: DeliveryNote, carrier: str, *, driver, actor, due) -> DeliveryNote:
    shipping = dict(CARRIERS[carrier])
    if carrier == "fleet" and driver is not None:
        shipping["driver"] = driver
    return services.delivery_note_ship(note=note, actor=actor, estimated_delivery_date=due,
                                       **shipping)


@transaction.atomic
def delivery_seed_demo(*, firm: Firm, users: dict) -> None:
    if DeliveryNote.objects.filter(firm=firm, internal_notes=DEMO_MARK).exists():
        return  # seeded before: leave staff's changes alone
    mine = {name: user for name, user in users.items() if user.firm_id == firm.pk}
    approver = mine.get("admin") or mine.get("manager")
    if approver is None:
        return
    seller = mine.get("sales") or approver
    warehouse = mine.get("warehouse") or approver
    customers = list(Customer.objects.filter(firm=firm).order_by("pk")[:4])
    if not customers:
        return
    _shipping_addresses(customers, actor=approver)
    today = firm_today(firm=firm)
    for index, (status, items, carrier, scheduled, due) in enumerate(NOTES):
        customer = Customer.objects.get(pk=customers[index % len(customers)].pk)
        order = _order(firm, customer, items, seller=seller, approver=approver, today=today,
                       scheduled=scheduled, due=due)
        due_date = today + datetime.timedelta(days=due)
        note = services.delivery_note_create(
            firm=firm, actor=warehouse, order=order, internal_notes=DEMO_MARK,
            notes="Demo delivery note: handle with care.", notes_ar=NOTES_AR,
            carrier=CARRIERS[carrier]["carrier"] if carrier else "")
        _walk(note, status, carrier, warehouse=warehouse, due=due_date)


def _walk(note: DeliveryNote, status: str, carrier: str, *, warehouse, due) -> None:
    steps = WALKS[status]
    actor = warehouse
    if status == S.CANCELLED:
        services.delivery_note_cancel(note=note, actor=actor,
                                      reason="Customer will collect from the showroom")
        return
    if steps >= 1:
        note = services.delivery_note_confirm(note=note, actor=actor)
    if steps >= 2:
        note = services.delivery_note_pick(note=note, actor=actor)
    if steps >= 3:
        note = services.delivery_note_pack(note=note, actor=actor, weight=D("18.5"),
                                           length=D("60"), width=D("40"), height=D("35"),
                                           number_of_packages=2)
    if steps < 4:
        return
    note = _ship(note, carrier, driver=warehouse, actor=actor, due=due)
    if status == S.IN_TRANSIT:
        # The carrier reports on its own: a signed webhook's events, applied forward.
        for number, (state, place) in enumerate((("picked_up", "Riyadh, Aramex hub"),
                                                 ("in_transit", "Riyadh sorting centre"))):
            tracking.tracking_event_receive(firm=note.firm, body=json.dumps({
                "eventId": f"demo-{note.number}-{number}", "deliveryNoteId": note.pk,
                "status": state, "location": place,
                "description": "Shipment picked up" if number == 0 else "Arrived at facility",
            }).encode())
    elif status == "late":
        # Nobody was there the first time: shipped again, now past its estimated date.
        note = services.delivery_note_fail_attempt(
            note=note, actor=actor, failure_reason=FailureReason.NOT_HOME,
            reason="Customer not answering the phone", latitude=D("24.774300"),
            longitude=D("46.738600"))
        _ship(note, carrier, driver=warehouse, actor=actor, due=due)
    elif status == S.DELIVERED:
        services.delivery_note_deliver(
            note=note, actor=actor, received_by="Abdullah Al-Shammari",
            received_by_title="Store keeper", signature=signature_png(),
            photos=[parcel_photo()], notes="Left at the loading bay, checked by the customer.",
            latitude=D("24.691100"), longitude=D("46.685300"))
    elif status == S.PARTIALLY_DELIVERED:
        line = note.lines.order_by("position", "pk")[0]
        services.delivery_note_deliver(
            note=note, actor=actor, received_by="Fahad Al-Ghamdi", signature=signature_png(),
            lines={line.pk: line.quantity_to_deliver - 3},
            notes="Three chairs were damaged in the van and came back.")

"""Delivery notes made through delivery.services (architecture §5.1). Other apps' tests (returns,
commissions) import these too: keep names stable."""

from decimal import Decimal

from core.models import Firm, User
from delivery import services
from delivery.choices import DeliveryNoteStatus
from delivery.models import DeliveryNote
from sales.orders.models import SalesOrder
from tests.sales.factories import confirmed_order

D = Decimal
# The order of the delivery issue: one line of 10 at 100.
TEN_AT_100 = [{"description": "Steel shelf", "quantity": D("10"), "unit_price": D("100"),
               "tax_rate": D("15")}]
# The steps from draft to each status, in order (each a service of delivery.services).
PATH = {
    DeliveryNoteStatus.CONFIRMED: ["confirm"],
    DeliveryNoteStatus.PICKING: ["confirm", "pick"],
    DeliveryNoteStatus.PACKED: ["confirm", "pick", "pack"],
    DeliveryNoteStatus.IN_TRANSIT: ["confirm", "pick", "pack", "ship"],
}


def order_of_ten(firm: Firm, *, actor: User | None = None, **kw) -> SalesOrder:
    """A confirmed order of 10 × 100 (+15 % VAT)."""
    return confirmed_order(firm, actor=actor, lines=TEN_AT_100, **kw)


def make_note(firm: Firm, *, order: SalesOrder | None = None, quantity=None,
              actor: User | None = None, **kw) -> DeliveryNote:
    """A draft note of `order` (a new order of ten unless given): its first line's `quantity`,
    or every remaining quantity."""
    order = order or order_of_ten(firm, actor=actor)
    lines = None
    if quantity is not None:
        lines = [{"order_line_id": order.lines.order_by("position", "pk")[0].pk,
                  "quantity": D(str(quantity))}]
    return services.delivery_note_create(firm=firm, actor=actor, order=order, lines=lines, **kw)


def advance(note: DeliveryNote, status: str, *, actor: User | None = None) -> DeliveryNote:
    """Walk a draft note through the services up to `status` (draft → … → in_transit)."""
    for step in PATH.get(status, []):
        note = getattr(services, f"delivery_note_{step}")(note=note, actor=actor)
    return note


def deliver(note: DeliveryNote, quantity=None, *, actor: User | None = None, **kw
            ) -> DeliveryNote:
    """Deliver an in-transit note (everything, or `quantity` on its first line) with a
    receiver and a signature, as the firm's default settings require."""
    lines = None
    if quantity is not None:
        first = note.lines.order_by("position", "pk")[0]
        lines = {first.pk: D(str(quantity))}
        lines.update({line.pk: line.quantity_to_deliver for line in note.lines.exclude(
            pk=first.pk)})
    kw.setdefault("received_by", "Ahmed Mohammed")
    kw.setdefault("signature", SIGNATURE)
    return services.delivery_note_deliver(note=note, actor=actor, lines=lines, **kw)


def note_in(firm: Firm, status: str, *, actor: User | None = None, **kw) -> DeliveryNote:
    """A note brought to `status` by the services (delivered ones delivered in full, a
    partially delivered one with 1 of its first line short, a cancelled one from draft)."""
    note = make_note(firm, actor=actor, **kw)
    if status in PATH:
        return advance(note, status, actor=actor)
    if status in (DeliveryNoteStatus.DELIVERED, DeliveryNoteStatus.PARTIALLY_DELIVERED):
        note = advance(note, DeliveryNoteStatus.IN_TRANSIT, actor=actor)
        first = note.lines.order_by("position", "pk")[0]
        short = status == DeliveryNoteStatus.PARTIALLY_DELIVERED
        return deliver(note, first.quantity_to_deliver - (1 if short else 0), actor=actor)
    if status == DeliveryNoteStatus.CANCELLED:
        return services.delivery_note_cancel(note=note, actor=actor, reason="Customer asked")
    if status == DeliveryNoteStatus.RETURNED:
        return services.delivery_note_mark_returned(
            note=note_in(firm, DeliveryNoteStatus.DELIVERED, actor=actor, **kw), actor=actor)
    return note


# A 2 × 1 px PNG, as the run sheet's canvas sends it.
SIGNATURE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4"
             "nGNkYGD4z8DAwAAABQ0BAeuprCUAAAAASUVORK5CYII=")

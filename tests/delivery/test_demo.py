"""seed_demo's delivery notes: one in every status a note reaches on its own, made through the
services, with carriers, proof, a late one and a backorder, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import DocumentEvent, Firm
from core.services import firm_today
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import DeliveryNote, TrackingEvent
from sales.orders.models import SalesOrder
from sales.orders.services import order_backorder


@pytest.mark.django_db
def test_seed_demo_makes_delivery_notes_in_every_status_once():
    call_command("seed_demo", "--force", stdout=StringIO())
    firm = Firm.objects.get(slug="demo")
    notes = DeliveryNote.objects.filter(firm=firm)
    assert set(notes.values_list("status", flat=True)) == {
        S.DRAFT, S.CONFIRMED, S.PICKING, S.PACKED, S.IN_TRANSIT, S.DELIVERED,
        S.PARTIALLY_DELIVERED, S.CANCELLED}
    assert {"Aramex", "SMSA Express", "Own fleet"} <= set(notes.values_list("carrier",
                                                                            flat=True))
    fleet = notes.filter(carrier="Own fleet", status=S.IN_TRANSIT).get()
    assert fleet.driver.username == "warehouse" and fleet.failed_attempts == 1
    assert fleet.estimated_delivery_date < firm_today(firm=firm)  # late
    delivered = notes.get(status=S.DELIVERED)
    assert delivered.signature.name.endswith(".png") and delivered.photos.count() == 1
    assert delivered.received_by and delivered.notes_ar
    partial = notes.get(status=S.PARTIALLY_DELIVERED)
    assert order_backorder(order=partial.order) == {partial.lines.get().order_line_id: 3}
    assert TrackingEvent.objects.filter(firm=firm, note__status=S.IN_TRANSIT).count() == 2
    assert not notes.filter(latitude__isnull=True).exists()  # each has its map point
    # Made by the services: every move is on the timeline, by the warehouse user.
    moves = DocumentEvent.objects.filter(firm=firm, content_type__model="deliverynote",
                                         action="ship")
    assert moves.count() == 5 and {event.actor.username for event in moves} == {"warehouse"}
    counts = notes.count(), SalesOrder.objects.filter(firm=firm).count()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert (DeliveryNote.objects.filter(firm=firm).count(),
            SalesOrder.objects.filter(firm=firm).count()) == counts

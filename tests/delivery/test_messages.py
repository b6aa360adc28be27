"""The customer's e-mails (shipped with tracking, delivered with the slip) and the late-delivery
notice to the sales person: in the customer's language, once each."""

import datetime

import pytest
from django.core import mail

from core.services import settings_update
from crm.models import Notification
from delivery import services
from delivery.choices import DeliveryNoteStatus as S
from delivery.messages import delivery_note_email_deliver, delivery_notes_flag_late
from delivery.models import DeliveryNote
from delivery.tasks import delivery_notes_flag_late as flag_task
from tests.crm.factories import make_customer

from .factories import advance, deliver, make_note, order_of_ten


@pytest.fixture
def customer(firm):
    return make_customer(firm, email="buyer@example.com")


@pytest.mark.django_db(transaction=True)
def test_shipped_and_delivered_emails_go_once_each(firm, customer):
    settings_update(firm=firm, changes={"documents": {"default_language": "ar"}}, actor=None)
    note = advance(make_note(firm, order=order_of_ten(firm, customer=customer)), S.PACKED)
    mail.outbox.clear()
    shipped = services.delivery_note_ship(note=note, actor=None, carrier="Aramex",
                                          tracking_number="AX-5",
                                          tracking_url="https://track.example/AX-5")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"]
    assert "في الطريق" in message.subject and "https://track.example/AX-5" in message.body
    assert "Dear" not in message.body  # Arabic only, as the firm writes to its customers
    # The task run again sends nothing more.
    assert delivery_note_email_deliver(note=shipped, kind="shipped") is False

    deliver(shipped)
    assert len(mail.outbox) == 2
    delivered = mail.outbox[1]
    assert "تم تسليم" in delivered.subject
    assert delivered.attachments[0][0] == f"{note.number}.pdf"
    assert delivered.attachments[0][1].startswith(b"%PDF")
    assert DeliveryNote.objects.get(pk=note.pk).delivered_email_at is not None


@pytest.mark.django_db
def test_no_email_without_an_address_or_in_the_wrong_state(firm):
    note = advance(make_note(firm), S.PACKED)
    assert delivery_note_email_deliver(note=note, kind="shipped") is False  # not shipped yet


@pytest.mark.django_db
def test_late_notes_notify_the_sales_person_once(firm, users):
    seller = users["sales_person"]
    order = order_of_ten(firm, actor=seller)
    note = advance(make_note(firm, order=order), S.IN_TRANSIT)
    on_time = advance(make_note(firm, order=order_of_ten(firm, actor=seller)), S.IN_TRANSIT)
    DeliveryNote.objects.filter(pk=note.pk).update(
        estimated_delivery_date=datetime.date(2026, 1, 1))
    DeliveryNote.objects.filter(pk=on_time.pk).update(
        estimated_delivery_date=datetime.date(2099, 1, 1))
    assert delivery_notes_flag_late(firm=firm) == [note.pk]
    notice = Notification.objects.get(user=seller, type="delivery_late")
    assert (notice.entity_type, notice.entity_id) == ("delivery_note", note.pk)
    assert note.number in notice.message and note.number in notice.message_ar
    assert flag_task() == 0  # the beat job finds nothing more
    assert Notification.objects.filter(type="delivery_late").count() == 1

"""What delivery tells people: the customer's e-mails when a note is shipped (with its
tracking link) and delivered, and the sales person's notice when a note in transit is past its
estimated date. Each goes once per note: a timestamp on the note is set in the same
transaction as the sending is decided, so a task run twice sends nothing the second time.
"""

import datetime

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import Firm
from core.services import firm_today, record_save, row_lock, settings_read
from crm.choices import NotificationType
from crm.services.notifications import notification_send

from .choices import DeliveryNoteStatus
from .models import DeliveryNote

EMAIL_KINDS = {"shipped": "shipped_email_at", "delivered": "delivered_email_at"}
SUBJECTS = {
    "shipped": ("Your order {order} is on its way ({number})",
                "طلبكم {order} في الطريق إليكم ({number})"),
    "delivered": ("Your order {order} was delivered ({number})",
                  "تم تسليم طلبكم {order} ({number})"),
}


def customer_language(note: DeliveryNote) -> str:
    """The customer's language ("en", "ar" or "both"): theirs when known, else the firm's
    documents.defaultLanguage."""
    language = getattr(note.customer, "language", "") or ""
    return language or settings_read(firm=note.firm).documents.default_language


@transaction.atomic
def delivery_note_email_deliver(*, note: DeliveryNote, kind: str) -> bool:
    """E-mail the customer that the note was shipped or delivered, once (False when already
    sent, when the customer has no address, or when the note is no longer in that state)."""
    field = EMAIL_KINDS[kind]
    locked = row_lock(DeliveryNote.objects.all(), note.pk)
    expected = ([DeliveryNoteStatus.IN_TRANSIT] if kind == "shipped"
                else [DeliveryNoteStatus.DELIVERED, DeliveryNoteStatus.PARTIALLY_DELIVERED])
    to = [address for address in (
        locked.contact.email if locked.contact else "", locked.customer.email) if address][:1]
    if getattr(locked, field) is not None or locked.status not in expected or not to:
        return False
    language = customer_language(locked)
    context = {"note": locked, "kind": kind,
               "customer_name": locked.contact_name or locked.customer_name,
               "customer_name_ar": locked.contact_name or locked.customer_name_ar
               or locked.customer_name,
               "firm_name": locked.firm.name,
               "firm_name_ar": locked.firm.name_ar or locked.firm.name}
    parts = [render_to_string(f"emails/delivery/note_{kind}.{code}.txt", context).strip()
             for code in ("ar", "en") if language in (code, "both")]
    subject_en, subject_ar = (text.format(order=locked.order_number, number=locked.number)
                              for text in SUBJECTS[kind])
    subject = {"en": subject_en, "ar": subject_ar}.get(language, f"{subject_ar} | {subject_en}")
    setattr(locked, field, timezone.now())
    record_save(locked, actor=None, reason=f"{kind} e-mail")
    message = EmailMessage(subject=subject, body="\n\n— — —\n\n".join(parts), to=to)
    if kind == "delivered":
        from .documents import delivery_note_pdf

        message.attach(f"{locked.number}.pdf",
                       delivery_note_pdf(note=locked, language=language), "application/pdf")
    # Sent inside the transaction: a mail server that refuses rolls the timestamp back, and
    # the task retries.
    message.send()
    return True


def delivery_notes_late(*, firm: Firm, today: datetime.date | None = None):
    """Notes in transit whose estimated date has passed (in the firm's time zone)."""
    today = today or firm_today(firm=firm)
    return DeliveryNote.objects.filter(firm=firm, status=DeliveryNoteStatus.IN_TRANSIT,
                                       estimated_delivery_date__lt=today)


@transaction.atomic
def delivery_notes_flag_late(*, firm: Firm, today: datetime.date | None = None) -> list[int]:
    """Flag notes in transit past their estimated date and notify the order's sales person
    (else whoever entered the order), once per note. Returns the flagged notes' ids."""
    flagged = []
    notes = delivery_notes_late(firm=firm, today=today).filter(late_notified_at__isnull=True)
    for note in notes.select_for_update(skip_locked=True, of=("self",)).select_related(
            "order__sales_person__user", "order__created_by"):
        order = note.order
        person = order.sales_person.user if order.sales_person_id else order.created_by
        note.late_notified_at = timezone.now()
        record_save(note, actor=None, reason="late")
        flagged.append(note.pk)
        if person is None:
            continue
        day = note.estimated_delivery_date.isoformat()
        notification_send(
            user=person, type=NotificationType.DELIVERY_LATE,
            title=f"Delivery {note.number} is late",
            title_ar=f"التسليم {note.number} متأخر",
            message=f"{note.number} for {note.customer_name} (order {note.order_number}) was "
                    f"expected on {day} and is still in transit.",
            message_ar=f"كان متوقعًا تسليم {note.number} إلى "
                       f"{note.customer_name_ar or note.customer_name} (الطلب "
                       f"{note.order_number}) في {day} وما زال في الطريق.",
            entity_type="delivery_note", entity_id=note.pk)
    return flagged

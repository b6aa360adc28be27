"""Celery tasks of delivery: thin, each calling a service (architecture §5.1, §5.7)."""

from celery import shared_task


# A mail server that is down for a while is tried again with growing waits (as sales' quote
# e-mails are); the note's timestamp makes a retry after success send nothing.
@shared_task(name="delivery.tasks.delivery_note_email_send", autoretry_for=(OSError,),
             retry_backoff=30, retry_backoff_max=600, max_retries=6, retry_jitter=False)
def delivery_note_email_send(note_id: int, kind: str) -> bool:
    from .messages import delivery_note_email_deliver
    from .models import DeliveryNote

    note = DeliveryNote.objects.filter(pk=note_id).first()
    return note is not None and delivery_note_email_deliver(note=note, kind=kind)


@shared_task(name="delivery.tasks.delivery_notes_flag_late")
def delivery_notes_flag_late() -> int:
    """Hourly: notes in transit past their estimated date, flagged and notified once."""
    from core.models import Firm

    from .messages import delivery_notes_flag_late as flag

    return sum(len(flag(firm=firm)) for firm in Firm.objects.filter(is_active=True))

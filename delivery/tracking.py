"""Carrier tracking: manual updates (`PUT /delivery-notes/:id/tracking`) and the carriers'
webhook (`POST /delivery-notes/tracking-events`).

The webhook is signed: the carrier sends `X-Firm` (the firm's slug) and `X-Signature`
(`sha256=` + the hex HMAC-SHA256 of the raw body under the firm's secret). A bad or missing
signature is refused before anything is read or stored. Each event carries the carrier's own
`eventId`: one seen before changes nothing (a replay answers as the first time did). A
carrier's status only moves a note forward: `picked_up`, `in_transit` and `out_for_delivery`
ship a packed note, `delivered` delivers a note in transit (its receiver from the event),
`failed_attempt` returns it to packed; an event that would move it back is stored and shown on
the timeline, and changes nothing else.
"""

import hashlib
import hmac
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.models import Firm, User
from core.services import document_event_record, record_save, row_lock, settings_read

from .choices import TRACKING_RANK, DeliveryNoteStatus, FailureReason, TrackingStatus
from .errors import DeliveryErrorCode
from .models import CarrierWebhookSecret, DeliveryNote, TrackingEvent
from .services import (
    delivery_note_deliver,
    delivery_note_fail_attempt,
    delivery_note_ship,
)

SHIPPING_STATUSES = {TrackingStatus.PICKED_UP, TrackingStatus.IN_TRANSIT,
                     TrackingStatus.OUT_FOR_DELIVERY}
TRACKING_FIELDS = {"carrier", "carrier_service", "tracking_number", "tracking_url",
                   "estimated_delivery_date"}


class InvalidSignature(ApplicationError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__(code=DeliveryErrorCode.INVALID_SIGNATURE,
                         message=_("The request's signature is missing or wrong."))


def webhook_secret(*, firm: Firm) -> CarrierWebhookSecret:
    """The firm's webhook secret, made on first use."""
    return CarrierWebhookSecret.objects.get_or_create(firm=firm)[0]


def webhook_secret_rotate(*, firm: Firm, actor: User | None) -> CarrierWebhookSecret:
    """A new secret: carriers signing with the old one are refused from now on."""
    secret = webhook_secret(firm=firm)
    secret.secret = CarrierWebhookSecret._meta.get_field("secret").get_default()
    secret.save()
    return secret


def webhook_signature(*, secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_firm(*, slug: str, body: bytes, signature: str) -> Firm:
    """The firm that signed this body (401 `invalid_signature` for any doubt: an unknown firm
    answers as a wrong signature does, so the webhook tells nobody which firms exist)."""
    firm = Firm.objects.filter(slug=slug or "", is_active=True).first()
    secret = CarrierWebhookSecret.objects.filter(firm=firm).first() if firm else None
    expected = webhook_signature(secret=secret.secret if secret else "", body=body)
    if secret is None or not hmac.compare_digest(expected, signature or ""):
        raise InvalidSignature()
    return firm


@transaction.atomic
def tracking_event_receive(*, firm: Firm, body: bytes) -> tuple[TrackingEvent, bool]:
    """Store a signed carrier event and move its note forward if it can (module docstring).
    The note is the firm's note with that `deliveryNoteId`, else `trackingNumber` (404
    otherwise, whichever firm has it). Returns the event and whether it is new."""
    from rest_framework.exceptions import ValidationError as ApiValidationError

    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiValidationError({"body": [_("Send a JSON object.")]}) from None
    if not isinstance(payload, dict):
        raise ApiValidationError({"body": [_("Send a JSON object.")]})
    errors = {}
    event_id = str(payload.get("eventId") or "").strip()[:100]
    status = payload.get("status")
    occurred_at = parse_datetime(str(payload.get("occurredAt") or "")) or None
    if not event_id:
        errors["eventId"] = [_("This field is required.")]
    if status not in TrackingStatus.values:
        errors["status"] = [_("Not a known carrier status.")]
    if payload.get("occurredAt") and occurred_at is None:
        errors["occurredAt"] = [_("Enter a date and time.")]
    if errors:
        raise ApiValidationError(errors)
    notes = DeliveryNote.objects.filter(firm=firm)
    if payload.get("deliveryNoteId"):
        note = get_object_or_404(notes, pk=_int(payload["deliveryNoteId"]))
    else:
        note = get_object_or_404(notes, tracking_number=str(payload.get("trackingNumber")
                                                             or "-"))
    seen = TrackingEvent.objects.filter(firm=firm, event_id=event_id).first()
    if seen is not None:
        return seen, False
    try:
        with transaction.atomic():
            event = TrackingEvent.objects.create(
                firm=firm, note=note, event_id=event_id, status=status,
                description=str(payload.get("description") or "")[:300],
                location=str(payload.get("location") or "")[:200],
                occurred_at=occurred_at or timezone.now(), payload=payload)
    except IntegrityError:
        # The same event arrived twice at once: the other request stored it.
        return TrackingEvent.objects.get(firm=firm, event_id=event_id), False
    event.applied = _apply(note, event, payload)
    event.save(update_fields=["applied"])
    return event, True


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _apply(note: DeliveryNote, event: TrackingEvent, payload: dict) -> bool:
    """Move the note as the event says, if that is forward (module docstring)."""
    locked = row_lock(DeliveryNote.objects.all(), note.pk)
    current = TRACKING_RANK.get(locked.tracking_status, -1)
    status = event.status
    moves_back = TRACKING_RANK[status] <= current and status != TrackingStatus.FAILED_ATTEMPT
    details = {"event_id": event.event_id, "carrier_status": status,
               "description": event.description, "location": event.location}
    document_event_record(instance=locked, action="tracking", actor=None,
                          from_status=locked.status, to_status=locked.status,
                          details={**details, "ignored": moves_back})
    if moves_back:
        return False
    if status in SHIPPING_STATUSES and locked.status == DeliveryNoteStatus.PACKED:
        locked = delivery_note_ship(note=locked, actor=None, reason=event.description)
    elif status == TrackingStatus.FAILED_ATTEMPT:
        if locked.status != DeliveryNoteStatus.IN_TRANSIT:
            return False
        reason = payload.get("failureReason")
        delivery_note_fail_attempt(
            note=locked, actor=None, reason=event.description,
            failure_reason=reason if reason in FailureReason.values else FailureReason.OTHER)
        return True  # the note is packed again; its tracking status starts over
    elif status == TrackingStatus.DELIVERED and locked.status == DeliveryNoteStatus.IN_TRANSIT:
        if not _carrier_proof_enough(locked, payload):
            _tracking_status_set(locked, status)
            return False
        locked = delivery_note_deliver(
            note=locked, actor=None, received_by=str(payload.get("receivedBy") or "")[:150],
            delivered_at=event.occurred_at, idempotency_key=f"carrier:{event.event_id}",
            notes=event.description, carrier_proof=True)
    elif locked.status not in (DeliveryNoteStatus.PACKED, DeliveryNoteStatus.IN_TRANSIT):
        return False
    _tracking_status_set(locked, status)
    return True


def _carrier_proof_enough(note: DeliveryNote, payload: dict) -> bool:
    """A carrier's "delivered" is proof enough unless the firm requires a receiver's name (a
    carrier's scan gives no signature: the name it reports stands for it)."""
    if not settings_read(firm=note.firm).delivery.require_delivery_confirmation:
        return True
    return bool(str(payload.get("receivedBy") or "").strip())


def _tracking_status_set(note: DeliveryNote, status: str) -> None:
    locked = row_lock(DeliveryNote.objects.all(), note.pk)
    locked.tracking_status = status
    record_save(locked, actor=None, reason="tracking")


@transaction.atomic
def delivery_note_tracking_update(*, note: DeliveryNote, actor: User | None,
                                  status: str = "", description: str = "", location: str = "",
                                  **fields: Any) -> DeliveryNote:
    """`PUT /:id/tracking`: carrier, service, tracking number and link, estimated date typed
    by staff on a note not delivered or cancelled; with a carrier `status` too, stored as an
    event like a carrier's (and applied forward only)."""
    from .services import OPEN_STATUSES, delivery_note_update

    unknown = set(fields) - TRACKING_FIELDS
    if unknown:
        raise ApplicationError(code="validation_error", message=_("Invalid input."), details={
            name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    if note.status not in OPEN_STATUSES:
        return delivery_note_update(note=note, actor=actor, **fields)  # refuses, 409
    updated = delivery_note_update(note=note, actor=actor, **fields) if fields else note
    document_event_record(instance=updated, action="tracking_updated", actor=actor,
                          from_status=updated.status, to_status=updated.status,
                          details={name: str(value) for name, value in fields.items()})
    if status:
        event = TrackingEvent.objects.create(
            firm_id=updated.firm_id, note=updated, source="staff", status=status,
            event_id=f"staff:{updated.pk}:{timezone.now().timestamp()}",
            description=description[:300], location=location[:200],
            occurred_at=timezone.now(), payload={"status": status})
        event.applied = _apply(updated, event, {"receivedBy": ""})
        event.save(update_fields=["applied"])
    return DeliveryNote.objects.get(pk=updated.pk)

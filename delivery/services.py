"""Delivery notes: create from a sales order, edit, confirm, pick, pack, ship, deliver with
proof, record failed attempts, cancel, and the carriers' tracking (business-rules §6, §7).

Quantities: a note plans, for some lines of one order, at most what remains of each line
(ordered − short-closed − delivered − planned on the order's other open notes), checked under
the order's and its lines' locks so two notes made at once never plan the same units.
Delivering writes the order lines' delivered quantities through
sales.orders.services.order_lines_count (the one seam that moves them, under the same locks)
in the note's transaction, so the order's progress and status follow at once and two notes
delivered at once never push a line past what was ordered.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, Conflict, InvalidTransition
from core.models import Firm, User
from core.money import quantity_text
from core.services import (
    document_event_record,
    document_transition,
    firm_today,
    record_save,
    row_lock,
    rows_lock,
    same_firm,
    sequence_next,
    settings_read,
    transition_targets,
)
from sales.orders.choices import ORDER_PROGRESS_STATUSES, SalesOrderStatus
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.orders.services import (
    QuantityExceedsRemaining,
    address_snapshot,
    order_close_remaining,
    order_line_rows_check,
    order_lines_count,
    order_progress_update,
)

from .choices import (
    CANCELLABLE_STATUSES,
    DONE_STATUSES,
    OPEN_STATUSES,
    DeliveryNoteStatus,
    FailureReason,
)
from .errors import DeliveryErrorCode
from .models import DeliveryNote, DeliveryNoteLine, DeliveryPhoto
from .proof import image_reencode

ZERO = Decimal("0")
STEP = Decimal("0.0001")

# What callers may set on a note; number, status, quantities delivered, dates of shipping
# and delivery, proof and counters are the services' and refused rather than ignored.
NOTE_FIELDS = {
    "delivery_date", "shipping_address", "contact", "contact_name", "contact_phone",
    "carrier", "carrier_service", "tracking_number", "tracking_url", "shipping_method",
    "shipping_cost", "weight", "weight_unit", "length", "width", "height", "dimension_unit",
    "number_of_packages", "scheduled_date", "estimated_delivery_date", "vehicle_plate",
    "driver", "driver_name", "driver_phone", "notes", "notes_ar", "internal_notes",
    "special_instructions", "invoice",
}
# What may still change once the note left draft (the lines may not): logistics and texts.
OPEN_NOTE_FIELDS = NOTE_FIELDS - {"shipping_address", "delivery_date"}
LINE_FIELDS = ("warehouse", "serial_numbers", "batch_number", "notes")
# Who the order accepts notes from: confirmed, and not on hold, cancelled or complete.
DELIVERABLE_ORDER_STATUSES = [status for status in ORDER_PROGRESS_STATUSES
                              if status != SalesOrderStatus.COMPLETED]


# --- errors ---------------------------------------------------------------------------------


class OrderNotDeliverable(Conflict):
    def __init__(self, *, order: SalesOrder) -> None:
        super().__init__(code=DeliveryErrorCode.ORDER_NOT_DELIVERABLE,
                         details={"order_status": order.status}, message=_(
            "Only a confirmed sales order that is not on hold can be delivered."))


class NothingToDeliver(Conflict):
    def __init__(self) -> None:
        super().__init__(code=DeliveryErrorCode.NOTHING_TO_DELIVER, message=_(
            "Everything on this sales order is delivered, closed or already on a delivery "
            "note."))


class DeliveryConfirmationRequired(ApplicationError):
    def __init__(self, *, missing: dict) -> None:
        super().__init__(code=DeliveryErrorCode.DELIVERY_CONFIRMATION_REQUIRED,
                         details=missing, message=_(
            "Proof of delivery is required: the name of the person who received the goods "
            "and their signature or a photo."))


def _not_draft(code: str, message) -> Conflict:
    return Conflict(code=code, message=message)


# --- quantities -----------------------------------------------------------------------------


def order_lines_planned(order: SalesOrder, *, exclude: DeliveryNote | None = None
                        ) -> dict[int, Decimal]:
    """Order line id → quantity planned on the order's open notes (but `exclude`)."""
    rows = DeliveryNoteLine.objects.filter(note__order_id=order.pk,
                                           note__status__in=OPEN_STATUSES)
    if exclude is not None:
        rows = rows.exclude(note_id=exclude.pk)
    return {row["order_line_id"]: row["planned"] for row in rows.values(
        "order_line_id").annotate(planned=Sum("quantity_to_deliver"))}


def order_deliverable_quantities(*, order: SalesOrder, exclude: DeliveryNote | None = None
                                 ) -> dict[int, Decimal]:
    """Order line id → what a new note may still plan (business-rules §7): ordered −
    short-closed − delivered − planned on the order's other open notes, never below 0."""
    planned = order_lines_planned(order, exclude=exclude)
    return {line.pk: max(line.remaining_quantity - planned.get(line.pk, ZERO), ZERO)
            for line in order.lines.all()}


def order_has_open_note(order: SalesOrder) -> bool:
    """Registered with core.registry: a confirmed order with an open note is in progress."""
    return DeliveryNote.objects.filter(order_id=order.pk, status__in=OPEN_STATUSES).exists()


def order_open_notes(order: SalesOrder) -> list[dict]:
    """Registered with core.registry: open notes stop the order from being cancelled."""
    return [{"type": "delivery_note", "id": pk, "number": number}
            for pk, number in DeliveryNote.objects.filter(
                order_id=order.pk, status__in=OPEN_STATUSES).values_list("pk", "number")]


def _planned_lines(rows: list[dict] | None, order_lines: dict[int, SalesOrderLine],
                   remaining: dict[int, Decimal]) -> list[tuple[SalesOrderLine, Decimal, dict]]:
    """The caller's `[{order_line_id, quantity, warehouse, …}]` checked against what remains
    (400 `quantity_exceeds_remaining`, details `lines.N.quantity`), or every remaining
    quantity when no rows are given: (order line, quantity, the line's other fields) each."""
    if rows is None:
        chosen = [(line, remaining[pk], {}) for pk, line in order_lines.items()
                  if remaining[pk] > 0]
        if not chosen:
            raise NothingToDeliver()
        return chosen
    return [(line, quantity, {name: row[name] for name in LINE_FIELDS if name in row})
            for line, quantity, row in order_line_rows_check(
                rows=rows, order_lines=order_lines, remaining=remaining,
                empty_message=_("Give at least one line to deliver."),
                exceeded_message=_("At most %(remaining)s remains to be delivered."))]


def _check_partial(chosen, remaining: dict[int, Decimal], *, settings) -> None:
    """With partial delivery off (orders or delivery settings), a note takes all that is left."""
    if settings.delivery.allow_partial_delivery and settings.orders.allow_partial_delivery:
        return
    taken = {line.pk: quantity for line, quantity, _extra in chosen}
    if any(taken.get(pk, ZERO) < quantity for pk, quantity in remaining.items()):
        raise ApplicationError(code=DeliveryErrorCode.PARTIAL_DELIVERY_NOT_ALLOWED, message=_(
            "This firm delivers an order whole: one note with every remaining quantity."))


def _note_lines(note: DeliveryNote, chosen) -> list[DeliveryNoteLine]:
    lines = []
    for position, (order_line, quantity, extra) in enumerate(chosen):
        line = DeliveryNoteLine(
            firm_id=note.firm_id, note=note, order_line=order_line, position=position,
            product_id=order_line.product_id, description=order_line.description,
            description_ar=order_line.description_ar, unit=order_line.unit,
            quantity_ordered=order_line.quantity, quantity_to_deliver=quantity, **extra)
        line.full_clean(exclude=["note", "order_line", "product"])
        lines.append(line)
    return lines


# --- create, edit, delete -------------------------------------------------------------------


def _lock_order(order: SalesOrder) -> tuple[SalesOrder, dict[int, SalesOrderLine]]:
    """The order and its lines, locked in the order every quantity writer locks them."""
    locked = row_lock(SalesOrder.all_objects.all(), order.pk)
    lines = {line.pk: line for line in rows_lock(SalesOrderLine.objects.filter(order=locked))}
    return locked, lines


def _fill_from_order(note: DeliveryNote, order: SalesOrder, *, given: set[str],
                     settings) -> None:
    note.order_number = order.number
    note.customer_id = order.customer_id
    note.customer_name = order.customer_name or order.customer.name
    note.customer_name_ar = order.customer_name_ar or order.customer.name_ar
    if "shipping_address" not in given:
        note.shipping_address = order.shipping_address
    if "contact" not in given and "contact_name" not in given:
        note.contact = order.contact
        note.contact_name = order.contact_name or (order.contact.name if order.contact else "")
    if note.contact is not None and not note.contact_phone:
        note.contact_phone = note.contact.phone
    if "shipping_method" not in given:
        note.shipping_method = (order.shipping_method
                                or settings.delivery.default_shipping_method)
    if "carrier" not in given:
        note.carrier = settings.delivery.default_carrier
    if "special_instructions" not in given:
        note.special_instructions = order.delivery_instructions
    if "scheduled_date" not in given:
        note.scheduled_date = order.requested_delivery_date
    if "estimated_delivery_date" not in given:
        note.estimated_delivery_date = order.expected_delivery_date


def _fill_address(note: DeliveryNote) -> None:
    """The shipping address as planned, with its coordinates (the run sheet's map link)."""
    address = note.shipping_address
    if address is not None and address.customer_id != note.customer_id:
        raise ValidationError({"shipping_address": [_("Not an address of this customer.")]})
    note.shipping_address_snapshot = {**address_snapshot(address), **(
        {"latitude": str(address.latitude) if address.latitude is not None else None,
         "longitude": str(address.longitude) if address.longitude is not None else None}
        if address else {})}
    note.latitude = address.latitude if address else None
    note.longitude = address.longitude if address else None


def _set_fields(note: DeliveryNote, fields: dict[str, Any], *, allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    for name, value in fields.items():
        setattr(note, name, "" if value is None and name in TEXT_FIELDS else value)
    same_firm(note.firm_id, shipping_address=note.shipping_address, contact=note.contact,
              invoice=note.invoice)
    if note.driver_id is not None and note.driver.firm_id != note.firm_id:
        raise ValidationError({"driver": [_("Not a user of this firm.")]})
    if note.invoice_id is not None and note.invoice.order_id != note.order_id:
        raise ValidationError({"invoice": [_("Not an invoice of this sales order.")]})
    if note.contact_id is not None and note.contact.customer_id != note.customer_id:
        raise ValidationError({"contact": [_("Not a contact of this customer.")]})
    if note.driver_id is not None and not note.driver_name:
        note.driver_name = note.driver.get_full_name() or note.driver.username


TEXT_FIELDS = {name for name in NOTE_FIELDS
               if DeliveryNote._meta.get_field(name).get_internal_type() in
               ("CharField", "TextField", "URLField")}


@transaction.atomic
def delivery_note_create(*, firm: Firm, actor: User | None, order: SalesOrder,
                         lines: list[dict] | None = None, **fields: Any) -> DeliveryNote:
    """A draft note for a confirmed order (409 `order_not_deliverable` otherwise): by default
    each line's remaining quantity (business-rules §7), or the caller's
    `[{order_line_id, quantity, warehouse, serial_numbers, batch_number, notes}]`, each at
    most what remains (400 `quantity_exceeds_remaining`); with partial delivery off, every
    remaining quantity at once (400 `partial_delivery_not_allowed`). The customer, contact,
    address, carrier and dates come from the order and the firm's delivery settings unless
    given. The order moves to in progress (it has an open note)."""
    if order.firm_id != firm.pk:
        raise ValidationError({"order": [_("Not a sales order of this firm.")]})
    locked, order_lines = _lock_order(order)
    if locked.deleted_at is not None or locked.status not in DELIVERABLE_ORDER_STATUSES:
        raise OrderNotDeliverable(order=locked)
    settings = settings_read(firm=firm)
    remaining = order_deliverable_quantities(order=locked)
    chosen = _planned_lines(lines, order_lines, remaining)
    _check_partial(chosen, remaining, settings=settings)

    note = DeliveryNote(firm=firm, order=locked, created_by=actor, updated_by=actor,
                        delivery_date=firm_today(firm=firm))
    _fill_from_order(note, locked, given=set(fields), settings=settings)
    _set_fields(note, fields, allowed=NOTE_FIELDS)
    _fill_address(note)
    note.number = sequence_next(firm=firm, document_type="delivery", date=note.delivery_date)
    note.full_clean(exclude=["order", "customer"])
    record_save(note, actor=actor, reason="created")
    DeliveryNoteLine.objects.bulk_create(_note_lines(note, chosen))
    document_event_record(instance=note, action="created", actor=actor,
                          to_status=note.status, details={"order": locked.number})
    order_progress_update(order=locked, actor=actor, has_open_delivery=True)
    return note


def _lock(note: DeliveryNote) -> DeliveryNote:
    return row_lock(DeliveryNote.objects.all(), note.pk)


@transaction.atomic
def delivery_note_update(*, note: DeliveryNote, actor: User | None,
                         lines: list[dict] | None = None, **fields: Any) -> DeliveryNote:
    """Edit a note: a draft's lines and every field; an open note's logistics and texts (409
    `delivery_note_not_editable` once delivered or cancelled, or for lines after draft).
    New lines replace the old ones, checked against what remains without this note."""
    locked = _lock(note)
    if locked.status not in OPEN_STATUSES:
        raise _not_draft(DeliveryErrorCode.DELIVERY_NOTE_NOT_EDITABLE,
                         _("A delivered or cancelled delivery note cannot be changed."))
    is_draft = locked.status == DeliveryNoteStatus.DRAFT
    if lines is not None and not is_draft:
        raise _not_draft(DeliveryErrorCode.DELIVERY_NOTE_NOT_EDITABLE,
                         _("Only a draft delivery note's lines can be changed."))
    _set_fields(locked, fields, allowed=NOTE_FIELDS if is_draft else OPEN_NOTE_FIELDS)
    if "shipping_address" in fields:
        _fill_address(locked)
    locked.full_clean(exclude=["order", "customer"])
    if lines is not None:
        order, order_lines = _lock_order(locked.order)
        remaining = order_deliverable_quantities(order=order, exclude=locked)
        chosen = _planned_lines(lines, order_lines, remaining)
        _check_partial(chosen, remaining, settings=settings_read(firm=locked.firm))
        locked.lines.all().delete()
        DeliveryNoteLine.objects.bulk_create(_note_lines(locked, chosen))
    locked.updated_by = actor
    return record_save(locked, actor=actor, reason="updated")


@transaction.atomic
def delivery_note_delete(*, note: DeliveryNote, actor: User | None) -> None:
    """Delete a draft (409 `delivery_note_not_deletable` otherwise: cancel it instead); its
    planned quantities are free again and the order's status follows."""
    locked = _lock(note)
    if locked.status != DeliveryNoteStatus.DRAFT:
        raise _not_draft(DeliveryErrorCode.DELIVERY_NOTE_NOT_DELETABLE,
                         _("Only a draft delivery note can be deleted. Cancel it instead."))
    order = locked.order
    locked._history_user = actor
    locked._change_reason = "deleted"
    locked.delete()
    order_progress_update(order=order, actor=actor)


# --- the state machine (business-rules §7) ------------------------------------------------


def delivery_note_available_actions(*, document: DeliveryNote, user: User | None = None
                                    ) -> list[str]:
    """The note's actions possible now (delivery.actions declares them; the kit adds the
    permission): the state machine's moves, and shipping only while the order is not on
    hold."""
    targets = transition_targets(document)
    actions = [name for name in ("confirm", "pick", "pack", "ship", "deliver",
                                 "fail_attempt", "cancel") if name in targets]
    if "ship" in actions and document.order.status == SalesOrderStatus.ON_HOLD:
        actions.remove("ship")
    return actions


def delivery_note_allowed_targets(*, note: DeliveryNote) -> list[str]:
    """The statuses the note may move to now (a refusal's `allowed`)."""
    return sorted(set(transition_targets(note).values()))


def _location(latitude: Decimal | None, longitude: Decimal | None) -> dict:
    """Where the action was taken (the driver's device), for the timeline; both or none."""
    if latitude is None or longitude is None:
        return {}
    return {"latitude": str(latitude), "longitude": str(longitude)}


def _move(note: DeliveryNote, transition: str, *, actor: User | None, reason: str = "",
          details: dict | None = None, latitude: Decimal | None = None,
          longitude: Decimal | None = None, **kwargs: Any) -> DeliveryNote:
    return document_transition(instance=note, transition=transition, actor=actor,
                               reason=reason, details={**(details or {}),
                                                       **_location(latitude, longitude)},
                               **kwargs)


@transaction.atomic
def delivery_note_confirm(*, note: DeliveryNote, actor: User | None, reason: str = "",
                          latitude: Decimal | None = None,
                          longitude: Decimal | None = None) -> DeliveryNote:
    """draft → confirmed: the note is ready for the warehouse."""
    return _move(note, "confirm", actor=actor, reason=reason, latitude=latitude,
                 longitude=longitude)


@transaction.atomic
def delivery_note_pick(*, note: DeliveryNote, actor: User | None, reason: str = "",
                       latitude: Decimal | None = None,
                       longitude: Decimal | None = None) -> DeliveryNote:
    """confirmed → picking: someone is taking the goods off the shelves."""
    return _move(note, "pick", actor=actor, reason=reason, latitude=latitude,
                 longitude=longitude)


@transaction.atomic
def delivery_note_pack(*, note: DeliveryNote, actor: User | None, reason: str = "",
                       latitude: Decimal | None = None, longitude: Decimal | None = None,
                       **parcel: Any) -> DeliveryNote:
    """picking → packed, with the parcel's weight, dimensions and number of packages."""
    unknown = set(parcel) - {"weight", "weight_unit", "length", "width", "height",
                             "dimension_unit", "number_of_packages"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    parcel = {name: value for name, value in parcel.items() if value is not None}
    return _move(note, "pack", actor=actor, reason=reason, latitude=latitude,
                 longitude=longitude, details={name: str(value) for name, value in
                                               parcel.items()}, **parcel)


@transaction.atomic
def delivery_note_ship(*, note: DeliveryNote, actor: User | None, reason: str = "",
                       latitude: Decimal | None = None, longitude: Decimal | None = None,
                       **shipping: Any) -> DeliveryNote:
    """packed → in_transit (also again after a failed attempt): the carrier, tracking number
    and link, estimated date, vehicle and driver as given; not while the order is on hold
    (409 `order_not_deliverable`). The customer is e-mailed the tracking link after commit."""
    locked = _lock(note)
    order = row_lock(SalesOrder.all_objects.all(), locked.order_id)
    if order.status == SalesOrderStatus.ON_HOLD or order.deleted_at is not None:
        raise OrderNotDeliverable(order=order)
    allowed = {"carrier", "carrier_service", "tracking_number", "tracking_url",
               "estimated_delivery_date", "vehicle_plate", "driver", "driver_name",
               "driver_phone", "shipping_method"}
    shipping = {name: value for name, value in shipping.items() if value not in (None, "")}
    _set_fields(locked, shipping, allowed=allowed)
    moved = _move(locked, "ship", actor=actor, reason=reason, latitude=latitude,
                  longitude=longitude, details={name: str(value) for name, value in
                                                shipping.items()},
                  **{name: getattr(locked, name) for name in (*shipping, "driver_name")},
                  tracking_status="")
    _after_commit_email(moved, "shipped")
    return moved


@transaction.atomic
def delivery_note_deliver(*, note: DeliveryNote, actor: User | None,
                          received_by: str = "", received_by_title: str = "",
                          signature: Any = None, photos: list | tuple = (),
                          delivered_at: Any = None, notes: str = "",
                          lines: dict[int, Decimal] | None = None,
                          idempotency_key: str = "", latitude: Decimal | None = None,
                          longitude: Decimal | None = None,
                          carrier_proof: bool = False) -> DeliveryNote:
    """in_transit → delivered, or partially_delivered when less than planned arrived
    (business-rules §7). `lines` {note line id: quantity delivered} (at most what the line
    planned: 400 `quantity_exceeds_remaining`), else everything planned. With the firm's
    `delivery.requireDeliveryConfirmation` a receiver's name and a signature or a photo (new
    or uploaded before) are required (400 `delivery_confirmation_required`). The order lines'
    delivered quantities, the order's progress and status move in this transaction; with
    backorders off the shortfall is short-closed at once. The same request again (same
    `idempotency_key`) answers the note as delivered and records nothing more.
    `carrier_proof`: the carrier's own proof of delivery stands for the signature (its webhook
    reports who received the parcel; delivery.tracking)."""
    locked = _lock(note)
    key = (idempotency_key or "").strip()[:80]
    if key and locked.delivery_key == key and locked.status in DONE_STATUSES:
        return locked
    if locked.status != DeliveryNoteStatus.IN_TRANSIT:
        raise InvalidTransition(source=locked.status, target=DeliveryNoteStatus.DELIVERED,
                                allowed=delivery_note_allowed_targets(note=locked))
    settings = settings_read(firm=locked.firm)
    received_by = (received_by or "").strip()
    note_lines = {line.pk: line for line in rows_lock(locked.lines.all())}
    delivered = _delivered_quantities(lines, note_lines)

    proof: dict[str, Any] = {}
    if signature:
        proof["signature"] = image_reencode(signature, field="signature", kind="signature")
    new_photos = [image_reencode(photo, field=f"photos.{index}", kind="photo")
                  for index, photo in enumerate(photos or ())]
    if settings.delivery.require_delivery_confirmation:
        missing = {}
        if not received_by:
            missing["received_by"] = [_("Enter the name of the person who received the goods.")]
        if not (carrier_proof or proof or locked.signature or new_photos
                or locked.photos.exists()):
            missing["signature"] = [_("Add the receiver's signature or a photo of the "
                                      "delivery.")]
        if missing:
            raise DeliveryConfirmationRequired(missing=missing)
    if "signature" in proof:
        locked.signature.save(proof["signature"].name, proof["signature"], save=False)
    for photo in new_photos:
        row = DeliveryPhoto(firm_id=locked.firm_id, note=locked, uploaded_by=actor)
        row.image.save(photo.name, photo, save=False)
        row.save()

    for pk, quantity in delivered.items():
        DeliveryNoteLine.objects.filter(pk=pk).update(quantity_delivered=quantity)
    in_full = all(delivered[pk] == line.quantity_to_deliver for pk, line in note_lines.items())
    target = DeliveryNoteStatus.DELIVERED if in_full else DeliveryNoteStatus.PARTIALLY_DELIVERED
    when = delivered_at or timezone.now()
    # A few minutes' grace for a phone's clock running ahead.
    if when > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"delivered_at": [_("The delivery time cannot be in the "
                                                  "future.")]})
    moved = _move(locked, "deliver", actor=actor, reason=notes, latitude=latitude,
                  longitude=longitude, target=target, received_by=received_by,
                  received_by_title=(received_by_title or "").strip(),
                  actual_delivery_date=when, delivery_key=key, signature=locked.signature,
                  details={"received_by": received_by, "photos": len(new_photos),
                           "lines": {str(pk): quantity_text(q)
                                     for pk, q in delivered.items()}})
    by_order_line = {note_lines[pk].order_line_id: quantity
                     for pk, quantity in delivered.items() if quantity > 0}
    order = order_lines_count(order=moved.order, field="delivered_quantity",
                              quantities=by_order_line, sign=1, actor=actor)
    shortfall = {line.order_line_id: line.quantity_to_deliver - delivered[pk]
                 for pk, line in note_lines.items() if delivered[pk] < line.quantity_to_deliver}
    if shortfall and not settings.orders.allow_backorders:
        order_close_remaining(order=order, actor=actor, lines=shortfall, reason=str(_(
            "Backorders are not allowed: closed when %(note)s was delivered short.")
            % {"note": moved.number}))
    _after_commit_email(moved, "delivered")
    return moved


def _delivered_quantities(lines: dict[int, Decimal] | None,
                          note_lines: dict[int, DeliveryNoteLine]) -> dict[int, Decimal]:
    if lines is None:
        return {pk: line.quantity_to_deliver for pk, line in note_lines.items()}
    errors, exceeded = {}, {}
    for pk, quantity in lines.items():
        line = note_lines.get(pk)
        if line is None:
            errors[f"lines.{pk}"] = [_("Not a line of this delivery note.")]
        elif quantity < 0 or quantity != quantity.quantize(STEP):
            errors[f"lines.{pk}.quantity"] = [_("Enter a quantity of 0 or more (at most 4 "
                                                "decimal places).")]
        elif quantity > line.quantity_to_deliver:
            exceeded[f"lines.{pk}.quantity"] = [
                _("At most %(remaining)s was planned on this note.")
                % {"remaining": quantity_text(line.quantity_to_deliver)}]
    if errors:
        raise ValidationError(errors)
    if exceeded:
        raise QuantityExceedsRemaining(details=exceeded, message=_(
            "A quantity is more than what this delivery note planned."))
    delivered = {pk: lines.get(pk, ZERO) for pk in note_lines}
    if not any(delivered.values()):
        raise ApplicationError(code=DeliveryErrorCode.NOTHING_DELIVERED, message=_(
            "Nothing was delivered: record a failed attempt instead."))
    return delivered


@transaction.atomic
def delivery_note_fail_attempt(*, note: DeliveryNote, actor: User | None,
                               failure_reason: str, reason: str = "",
                               latitude: Decimal | None = None,
                               longitude: Decimal | None = None) -> DeliveryNote:
    """in_transit → packed: the attempt failed (not home, refused, wrong address, …); the
    note counts it and can be shipped again."""
    if failure_reason not in FailureReason.values:
        raise ValidationError({"failure_reason": [_("Choose why the attempt failed.")]})
    return _move(note, "fail_attempt", actor=actor, reason=reason, latitude=latitude,
                 longitude=longitude, details={"failure_reason": failure_reason})


@transaction.atomic
def delivery_note_cancel(*, note: DeliveryNote, actor: User | None, reason: str
                         ) -> DeliveryNote:
    """draft, confirmed, picking or packed → cancelled, with a reason: its planned
    quantities are free again and the order's status follows."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the delivery is cancelled.")})
    locked = _lock(note)
    if locked.status not in CANCELLABLE_STATUSES:
        raise InvalidTransition(source=locked.status, target=DeliveryNoteStatus.CANCELLED,
                                allowed=delivery_note_allowed_targets(note=locked))
    moved = _move(locked, "cancel", actor=actor, reason=reason, cancellation_reason=reason,
                  by=actor)
    order_progress_update(order=moved.order, actor=actor)
    return moved


@transaction.atomic
def delivery_note_mark_returned(*, note: DeliveryNote, actor: User | None,
                                reason: str = "") -> DeliveryNote:
    """delivered / partially_delivered → returned, when a return is received against every
    delivered line of the note (the returns app calls this)."""
    return _move(note, "mark_returned", actor=actor, reason=reason)


def _after_commit_email(note: DeliveryNote, kind: str) -> None:
    from .tasks import delivery_note_email_send

    transaction.on_commit(lambda: delivery_note_email_send.delay(note.pk, kind))


# --- proof ---------------------------------------------------------------------------------

PROOF_STATUSES = [DeliveryNoteStatus.IN_TRANSIT, *DONE_STATUSES]


@transaction.atomic
def delivery_note_proof_add(*, note: DeliveryNote, actor: User | None, signature: Any = None,
                            photos: list | tuple = (), document: Any = None) -> DeliveryNote:
    """Add a signature (replacing an earlier one), photos and a scanned proof to a note in
    transit or delivered (409 otherwise): each sniffed, size-checked and re-encoded
    (delivery.proof), stored through Django's storage, and noted on the timeline."""
    locked = _lock(note)
    if locked.status not in PROOF_STATUSES:
        raise Conflict(code=DeliveryErrorCode.DELIVERY_NOTE_NOT_EDITABLE, message=_(
            "Proof of delivery is added to a note in transit or delivered."))
    if not (signature or photos or document):
        raise ValidationError({"signature": [_("Send a signature, a photo or a proof.")]})
    images = [image_reencode(photo, field=f"photos.{index}", kind="photo")
              for index, photo in enumerate(photos or ())]
    added = {"photos": len(images)}
    if signature:
        locked.signature.save("signature.png", image_reencode(
            signature, field="signature", kind="signature"), save=False)
        added["signature"] = True
    if document:
        locked.delivery_proof.save("proof.jpg", image_reencode(
            document, field="document", kind="photo"), save=False)
        added["document"] = True
    for image in images:
        row = DeliveryPhoto(firm_id=locked.firm_id, note=locked, uploaded_by=actor)
        row.image.save(image.name, image, save=False)
        row.save()
    record_save(locked, actor=actor, reason="proof")
    document_event_record(instance=locked, action="proof_added", actor=actor,
                          from_status=locked.status, to_status=locked.status, details=added)
    return locked


# --- reading -------------------------------------------------------------------------------


def delivery_notes_stats(*, notes) -> dict:
    """Counts by status; on time in full (OTIF = notes delivered in full by their estimated
    date, or with none promised, over notes delivered); average days from shipping to
    delivery; failed attempts; and the same per carrier."""
    done = Q(status__in=[*DONE_STATUSES, DeliveryNoteStatus.RETURNED])
    on_time = Q(estimated_delivery_date__isnull=True) | Q(
        actual_delivery_date__date__lte=F("estimated_delivery_date"))
    notes = notes.annotate(short=Exists(DeliveryNoteLine.objects.filter(
        note=OuterRef("pk"), quantity_delivered__lt=F("quantity_to_deliver"))))
    in_full = Q(short=False)
    by_status = {row["status"]: row["count"] for row in notes.order_by().values(
        "status").annotate(count=Count("pk"))}

    def figures(queryset) -> dict:
        row = queryset.aggregate(
            delivered=Count("pk", filter=done),
            otif=Count("pk", filter=done & in_full & on_time),
            failed_attempts=Sum("failed_attempts"),
            transit=Avg(F("actual_delivery_date") - F("shipped_date"),
                        filter=done & Q(shipped_date__isnull=False)))
        delivered = row["delivered"] or 0
        transit = row["transit"]
        return {"delivered": delivered,
                "otif": row["otif"] or 0,
                "otif_rate": (Decimal(row["otif"] or 0) * 100 / delivered).quantize(
                    Decimal("0.01")) if delivered else None,
                "failed_attempts": row["failed_attempts"] or 0,
                "average_transit_days": Decimal(transit.total_seconds() / 86400).quantize(
                    Decimal("0.01")) if transit is not None else None}

    carriers = []
    for carrier in notes.order_by().values_list("carrier", flat=True).distinct():
        subset = notes.filter(carrier=carrier)
        carriers.append({"carrier": carrier, "count": subset.count(), **figures(subset)})
    return {"count": sum(by_status.values()),
            "by_status": [{"status": status, "count": by_status.get(status, 0)}
                          for status in DeliveryNoteStatus.values],
            **figures(notes),
            "by_carrier": sorted(carriers, key=lambda row: row["carrier"])}


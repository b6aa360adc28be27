from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryNoteStatus(models.TextChoices):
    """business-rules §7."""

    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    PICKING = "picking", _("Picking")
    PACKED = "packed", _("Packed")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    PARTIALLY_DELIVERED = "partially_delivered", _("Partially delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


# A note still on its way: its planned quantities are reserved on the order's lines.
OPEN_STATUSES = [DeliveryNoteStatus.DRAFT, DeliveryNoteStatus.CONFIRMED,
                 DeliveryNoteStatus.PICKING, DeliveryNoteStatus.PACKED,
                 DeliveryNoteStatus.IN_TRANSIT]
CANCELLABLE_STATUSES = [DeliveryNoteStatus.DRAFT, DeliveryNoteStatus.CONFIRMED,
                        DeliveryNoteStatus.PICKING, DeliveryNoteStatus.PACKED]
DONE_STATUSES = [DeliveryNoteStatus.DELIVERED, DeliveryNoteStatus.PARTIALLY_DELIVERED]
# The columns of the dispatch board, in the order work flows.
BOARD_STATUSES = [*OPEN_STATUSES, *DONE_STATUSES]


class FailureReason(models.TextChoices):
    """Why a delivery attempt failed (the note goes back to packed, to be shipped again)."""

    NOT_HOME = "not_home", _("Nobody there")
    REFUSED = "refused", _("Refused by the customer")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    CLOSED = "closed", _("Premises closed")
    DAMAGED = "damaged", _("Goods damaged")
    NO_ACCESS = "no_access", _("No access")
    OTHER = "other", _("Other")


class TrackingStatus(models.TextChoices):
    """What a carrier says of a parcel, in the order a parcel goes through them: a carrier's
    status only ever moves a note forward (a late or replayed event is kept, not applied)."""

    LABEL_CREATED = "label_created", _("Label created")
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    FAILED_ATTEMPT = "failed_attempt", _("Delivery attempt failed")
    DELIVERED = "delivered", _("Delivered")


TRACKING_RANK = {status: rank for rank, status in enumerate(TrackingStatus.values)}


class WeightUnit(models.TextChoices):
    KG = "kg", _("kg")
    LB = "lb", _("lb")


class LengthUnit(models.TextChoices):
    CM = "cm", _("cm")
    M = "m", _("m")
    IN = "in", _("in")

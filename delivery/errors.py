"""The error codes delivery sends (docs/api.md: `error.code`); the values never change."""

from enum import StrEnum


class DeliveryErrorCode(StrEnum):
    DELIVERY_CONFIRMATION_REQUIRED = "delivery_confirmation_required"
    DELIVERY_NOTE_NOT_DELETABLE = "delivery_note_not_deletable"
    DELIVERY_NOTE_NOT_EDITABLE = "delivery_note_not_editable"
    INVALID_FILE = "invalid_file"
    INVALID_SIGNATURE = "invalid_signature"
    NOTHING_DELIVERED = "nothing_delivered"
    NOTHING_TO_DELIVER = "nothing_to_deliver"
    ORDER_NOT_DELIVERABLE = "order_not_deliverable"
    PARTIAL_DELIVERY_NOT_ALLOWED = "partial_delivery_not_allowed"

"""The error codes returns send (docs/api.md: `error.code`); the values never change."""

from enum import StrEnum


class ReturnErrorCode(StrEnum):
    NOT_ELIGIBLE = "return_not_eligible"
    RETURN_NOT_EDITABLE = "return_not_editable"
    RETURN_NOT_DELETABLE = "return_not_deletable"
    RETURNS_DISABLED = "returns_disabled"
    NOTHING_TO_CREDIT = "nothing_to_credit"
    NO_INVOICE_TO_CREDIT = "no_invoice_to_credit"
    WRONG_RESOLUTION = "wrong_resolution"
    APPROVER_REQUIRED = "approver_required"
    LINK_EXPIRED = "return_link_expired"

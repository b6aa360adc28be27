"""Error codes the crm services refuse with (core.errors.ApplicationError.code); the codes
every app shares are core.errors.ErrorCode."""

from enum import StrEnum


class CrmErrorCode(StrEnum):
    CAMPAIGN_DELETED = "campaign_deleted"
    IMMUTABLE_FIELD = "immutable_field"
    REASON_REQUIRED = "reason_required"

"""Error codes the pricing services refuse with (core.errors.ApplicationError.code); the
codes every app shares are core.errors.ErrorCode."""

from enum import StrEnum


class PricingErrorCode(StrEnum):
    USAGE_LIMIT_REACHED = "usage_limit_reached"
    IMPORT_FAILED = "import_failed"

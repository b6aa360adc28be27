"""Error codes and the exceptions services raise; core.api.exceptions maps them to responses."""

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "validation_error"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    REQUEST_TOO_LARGE = "request_too_large"
    THROTTLED = "throttled"
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    PROTECTED = "protected"
    SERVER_ERROR = "server_error"
    # Business rules shared by several apps; apps add their own codes beside their services.
    DISCOUNT_ABOVE_LIMIT = "discount_above_limit"
    QUANTITY_EXCEEDS_REMAINING = "quantity_exceeds_remaining"
    UNKNOWN_SETTINGS_SECTION = "unknown_settings_section"
    LAST_ADMIN = "last_admin"


class ApplicationError(Exception):
    """A business rule refused the operation; the lazy message renders in both languages."""

    status_code = 400

    def __init__(
        self,
        *,
        code: ErrorCode | str,
        message: str | Promise,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = str(code)
        self.message = message
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code


class InvalidTransition(ApplicationError):
    status_code = 409

    def __init__(self, *, source: str, target: str, allowed: list[str]) -> None:
        super().__init__(
            code=ErrorCode.INVALID_TRANSITION,
            message=_("This action is not allowed in the document's current status."),
            details={"from": source, "to": target, "allowed": allowed},
        )


class Conflict(ApplicationError):
    status_code = 409

    def __init__(self, *, message: str | Promise | None = None, code: str = ErrorCode.CONFLICT,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(
            code=code,
            message=message or _("The record was changed by someone else. Reload and try again."),
            details=details,
        )

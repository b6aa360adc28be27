"""One exception handler: every error leaves the API in the error envelope of docs/api.md."""

import logging
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from core.api.authentication import TokenExpired
from core.errors import ApplicationError, ErrorCode
from core.i18n import bilingual

logger = logging.getLogger(__name__)

DRF_ERRORS: dict[type[exceptions.APIException], tuple[ErrorCode, Any]] = {
    # Before AuthenticationFailed, its parent: the first class that matches answers.
    TokenExpired: (ErrorCode.NOT_AUTHENTICATED,
                   _("The token has expired; sign in again for a new one.")),
    exceptions.NotAuthenticated: (ErrorCode.NOT_AUTHENTICATED,
                                  _("Authentication credentials were not provided.")),
    exceptions.AuthenticationFailed: (ErrorCode.NOT_AUTHENTICATED,
                                      _("Invalid username, password or token.")),
    exceptions.PermissionDenied: (ErrorCode.PERMISSION_DENIED,
                                  _("Your role does not allow this action.")),
    exceptions.NotFound: (ErrorCode.NOT_FOUND, _("Not found.")),
    exceptions.MethodNotAllowed: (ErrorCode.METHOD_NOT_ALLOWED,
                                  _("This method is not allowed here.")),
    exceptions.NotAcceptable: (ErrorCode.NOT_ACCEPTABLE,
                               _("The requested response format is not available.")),
    exceptions.UnsupportedMediaType: (ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                                      _("The request body's media type is not supported.")),
    exceptions.Throttled: (ErrorCode.THROTTLED, _("Too many requests. Try again later.")),
}


def _camel_key(key: str) -> str:
    return ".".join(camelize_re.sub(underscore_to_camel, part) for part in str(key).split("."))


def flatten_errors(detail: Any, prefix: str = "", *, camel: bool = True) -> dict[str, list[str]]:
    """DRF's nested error detail as `{"items.2.quantity": [...]}`, camelCase for the API."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "__all__" else key
            flat.update(flatten_errors(value, f"{prefix}.{name}" if prefix else str(name),
                                       camel=camel))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            if item:
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index),
                                           camel=camel))
    else:
        items = detail if isinstance(detail, list) else [detail]
        key = prefix or "non_field_errors"
        flat[_camel_key(key) if camel else key] = [str(item) for item in items]
    return flat


def error_body(*, code: str, message: Any, details: dict | None = None) -> dict:
    english, arabic = bilingual(message)
    return {"success": False, "error": {"code": str(code), "message": english,
                                        "messageAr": arabic, "details": details or {}}}


def error_response(*, status: int, code: str, message: Any, details: dict | None = None,
                   headers: dict | None = None) -> Response:
    return Response(error_body(code=code, message=message, details=details), status=status,
                    headers=headers)


def request_limit_error(exc: Exception) -> tuple[int, ErrorCode, Any] | None:
    """Django's request-size limits (DATA_UPLOAD_MAX_*) as (status, code, message): the client
    sent too much, which is never a server error."""
    if isinstance(exc, RequestDataTooBig):
        return 413, ErrorCode.REQUEST_TOO_LARGE, _("The request body is too large.")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return 400, ErrorCode.VALIDATION_ERROR, _("The request has too many fields or files.")
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if limit := request_limit_error(exc):
        status, code, message = limit
        return error_response(status=status, code=code, message=message)
    if isinstance(exc, ApplicationError):
        return error_response(status=exc.status_code, code=exc.code, message=exc.message,
                              details=_camel_details(exc.details))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        detail = exc.detail if isinstance(exc, exceptions.ValidationError) else [str(exc.detail)]
        return error_response(status=400, code=ErrorCode.VALIDATION_ERROR,
                              message=_("The input is not valid."),
                              details=flatten_errors(detail))
    if isinstance(exc, DataError):
        # A value the database cannot hold (an id beyond bigint, say): bad input, not a crash.
        return error_response(status=400, code=ErrorCode.VALIDATION_ERROR,
                              message=_("A value in the request is out of range."))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, TransitionNotAllowed):
        # Services raise InvalidTransition with the allowed list; this is the safety net.
        return error_response(status=409, code=ErrorCode.INVALID_TRANSITION,
                              message=_("This action is not allowed in the document's current "
                                        "status."))
    if isinstance(exc, ProtectedError | RestrictedError):
        return error_response(status=409, code=ErrorCode.PROTECTED, message=_(
            "This record is used by other documents and cannot be deleted."))
    # After ProtectedError, which is an IntegrityError too.
    if isinstance(exc, ConcurrentTransition | IntegrityError):
        logger.info("conflict: %s", exc)
        return error_response(status=409, code=ErrorCode.CONFLICT, message=_(
            "The record was changed by someone else or conflicts with another one. Reload and "
            "try again."))
    for exception_class, (code, message) in DRF_ERRORS.items():
        if isinstance(exc, exception_class):
            headers = {}
            if getattr(exc, "auth_header", None):
                headers["WWW-Authenticate"] = exc.auth_header
            if getattr(exc, "wait", None):
                headers["Retry-After"] = str(int(exc.wait))
            return error_response(status=exc.status_code, code=code, message=message,
                                  headers=headers)
    if isinstance(exc, exceptions.APIException):
        return error_response(status=exc.status_code, code=exc.default_code,
                              message=str(exc.detail))
    logger.exception("unhandled API error", exc_info=exc)
    return error_response(status=500, code=ErrorCode.SERVER_ERROR,
                          message=_("Something went wrong on our side. It has been logged."))


def _camel_details(details: dict) -> dict:
    return {_camel_key(key): value for key, value in details.items()}

"""Every error leaves the API in the error envelope with docs/api.md's status and code."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, serializers

from core.api.exceptions import exception_handler
from core.errors import ApplicationError, ErrorCode, InvalidTransition


class LineSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)


class DocumentSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    items = LineSerializer(many=True)


def handled(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data["error"]


def test_nested_validation_errors_are_flattened_and_camel_cased():
    serializer = DocumentSerializer(data={"items": [{"quantity": 1, "unit_price": 5},
                                                    {"quantity": 0, "unit_price": "x"}]})
    assert not serializer.is_valid()
    status, error = handled(exceptions.ValidationError(serializer.errors))
    assert status == 400 and error["code"] == "validation_error"
    assert set(error["details"]) == {"customerId", "items.1.quantity", "items.1.unitPrice"}
    assert all(isinstance(messages, list) for messages in error["details"].values())


def test_model_validation_error():
    status, error = handled(DjangoValidationError({"name": ["Too long."],
                                                   "__all__": ["Clash."]}))
    assert (status, error["code"]) == (400, "validation_error")
    assert error["details"] == {"name": ["Too long."], "nonFieldErrors": ["Clash."]}


def test_parse_error():
    status, error = handled(exceptions.ParseError("JSON parse error"))
    assert (status, error["code"]) == (400, "validation_error")


def test_application_error_keeps_code_and_details():
    status, error = handled(ApplicationError(code=ErrorCode.DISCOUNT_ABOVE_LIMIT,
                                             message="Too much",
                                             details={"max_percent": 20}))
    assert (status, error["code"], error["details"]) == (400, "discount_above_limit",
                                                        {"maxPercent": 20})


def test_invalid_transition():
    status, error = handled(InvalidTransition(source="draft", target="paid", allowed=["sent"]))
    assert (status, error["code"]) == (409, "invalid_transition")
    assert error["details"] == {"from": "draft", "to": "paid", "allowed": ["sent"]}


@pytest.mark.parametrize(("exc", "status", "code"), [
    (TransitionNotAllowed("no"), 409, "invalid_transition"),
    (ConcurrentTransition("changed"), 409, "conflict"),
    (IntegrityError("duplicate key"), 409, "conflict"),
    (DataError("bigint out of range"), 400, "validation_error"),
    (ProtectedError("used", set()), 409, "protected"),
    (Http404(), 404, "not_found"),
    (exceptions.NotFound(), 404, "not_found"),
    (PermissionDenied(), 403, "permission_denied"),
    (exceptions.PermissionDenied(), 403, "permission_denied"),
    (exceptions.NotAuthenticated(), 401, "not_authenticated"),
    (exceptions.AuthenticationFailed(), 401, "not_authenticated"),
    (exceptions.MethodNotAllowed("PATCH"), 405, "method_not_allowed"),
    (exceptions.Throttled(wait=30), 429, "throttled"),
    (ZeroDivisionError(), 500, "server_error"),
])
def test_status_and_code(exc, status, code):
    got_status, error = handled(exc)
    assert (got_status, error["code"]) == (status, code)
    assert error["message"] and error["messageAr"]


def test_messages_in_both_languages():
    _status, error = handled(exceptions.NotFound())
    assert error["message"] == "Not found."
    assert error["messageAr"] != error["message"]
    assert any("\u0600" <= char <= "\u06ff" for char in error["messageAr"])


def test_server_error_hides_the_cause(caplog):
    _status, error = handled(RuntimeError("password=hunter2"))
    assert "hunter2" not in str(error)
    assert "unhandled API error" in caplog.text

"""The success envelope (docs/api.md)."""

from typing import Any

from django.utils.functional import Promise
from rest_framework import status as http
from rest_framework.response import Response

from core.i18n import bilingual


def envelope(data: Any, *, message: str | Promise | None = None,
             status: int = http.HTTP_200_OK) -> Response:
    body: dict[str, Any] = {"success": True, "data": data}
    if message is not None:
        body["message"], body["message_ar"] = bilingual(message)
    return Response(body, status=status)

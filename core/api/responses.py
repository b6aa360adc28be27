"""The success envelope (API.md) and bilingual messages."""

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from rest_framework import status as http
from rest_framework.response import Response


def bilingual(message: str | Promise) -> tuple[str, str]:
    """The message in English and in Arabic (lazy strings are evaluated in each language)."""
    with translation.override("en"):
        english = str(message)
    with translation.override("ar"):
        arabic = str(message)
    return english, arabic


def envelope(data: Any, *, message: str | Promise | None = None,
             status: int = http.HTTP_200_OK) -> Response:
    body: dict[str, Any] = {"success": True, "data": data}
    if message is not None:
        body["message"], body["message_ar"] = bilingual(message)
    return Response(body, status=status)

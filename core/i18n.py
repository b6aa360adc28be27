"""Texts every app produces in both languages (docs/api.md: `message` and `messageAr`)."""

from django.utils import translation
from django.utils.functional import Promise


def bilingual(message: str | Promise) -> tuple[str, str]:
    """The message in English and in Arabic (lazy strings are evaluated in each language)."""
    with translation.override("en"):
        english = str(message)
    with translation.override("ar"):
        arabic = str(message)
    return english, arabic

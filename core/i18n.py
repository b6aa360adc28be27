"""Texts every app produces in both languages (docs/api.md: `message` and `messageAr`)."""

from django.utils import translation
from django.utils.functional import Promise, lazy


def bilingual(message: str | Promise) -> tuple[str, str]:
    """The message in English and in Arabic (lazy strings are evaluated in each language)."""
    with translation.override("en"):
        english = str(message)
    with translation.override("ar"):
        arabic = str(message)
    return english, arabic


def lazy_format(template: str | Promise, **params) -> Promise:
    """`template % params`, evaluated when rendered, so a response envelope gets the message in
    both languages (bilingual)."""
    return lazy(lambda: str(template) % {name: str(value) for name, value in params.items()},
                str)()

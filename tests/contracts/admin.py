"""The Django admin's URLs, for the tests that go through the admin door."""

from django.urls import reverse


def admin_url(model, action: str, *args) -> str:
    """The admin page `action` (changelist, add, change, delete, history) of `model`."""
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)

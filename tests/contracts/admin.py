"""The Django admin's URLs, for the tests that go through the admin door."""

from django.urls import reverse


def admin_url(model, action: str, *args) -> str:
    """The admin page `action` (changelist, add, change, delete, history) of `model`."""
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def assert_list_and_add_open(client, model, *, add_allowed: bool = True) -> None:
    """The model's admin changelist opens, and its add page too, or answers 403 where the
    rows are only made by the services."""
    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == (200 if add_allowed else 403)

"""Demo delivery notes for `manage.py seed_demo` (filled in with the staff pages)."""


def delivery_seed_demo(*, firm, users: dict) -> None:
    return None

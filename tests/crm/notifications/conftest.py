"""Fixtures the notification tests share."""

import pytest

from core.choices import Role
from tests.factories import make_user


@pytest.fixture
def reader(firm):
    """A sales person who takes notifications by e-mail."""
    return make_user(firm=firm, role=Role.SALES_PERSON, username="reader",
                     email="reader@example.com", email_notifications=True)

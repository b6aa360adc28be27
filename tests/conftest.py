from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rest_framework.test import APIClient

from core.choices import Role

from .factories import FirmFactory, make_user


@pytest.fixture
def firm(db):
    return FirmFactory(name="Acme Trading", name_ar="أكمي للتجارة", slug="acme")


@pytest.fixture
def other_firm(db):
    return FirmFactory(name="Rival Co.", name_ar="المنافس", slug="rival")


@pytest.fixture
def users(firm):
    """One user of every role in `firm`, keyed by role."""
    return {role: make_user(firm=firm, role=role, username=role) for role in Role.values}


@pytest.fixture
def admin_user(users):
    return users[Role.ADMIN]


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def api(admin_user):
    """An API client authenticated as the firm's admin."""
    return client_for(admin_user)


@contextmanager
def sends_of(signal) -> Iterator[list[dict]]:
    """The keyword arguments of every send of `signal` while inside, in order."""
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    signal.connect(receiver, weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)

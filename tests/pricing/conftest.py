import datetime

import pytest

from core import services as core_services

TODAY = datetime.date(2026, 3, 18)  # a Wednesday


@pytest.fixture
def today():
    return TODAY


@pytest.fixture
def settings_ready(firm):
    """The firm's settings row exists, so products read their default tax rate from it."""
    core_services.settings_row(firm=firm)
    return firm

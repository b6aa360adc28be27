"""Fixtures the crm tests of several packages share."""

import pytest

from tests.crm.factories import make_reach_world


@pytest.fixture
def world(firm, users):
    """Who reaches which activities and cases: see make_reach_world."""
    return make_reach_world(firm, users)

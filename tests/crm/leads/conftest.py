"""Fixtures the lead tests of every door share."""

import pytest
from django.utils import timezone

from core.choices import Role
from crm import services
from tests.crm.factories import make_activity, make_case, make_lead, make_notification
from tests.factories import make_user


@pytest.fixture
def lead_with_links(firm, users):
    """A lead with an activity, a deal team, a notification about it and a case from it; and
    another lead with its own activity and notification, which must survive."""
    seller = users[Role.SALES_PERSON]
    lead = make_lead(firm, assigned_to=seller)
    services.lead_update(lead=lead, actor=None, team=[{"user": seller}])
    make_activity(firm, entity=lead)
    make_notification(seller, entity_type="lead", entity_id=lead.pk)
    case = make_case(firm, lead=lead)
    other = make_lead(firm)
    kept_activity = make_activity(firm, entity=other)
    kept_notice = make_notification(seller, entity_type="lead", entity_id=other.pk)
    # Same id, another kind of record: not the lead's.
    customer_notice = make_notification(seller, entity_type="customer", entity_id=lead.pk)
    return {"lead": lead, "case": case, "kept": [kept_activity, kept_notice, customer_notice]}


@pytest.fixture
def seller(firm):
    """A sales person who takes e-mail notifications (the stale-lead notices)."""
    return make_user(firm=firm, role=Role.SALES_PERSON, username="seller",
                     email="seller@example.com", email_notifications=True)


@pytest.fixture
def now():
    return timezone.now()

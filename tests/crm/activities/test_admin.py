"""Activities in the Django admin: a delete goes through the service."""

import pytest

from crm import models
from tests.contracts.admin import admin_url
from tests.crm.factories import make_activity, make_lead


@pytest.mark.django_db
class TestCrmAdmin:

    def test_activity_delete_rescores_the_lead(self, client, admin_user, firm):
        lead = make_lead(firm)
        before = lead.score
        activity = make_activity(firm, entity=lead)
        lead.refresh_from_db()
        assert lead.score == before + 2
        client.force_login(admin_user)
        client.post(admin_url(models.Activity, "delete", activity.pk), {"post": "yes"})
        lead.refresh_from_db()
        assert lead.score == before

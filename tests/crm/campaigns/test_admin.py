"""Campaigns in the Django admin: delete is the soft delete."""

import pytest

from crm import models
from tests.contracts.admin import admin_url
from tests.crm.factories import make_campaign


@pytest.mark.django_db
class TestCrmAdmin:

    def test_campaign_delete_is_the_soft_delete(self, client, admin_user, firm):
        campaign = make_campaign(firm)
        client.force_login(admin_user)
        response = client.post(admin_url(models.Campaign, "delete", campaign.pk),
                               {"post": "yes"})
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert campaign.deleted_at is not None

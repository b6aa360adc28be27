"""Campaigns in the Django admin: delete is the soft delete."""

import pytest
from django.urls import reverse

from crm import models
from tests.crm.factories import make_campaign


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:crm_{model._meta.model_name}_{action}", args=args)



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

"""Leads in the Django admin: status is read-only, edits are audited, delete goes through
the service."""

import pytest

from crm import models
from crm.choices import LeadStatus, LeadTransactionType
from crm.models import (
    Lead,
)
from tests.contracts.admin import admin_url
from tests.crm.factories import (
    make_lead,
)
from tests.crm.leads.deletion import assert_lead_gone


@pytest.mark.django_db
class TestLeadDelete:

    def test_admin(self, client, lead_with_links, admin_user):
        client.force_login(admin_user)
        lead = lead_with_links["lead"]
        response = client.post(admin_url(Lead, "delete", lead.pk), {"post": "yes"})
        assert response.status_code == 302
        assert_lead_gone(**lead_with_links, actor=admin_user)


@pytest.mark.django_db
class TestCrmAdmin:

    def test_lead_status_is_read_only_and_edits_are_audited(self, client, admin_user, firm):
        lead = make_lead(firm, company="Before Co")
        client.force_login(admin_user)
        page = client.get(admin_url(models.Lead, "change", lead.pk))
        assert "status" not in page.context["adminform"].form.fields
        data = {name: value for name, value in page.context["adminform"].form.initial.items()
                if value is not None}
        data.update({"company": "After Co", "status": LeadStatus.WON, "first_name":
                     lead.first_name, "last_name": lead.last_name, "estimated_value": "0",
                     "actual_value": "0", "team_members-TOTAL_FORMS": "0",
                     "team_members-INITIAL_FORMS": "0"})
        response = client.post(admin_url(models.Lead, "change", lead.pk), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        lead.refresh_from_db()
        assert (lead.company, lead.status) == ("After Co", LeadStatus.NEW)
        update = lead.transactions.get(type=LeadTransactionType.UPDATED)
        assert update.new_values == {"company": "After Co"} and update.actor == admin_user

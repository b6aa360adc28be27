"""crm in the Django admin: every model is there, scoped to the admin's firm, and writes with
a workflow go through the crm services (a lead's status is read-only)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from crm import models
from crm.choices import LeadStatus, LeadTransactionType
from tests.crm.factories import make_activity, make_campaign, make_customer, make_lead

TOP_LEVEL = [models.CustomerGroup, models.Territory, models.SalesTeam, models.SalesPerson,
             models.Customer, models.Case, models.StaffRelationship, models.Pipeline,
             models.Campaign, models.Lead, models.LeadTransaction, models.Activity,
             models.Notification]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:crm_{model._meta.model_name}_{action}", args=args)


def test_every_crm_model_is_registered_or_inline():
    registered = set(admin.site._registry)
    assert set(TOP_LEVEL) <= registered
    inline_models = {inline.model for model in registered if model._meta.app_label == "crm"
                     for inline in admin.site._registry[model].inlines}
    assert {models.CustomerAddress, models.CustomerContact, models.Stage,
            models.LeadTeamMember} <= inline_models


@pytest.mark.django_db
class TestCrmAdmin:
    @pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda model: model.__name__)
    def test_changelist_and_add_pages_open(self, client, admin_user, model):
        client.force_login(admin_user)
        assert client.get(admin_url(model, "changelist")).status_code == 200
        expected = 403 if model in (models.LeadTransaction, models.Notification) else 200
        assert client.get(admin_url(model, "add")).status_code == expected

    def test_another_firms_rows_are_not_listed(self, client, admin_user, firm, other_firm):
        ours, theirs = make_customer(firm, name="Ours Co"), make_customer(other_firm,
                                                                          name="Theirs Co")
        client.force_login(admin_user)
        rows = client.get(admin_url(models.Customer, "changelist")).context["cl"].result_list
        assert ours in rows and theirs not in rows
        assert client.get(admin_url(models.Customer, "change", theirs.pk)).status_code == 302

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

    def test_campaign_delete_is_the_soft_delete(self, client, admin_user, firm):
        campaign = make_campaign(firm)
        client.force_login(admin_user)
        response = client.post(admin_url(models.Campaign, "delete", campaign.pk),
                               {"post": "yes"})
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert campaign.deleted_at is not None

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

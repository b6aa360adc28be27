"""Leads in the Django admin: status is read-only, edits are audited, delete goes through
the service."""

import pytest
from django.urls import reverse

from core.choices import Role
from crm import models, services
from crm.choices import LeadStatus, LeadTransactionType
from crm.models import (
    Activity,
    Lead,
    LeadTeamMember,
    LeadTransaction,
    Notification,
)
from tests.crm.factories import (
    make_activity,
    make_case,
    make_lead,
    make_notification,
)


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:crm_{model._meta.model_name}_{action}", args=args)


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


def assert_lead_gone(lead, case, kept, actor):
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.filter(entity_type="lead", entity_id=lead.pk).exists()
    assert not Notification.objects.filter(entity_type="lead", entity_id=lead.pk).exists()
    assert not LeadTeamMember.objects.filter(lead_id=lead.pk).exists()
    assert not LeadTransaction.objects.filter(lead_id=lead.pk).exists()
    case.refresh_from_db()
    assert case.lead_id is None  # the legal matter stays for conflict checks
    for row in kept:
        assert type(row).objects.filter(pk=row.pk).exists()
    # The history keeps the lead and says who deleted it.
    last = Lead.history.filter(id=lead.pk).latest("history_id")
    assert last.history_type == "-" and last.history_user_id == getattr(actor, "pk", None)
    deleted_activity = Activity.history.filter(entity_type="lead", entity_id=lead.pk,
                                               history_type="-").get()
    assert deleted_activity.history_user_id == getattr(actor, "pk", None)



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

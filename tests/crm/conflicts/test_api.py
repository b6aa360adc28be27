"""Conflict checks over the API; the conflict status is never edited directly."""

import pytest
from django.forms import modelform_factory

from core.choices import Role
from crm.models import Lead, LeadTransaction, Notification, StaffRelationship
from tests.conftest import client_for
from tests.contracts.api import assert_error
from tests.crm.factories import make_case, make_customer, make_lead

PATH = "/api/v1/leads"


def fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


# --- conflict checks ----------------------------------------------------------------------


@pytest.mark.django_db
class TestConflictChecks:
    def test_check_on_a_lead_stores_the_result(self, api, firm, users):
        make_customer(firm, name="Gulf Foods Company")
        seller = users[Role.SALES_PERSON]
        lead = make_lead(firm, company="Najd Logistics", opposing_party="Gulf Foods Company",
                         assigned_to=seller)
        response = api.post(f"{PATH}/{lead.pk}/conflict-check", format="json")
        assert response.status_code == 200, response.content
        answered = response.json()["data"]["lead"]
        assert answered["conflictStatus"] == "conflict"
        result = answered["conflictResult"]
        assert result["hasConflicts"] is True and result["requiresReview"] is True
        assert result["conflicts"][0]["type"] == "opposing_party_match"
        assert answered["conflictCheckedAt"]
        assert Notification.objects.filter(user=seller, type="conflict").count() == 1

    def test_clear_check_adds_to_the_score(self, api, firm):
        lead = make_lead(firm, company="Nobody Known")
        before = lead.score
        response = api.post(f"{PATH}/{lead.pk}/conflict-check")
        assert response.status_code == 200, response.content
        answered = response.json()["data"]["lead"]
        assert answered["conflictStatus"] == "clear"
        assert answered["score"] == before + 10

    def test_check_of_lead_data_saves_nothing(self, api, firm, users):
        make_case(firm, parties=[{"name": "Hail Cement", "role": "defendant"}])
        StaffRelationship.objects.create(firm=firm, user=users[Role.FINANCE],
                                         related_name="Hail Cement", kind="shareholder")
        leads, rows = Lead.objects.count(), LeadTransaction.objects.count()
        response = api.post(f"{PATH}/conflict-check",
                            {"company": "Hail Cement", "firstName": "Turki", "phone": "x"},
                            format="json")
        assert response.status_code == 200, response.content
        result = response.json()["data"]["conflictCheck"]
        assert result["hasConflicts"] is True and result["requiresReview"] is False
        kinds = {conflict["type"]: conflict for conflict in result["conflicts"]}
        assert set(kinds) == {"company_involvement", "staff_relationship"}
        assert kinds["company_involvement"]["cases"][0]["involvement"] == "defendant"
        assert result["checkedAt"].endswith("+03:00")  # the firm's offset, not UTC
        assert (Lead.objects.count(), LeadTransaction.objects.count()) == (leads, rows)

    def test_check_of_lead_data_without_matches(self, api, firm):
        response = api.post(f"{PATH}/conflict-check", {"opposingParty": "Nobody"},
                            format="json")
        assert response.json()["data"]["conflictCheck"]["hasConflicts"] is False

    def test_other_firm_data_is_not_searched(self, api, firm, other_firm):
        make_case(other_firm, parties=[{"name": "Hail Cement", "role": "client"}])
        make_customer(other_firm, name="Hail Cement")
        result = api.post(f"{PATH}/conflict-check",
                          {"company": "Hail Cement", "opposingParty": "Hail Cement"},
                          format="json").json()["data"]["conflictCheck"]
        assert result["hasConflicts"] is False

    def test_roles(self, firm, users):
        lead = make_lead(firm, assigned_to=users[Role.SALES_PERSON])
        seller = client_for(users[Role.SALES_PERSON])
        assert seller.post(f"{PATH}/conflict-check", {"company": "X"},
                           format="json").status_code == 200
        assert seller.post(f"{PATH}/{lead.pk}/conflict-check").status_code == 200
        for role in (Role.WAREHOUSE, Role.FINANCE):
            client = client_for(users[role])
            assert_error(client.post(f"{PATH}/conflict-check", {"company": "X"},
                                     format="json"), 403, "permission_denied")
            assert_error(client.post(f"{PATH}/{lead.pk}/conflict-check"), 403,
                         "permission_denied")


# --- conflict status --------------------------------------------------------------------


@pytest.mark.django_db
def test_conflict_status_is_not_an_editable_field(firm, admin_user):
    assert "conflict_status" not in modelform_factory(Lead, fields="__all__").base_fields
    lead = make_lead(firm)
    error = assert_error(client_for(admin_user).patch(
        f"/api/v1/leads/{lead.pk}", {"conflictStatus": "clear"}, format="json"),
        400, "validation_error")
    assert list(error["details"]) == ["conflictStatus"]
    assert fresh(lead).conflict_status == "not_checked"

"""Activities over the API: the contract, logging one is a contact with the lead, and a
sales person's scope."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import Role
from crm.models import Activity, Lead, LeadTransaction
from tests.conftest import client_for
from tests.contracts.api import ALL, WORK, ApiContract, assert_error, reference_cases
from tests.crm import RoleScopedContract
from tests.crm.factories import (
    SELLER_ACTIVITIES,
    make_activity,
    make_case,
    make_customer,
    make_lead,
)
from tests.factories import make_user

PATH = "/api/v1/activities"


class ActivityRows(RoleScopedContract):
    model = Activity

    # One lead and one performer per firm for all the rows a test makes (pytest makes a new
    # instance of the class for every test).
    def lead(self, firm) -> Lead:
        leads = self.__dict__.setdefault("leads", {})
        if firm.pk not in leads:
            leads[firm.pk] = make_lead(firm, assigned_to=self.scoped(firm))
        return leads[firm.pk]

    def performer(self, firm):
        performers = self.__dict__.setdefault("performers", {})
        if firm.pk not in performers:
            performers[firm.pk] = make_user(firm=firm, role=Role.SALES_MANAGER)
        return performers[firm.pk]

    def make(self, firm, **overrides):
        overrides.setdefault("entity", self.lead(firm))
        # During the permission test the role's user performs it, so it is in their scope.
        overrides.setdefault("actor", self.scoped(firm) or self.performer(firm))
        return make_activity(firm, **overrides)


DAY = datetime.timedelta(days=1)


def fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


class TestActivitiesApi(ActivityRows, ApiContract):
    path = PATH
    key, plural = "activity", "activities"
    sort_fields = ["createdAt", "performedAt", "dueDate"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK}
    search = {"subject": "Warehouse visit in Dammam"}, "dammam"

    def create_payload(self, firm):
        return {"type": "call", "entityType": "lead", "entityId": self.lead(firm).pk,
                "subject": "Intro call", "duration": 15, "outcome": "successful",
                "notes": "Interested in the premium plan."}

    def invalid_payload(self, firm):
        return {"type": "pigeon", "entityType": "lead", "entityId": self.lead(firm).pk}, "type"

    def update_payload(self, obj):
        return {"outcome": "callback", "notes": "Call again on Sunday."}

    def filter_cases(self, firm):
        customer = make_customer(firm)
        other_user = make_user(firm=firm, role=Role.SALES_MANAGER)
        call = self.make(firm, type="call")
        meeting = self.make(firm, type="meeting", entity=customer, actor=other_user,
                            performed_at=datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC))
        return [({"type": "call"}, call, meeting),
                ({"type": "meeting,visit"}, meeting, call),
                ({"entityType": "customer"}, meeting, call),
                ({"entityType": "customer", "entityId": str(customer.pk)}, meeting, call),
                ({"entityId": str(call.entity_id), "entityType": "lead"}, call, meeting),
                *reference_cases("performedBy", other_user.pk, meeting, call),
                ({"startDate": "2025-01-16"}, call, meeting),
                ({"endDate": "2025-01-15"}, meeting, call)]

    def test_logging_on_a_lead_is_a_contact(self, api, firm, admin_user):
        lead = make_lead(firm)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact")
        payload = {**self.create_payload(firm), "entityId": lead.pk}
        response = api.post(self.path, payload, format="json")
        assert response.status_code == 201, response.content
        activity = response.json()["data"]["activity"]
        assert activity["performedById"] == admin_user.pk and activity["performedAt"]
        lead.refresh_from_db()
        assert lead.is_stale is False and lead.last_contact_date is not None
        assert lead.score == 5 + 5 + 2  # email, company, one recent activity
        row = LeadTransaction.objects.filter(lead=lead).latest("pk")
        assert (row.type, row.new_values["activity_id"]) == ("activity_logged", activity["id"])

    def test_on_a_case_and_a_customer(self, api, firm):
        for entity, kind in ((make_case(firm), "case"), (make_customer(firm), "customer")):
            response = api.post(self.path, {"type": "note", "entityType": kind,
                                            "entityId": entity.pk}, format="json")
            assert response.status_code == 201, response.content

    def test_record_of_another_firm_is_refused(self, api, firm, other_firm):
        foreign = make_lead(other_firm)
        error = assert_error(api.post(self.path, {"type": "call", "entityType": "lead",
                                                  "entityId": foreign.pk}, format="json"),
                             400, "validation_error")
        assert set(error["details"]) == {"entityId"}
        assert not Activity.objects.filter(entity_id=foreign.pk).exists()

    def test_quote_is_refused_until_the_sales_app_registers_it(self, api, firm):
        error = assert_error(api.post(self.path, {"type": "call", "entityType": "quote",
                                                  "entityId": 1}, format="json"), 400,
                             "validation_error")
        assert "entityId" in error["details"]

    def test_activity_stays_on_its_record(self, api, firm):
        activity = self.make(firm)
        same = api.put(self.url(activity), {"type": "email", "entityType": "lead",
                                            "entityId": activity.entity_id}, format="json")
        assert same.status_code == 200, same.content
        error = assert_error(api.patch(self.url(activity),
                                       {"entityId": make_lead(firm).pk}, format="json"),
                             400, "validation_error")
        assert "entityId" in error["details"]
        activity.refresh_from_db()
        assert (activity.type, activity.entity_id) == ("email", self.lead(firm).pk)

    def test_delete_rescores_the_lead(self, api, firm):
        activity = self.make(firm, performed_at=timezone.now())
        lead = self.lead(firm)
        lead.refresh_from_db()
        scored = lead.score
        assert api.delete(self.url(activity)).status_code == 200
        lead.refresh_from_db()
        assert lead.score == scored - 2

    def test_warehouse_and_finance_are_refused(self, firm, users):
        for role in (Role.WAREHOUSE, Role.FINANCE):
            assert_error(client_for(users[role]).get(self.path), 403, "permission_denied")


@pytest.mark.django_db
def test_performed_at_may_be_given(api, firm):
    lead = make_lead(firm)
    response = api.post(PATH, {"type": "meeting", "entityType": "lead", "entityId": lead.pk,
                               "performedAt": "2026-01-10T09:30:00+03:00"}, format="json")
    assert response.status_code == 201, response.content
    activity = Activity.objects.get(pk=response.json()["data"]["activity"]["id"])
    assert activity.performed_at == datetime.datetime(2026, 1, 10, 6, 30, tzinfo=datetime.UTC)


# --- activity_update / activity_delete ---------------------------------------------------


@pytest.mark.django_db
class TestLastContactFollowsActivities:

    def test_api_and_page_edits_go_through_it(self, api, client, firm, admin_user):
        lead = make_lead(firm)
        old = make_activity(firm, entity=lead, performed_at=timezone.now() - 20 * DAY)
        recent = make_activity(firm, entity=lead, performed_at=timezone.now() - DAY)
        assert api.delete(f"/api/v1/activities/{recent.pk}").status_code == 200
        assert fresh(lead).last_contact_date == old.performed_at
        client.force_login(admin_user)
        client.post(reverse("crm:activity_delete", args=[old.pk]))
        assert fresh(lead).last_contact_date is None


@pytest.mark.django_db
class TestActivityScope:
    def test_seller_lists_only_activities_about_what_they_reach(self, world):
        client = client_for(world["seller"])
        listed = {row["id"] for row in
                  client.get("/api/v1/activities", {"limit": 100}).json()["data"]["activities"]}
        expected = {world["activities"][name].pk for name in SELLER_ACTIVITIES}
        assert listed == expected

    def test_another_users_activity_is_not_found(self, world):
        client = client_for(world["seller"])
        for name in ("on_other_lead", "on_other_customer", "on_other_case"):
            activity = world["activities"][name]
            assert_error(client.get(f"/api/v1/activities/{activity.pk}"), 404, "not_found")
            assert_error(client.patch(f"/api/v1/activities/{activity.pk}", {"notes": "x"},
                                      format="json"), 404, "not_found")
            activity.refresh_from_db()
            assert activity.notes == ""
        mine = world["activities"]["on_lead"]
        assert client.get(f"/api/v1/activities/{mine.pk}").status_code == 200

    def test_seller_cannot_log_on_a_record_they_cannot_reach(self, world):
        client = client_for(world["seller"])
        before = Activity.objects.count()
        error = assert_error(client.post("/api/v1/activities", {
            "type": "call", "entityType": "lead", "entityId": world["rows"]["other_lead"].pk},
            format="json"), 400, "validation_error")
        assert set(error["details"]) == {"entityId"}
        assert Activity.objects.count() == before

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES_MANAGER])
    def test_managers_and_admins_see_the_firms(self, world, users, role):
        listed = client_for(users[role]).get("/api/v1/activities", {"limit": 100}).json()[
            "data"]["pagination"]["total"]
        assert listed == len(world["activities"])

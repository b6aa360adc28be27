"""Role scope of activities and cases (crm.querysets): a sales person reaches those about the
records they reach, and the ones they performed or opened; managers and finance the firm's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.choices import Role
from core.scoping import scope_for
from crm.models import Activity, Case
from tests.conftest import client_for
from tests.contracts.api import assert_error
from tests.factories import make_user

from .factories import make_activity, make_case, make_customer, make_lead


@pytest.fixture
def world(firm, users):
    """The seller's lead, customer and case, and another seller's; activities on each."""
    seller = users[Role.SALES_PERSON]
    other = make_user(firm=firm, role=Role.SALES_PERSON, username="other-seller")
    manager = users[Role.SALES_MANAGER]
    rows = {
        "lead": make_lead(firm, assigned_to=seller),
        "customer": make_customer(firm, owner=seller),
        "other_lead": make_lead(firm, assigned_to=other),
        "other_customer": make_customer(firm, owner=other),
    }
    rows["teamed_lead"] = make_lead(firm, assigned_to=other)
    from crm import services

    services.lead_update(lead=rows["teamed_lead"], actor=None, team=[{"user": seller}])
    rows["case_of_customer"] = make_case(firm, customer=rows["customer"])
    rows["case_of_lead"] = make_case(firm, lead=rows["lead"])
    rows["case_opened"] = make_case(firm, actor=seller)  # opened by the seller, no client
    rows["other_case"] = make_case(firm, customer=rows["other_customer"], actor=other)
    activities = {
        "on_lead": make_activity(firm, entity=rows["lead"], actor=manager),
        "on_teamed_lead": make_activity(firm, entity=rows["teamed_lead"], actor=other),
        "on_customer": make_activity(firm, entity=rows["customer"], actor=manager),
        "on_case": make_activity(firm, entity=rows["case_of_customer"], actor=manager),
        "performed": make_activity(firm, entity=rows["other_lead"], actor=seller),
        "on_other_lead": make_activity(firm, entity=rows["other_lead"], actor=other),
        "on_other_customer": make_activity(firm, entity=rows["other_customer"], actor=other),
        "on_other_case": make_activity(firm, entity=rows["other_case"], actor=manager),
    }
    return {"seller": seller, "other": other, "rows": rows, "activities": activities}


SELLER_ACTIVITIES = {"on_lead", "on_teamed_lead", "on_customer", "on_case", "performed"}
SELLER_CASES = {"case_of_customer", "case_of_lead", "case_opened"}


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

    def test_the_scope_is_one_query(self, world):
        with CaptureQueriesContext(connection) as queries:
            rows = list(scope_for(Activity.objects.all(), user=world["seller"]))
        assert len(rows) == len(SELLER_ACTIVITIES) and len(queries) == 1

    def test_staff_list_page(self, world, client):
        client.force_login(world["seller"])
        response = client.get(reverse("crm:activity_list"))
        assert response.status_code == 200
        assert {row.pk for row in response.context["object_list"]} == {
            world["activities"][name].pk for name in SELLER_ACTIVITIES}
        other = world["activities"]["on_other_lead"]
        assert client.get(reverse("crm:activity_detail", args=[other.pk])).status_code == 404


@pytest.mark.django_db
class TestCaseScope:
    def test_seller_lists_cases_of_their_clients_and_their_own(self, world):
        client = client_for(world["seller"])
        listed = {row["id"] for row in
                  client.get("/api/v1/cases", {"limit": 100}).json()["data"]["cases"]}
        assert listed == {world["rows"][name].pk for name in SELLER_CASES}

    def test_another_sellers_case_is_not_found(self, world):
        client = client_for(world["seller"])
        case = world["rows"]["other_case"]
        assert_error(client.get(f"/api/v1/cases/{case.pk}"), 404, "not_found")
        assert client.get(f"/api/v1/cases/{world['rows']['case_of_lead'].pk}"
                          ).status_code == 200

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES_MANAGER])
    def test_managers_and_admins_see_the_firms(self, world, users, role):
        total = client_for(users[role]).get("/api/v1/cases").json()["data"]["pagination"][
            "total"]
        assert total == Case.objects.filter(firm=world["seller"].firm).count() == 4

    def test_the_scope_is_one_query(self, world):
        with CaptureQueriesContext(connection) as queries:
            rows = list(scope_for(Case.objects.all(), user=world["seller"]))
        assert len(rows) == len(SELLER_CASES) and len(queries) == 1

    def test_staff_list_page(self, world, client):
        client.force_login(world["seller"])
        response = client.get(reverse("crm:case_list"))
        assert {row.pk for row in response.context["object_list"]} == {
            world["rows"][name].pk for name in SELLER_CASES}
        other = world["rows"]["other_case"]
        assert client.get(reverse("crm:case_detail", args=[other.pk])).status_code == 404

"""Cases over the API: the contract, deletion and a sales person's scope."""

import pytest

from core.choices import Role
from crm.models import (
    Activity,
    Case,
)
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, ApiContract, assert_error, reference_cases
from tests.crm import RoleScopedContract
from tests.crm.factories import SELLER_CASES, make_activity, make_case, make_customer, make_lead


class TestCasesApi(RoleScopedContract, ApiContract):
    model = Case
    factory = make_case
    scope_field = "actor"  # the user who opens a case has it in their scope
    path = "/api/v1/cases"
    key, plural = "case", "cases"
    sort_fields = ["createdAt", "number", "title"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ}
    search = {"parties": [{"name": "Tabuk Farms", "role": "client"}]}, "tabuk"

    def create_payload(self, firm):
        return {"title": "Land dispute", "customerId": make_customer(firm).pk,
                "practiceArea": "Real estate", "caseType": "litigation",
                "parties": [{"name": "Hail Cement", "role": "plaintiff"},
                            {"name": "Qassim Builders", "role": "defendant"}],
                "relatedEntities": ["Hail Holding"]}

    def invalid_payload(self, firm):
        return {"title": "Nameless party", "parties": [{"role": "witness"}]}, "parties.0.name"

    def update_payload(self, obj):
        return {"status": "on_hold"}

    def filter_cases(self, firm):
        customer = make_customer(firm)
        closed = self.make(firm, status="closed", customer=customer)
        open_case = self.make(firm)
        lead = make_lead(firm)
        from_lead = self.make(firm, lead=lead)
        return [({"status": "closed"}, closed, open_case),
                ({"status": "open,on_hold"}, open_case, closed),
                *reference_cases("customer", customer.pk, closed, open_case),
                ({"lead": str(lead.pk)}, from_lead, open_case)]

    def test_number_assigned_and_parties_cleaned(self, api, firm):
        payload = {**self.create_payload(firm),
                   "parties": [{"name": "  Hail Cement ", "role": "plaintiff"}],
                   "relatedEntities": [" Hail Holding ", ""]}
        # The number is the firm's sequence's: one given is refused by name.
        error = assert_error(api.post(self.path, {**payload, "number": "MINE-1"},
                                      format="json"), 400, "validation_error")
        assert list(error["details"]) == ["number"]
        response = api.post(self.path, payload, format="json")
        assert response.status_code == 201, response.content
        case = response.json()["data"]["case"]
        assert case["number"] and case["number"] != "MINE-1"
        assert case["parties"] == [{"name": "Hail Cement", "role": "plaintiff"}]
        assert case["relatedEntities"] == ["Hail Holding"]

    def test_customer_of_another_firm_is_refused(self, api, firm, other_firm):
        payload = {"title": "Crossed", "customerId": make_customer(other_firm).pk}
        error = assert_error(api.post(self.path, payload, format="json"), 400,
                             "validation_error")
        assert set(error["details"]) == {"customerId"}


@pytest.mark.django_db
class TestCaseDelete:
    def test_case_goes_with_its_activities(self, api, firm):
        case = make_case(firm)
        make_activity(firm, entity=case)
        response = api.delete(f"/api/v1/cases/{case.pk}")
        assert response.status_code == 200, response.content
        assert not Case.objects.filter(pk=case.pk).exists()
        assert not Activity.objects.filter(entity_type="case", entity_id=case.pk).exists()


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

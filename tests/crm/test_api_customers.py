"""Customers (with nested addresses and contacts) and cases over the API."""

import datetime

import pytest

from core.choices import Role
from crm.models import Case, Customer, CustomerAddress, CustomerContact
from tests.contracts.api import OPERATIONS, ApiContract, assert_error
from tests.factories import make_user

from . import RoleScopedContract
from .factories import make_case, make_customer, make_customer_group, make_lead, make_territory

ALL = set(OPERATIONS)
READ = {"list", "retrieve"}
WORK = {"list", "retrieve", "create", "update"}
OLD = datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC)


class CustomerRows(RoleScopedContract):
    model = Customer

    def make(self, firm, **overrides):
        if self.scoped(firm):
            overrides.setdefault("owner", self.scoped(firm))
        return make_customer(firm, **overrides)


class TestCustomersApi(CustomerRows, ApiContract):
    path = "/api/v1/customers"
    key, plural = "customer", "customers"
    sort_fields = ["createdAt", "name", "code", "creditLimit"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK,
                   Role.WAREHOUSE: READ, Role.FINANCE: READ}

    def create_payload(self, firm):
        return {"name": "Najd Foods", "nameAr": "أغذية نجد", "type": "company",
                "vatNumber": "300123456700003", "creditLimit": 5000.5, "paymentTerms": "net_30",
                "addresses": [{"kind": "billing", "line1": "King Fahd Road", "city": "Riyadh",
                               "cityAr": "الرياض", "isDefault": True}],
                "contacts": [{"name": "Sara Al-Harbi", "email": "sara@najd.example",
                              "isPrimary": True}]}

    def invalid_payload(self, firm):
        return {"name": "Unknown kind", "type": "emperor"}, "type"

    def update_payload(self, obj):
        return {"phone": "+966500000001", "notes": "Prefers morning deliveries."}

    def search_case(self, firm):
        self.make(firm)
        return self.make(firm, name="Zubair Trading"), "zubair"

    def filter_cases(self, firm):
        group, territory = make_customer_group(firm), make_territory(firm)
        owner = make_user(firm=firm, role=Role.SALES_PERSON)
        person = self.make(firm, type="individual", customer_group=group, territory=territory,
                           owner=owner)
        company = self.make(firm, type="company")
        inactive = self.make(firm, is_active=False)
        old = self.make(firm)
        Customer.objects.filter(pk=old.pk).update(created_at=OLD)
        return [({"type": "individual"}, person, company),
                ({"customerGroup": str(group.pk)}, person, company),
                ({"customerGroupId": str(group.pk)}, person, company),
                ({"territory": str(territory.pk)}, person, company),
                ({"territoryId": str(territory.pk)}, person, company),
                ({"owner": str(owner.pk)}, person, company),
                ({"ownerId": str(owner.pk)}, person, company),
                ({"isActive": "false"}, inactive, company),
                ({"isActive": "true"}, company, inactive),
                ({"startDate": "2025-01-16"}, company, old),
                ({"endDate": "2025-01-15"}, old, company)]

    def test_create_answers_nested_rows_and_numbers_the_code(self, api, firm):
        response = api.post(self.path, self.create_payload(firm), format="json")
        assert response.status_code == 201, response.content
        customer = response.json()["data"]["customer"]
        assert customer["code"]  # numbered by the service
        assert customer["creditLimit"] == 5000.5
        [address] = customer["addresses"]
        assert (address["line1"], address["city"], address["isDefault"]) == (
            "King Fahd Road", "Riyadh", True)
        [contact] = customer["contacts"]
        assert contact["name"] == "Sara Al-Harbi"
        assert CustomerAddress.objects.get(pk=address["id"]).customer_id == customer["id"]

    def test_nested_lists_replace_the_current_ones(self, api, firm):
        customer = self.make(firm, addresses=[
            {"line1": "First street", "city": "Riyadh"},
            {"line1": "Second street", "city": "Jeddah", "kind": "shipping"}],
            contacts=[{"name": "Ali"}, {"name": "Badr"}])
        first, second = customer.addresses.order_by("pk")
        ali, badr = customer.contacts.order_by("pk")
        response = api.patch(self.url(customer), {
            "addresses": [{"id": first.pk, "line1": "First street, unit 4", "city": "Riyadh"},
                          {"line1": "Third street", "city": "Dammam"}],
            "contacts": [{"id": badr.pk, "name": "Badr", "phone": "+966511111111"},
                         {"name": "Dana"}],
        }, format="json")
        assert response.status_code == 200, response.content
        rows = {row.pk: row for row in CustomerAddress.objects.filter(customer=customer)}
        assert set(rows) == {first.pk, max(rows)} and second.pk not in rows
        assert rows[first.pk].line1 == "First street, unit 4"
        assert rows[max(rows)].line1 == "Third street"
        contacts = CustomerContact.objects.filter(customer=customer)
        assert sorted(contacts.values_list("name", flat=True)) == ["Badr", "Dana"]
        assert not contacts.filter(pk=ali.pk).exists()
        assert contacts.get(pk=badr.pk).phone == "+966511111111"
        answered = response.json()["data"]["customer"]
        assert len(answered["addresses"]) == 2 and len(answered["contacts"]) == 2

    def test_nested_lists_left_out_are_kept(self, api, firm):
        customer = self.make(firm, addresses=[{"line1": "Kept", "city": "Riyadh"}])
        assert api.patch(self.url(customer), {"phone": "+966512345678"},
                         format="json").status_code == 200
        assert list(customer.addresses.values_list("line1", flat=True)) == ["Kept"]

    def test_nested_id_of_another_customer_is_refused(self, api, firm):
        other = self.make(firm, addresses=[{"line1": "Other's", "city": "Riyadh"}])
        customer = self.make(firm, addresses=[{"line1": "Mine", "city": "Riyadh"}])
        foreign = other.addresses.get()
        error = assert_error(api.patch(self.url(customer), {"addresses": [
            {"id": foreign.pk, "line1": "Taken", "city": "Riyadh"}]}, format="json"), 400,
            "validation_error")
        assert "addresses.0.id" in error["details"]
        foreign.refresh_from_db()
        assert foreign.line1 == "Other's" and foreign.customer_id == other.pk
        assert list(customer.addresses.values_list("line1", flat=True)) == ["Mine"]

    def test_nested_errors_name_the_row(self, api, firm):
        payload = {**self.create_payload(firm), "addresses": [{"line1": "No city"}]}
        error = assert_error(api.post(self.path, payload, format="json"), 400,
                             "validation_error")
        assert "addresses.0.city" in error["details"]
        assert not Customer.objects.filter(firm=firm, name="Najd Foods").exists()

    def test_references_of_another_firm_are_refused(self, api, firm, other_firm):
        payload = {"name": "Crossed", "customerGroupId": make_customer_group(other_firm).pk,
                   "territoryId": make_territory(other_firm).pk,
                   "ownerId": make_user(firm=other_firm).pk}
        error = assert_error(api.post(self.path, payload, format="json"), 400,
                             "validation_error")
        assert set(error["details"]) == {"customerGroupId", "territoryId", "ownerId"}
        assert not Customer.objects.filter(name="Crossed").exists()

    def test_code_is_unique_in_the_firm(self, api, firm, other_firm):
        existing = self.make(firm, code="C-0001")
        self.make(other_firm, code="C-0002")
        error = assert_error(api.post(self.path, {"name": "Twin", "code": existing.code},
                                      format="json"), 400, "validation_error")
        assert set(error["details"]) == {"code"}
        created = api.post(self.path, {"name": "Other firm's code is free", "code": "C-0002"},
                           format="json")
        assert created.status_code == 201, created.content

    def test_sales_person_sees_only_customers_they_own(self, users, firm):
        from tests.conftest import client_for

        seller = users[Role.SALES_PERSON]
        mine, theirs = self.make(firm, owner=seller), self.make(firm)
        client = client_for(seller)
        listed = [row["id"] for row in client.get(self.path).json()["data"]["customers"]]
        assert listed == [mine.pk]
        assert_error(client.get(self.url(theirs)), 404, "not_found")

    def test_customer_with_leads_is_protected(self, api, firm):
        from .factories import make_pipeline

        make_pipeline(firm, is_default=True)
        lead = make_lead(firm, status="won")
        assert_error(api.delete(self.url(lead.customer)), 409, "protected")


class CaseRows(RoleScopedContract):
    model = Case

    def make(self, firm, **overrides):
        # During the permission test the role's user opens it, so it is in their scope.
        overrides.setdefault("actor", self.scoped(firm))
        return make_case(firm, **overrides)


class TestCasesApi(CaseRows, ApiContract):
    path = "/api/v1/cases"
    key, plural = "case", "cases"
    sort_fields = ["createdAt", "number", "title"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ}

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

    def search_case(self, firm):
        self.make(firm)
        return self.make(firm, parties=[{"name": "Tabuk Farms", "role": "client"}]), "tabuk"

    def filter_cases(self, firm):
        customer = make_customer(firm)
        closed = self.make(firm, status="closed", customer=customer)
        open_case = self.make(firm)
        lead = make_lead(firm)
        from_lead = self.make(firm, lead=lead)
        return [({"status": "closed"}, closed, open_case),
                ({"status": "open,on_hold"}, open_case, closed),
                ({"customer": str(customer.pk)}, closed, open_case),
                ({"customerId": str(customer.pk)}, closed, open_case),
                ({"lead": str(lead.pk)}, from_lead, open_case)]

    def test_number_assigned_and_parties_cleaned(self, api, firm):
        payload = {**self.create_payload(firm), "number": "MINE-1",
                   "parties": [{"name": "  Hail Cement ", "role": "plaintiff"}],
                   "relatedEntities": [" Hail Holding ", ""]}
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
def test_money_is_a_json_number_and_rounded(api, firm):
    response = api.post("/api/v1/customers", {"name": "Rounded", "creditLimit": "1234.565"},
                        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["data"]["customer"]["creditLimit"] == 1234.57

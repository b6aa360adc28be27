"""Customers (with nested addresses and contacts) over the API, their deletion and their
default price list."""

import pytest

from core.choices import Role
from crm.models import (
    Activity,
    Customer,
    CustomerAddress,
    CustomerContact,
    Notification,
)
from pricing.models import PriceList
from tests.conftest import client_for
from tests.contracts.api import (
    ALL,
    READ,
    WORK,
    ApiContract,
    assert_error,
    reference_cases,
)
from tests.crm import RoleScopedContract
from tests.crm.factories import (
    make_activity,
    make_case,
    make_customer,
    make_customer_group,
    make_lead,
    make_notification,
    make_pipeline,
    make_territory,
)
from tests.factories import make_user


class TestCustomersApi(RoleScopedContract, ApiContract):
    model = Customer
    factory = make_customer
    scope_field = "owner"
    path = "/api/v1/customers"
    key, plural = "customer", "customers"
    sort_fields = ["createdAt", "name", "code", "creditLimit"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK,
                   Role.WAREHOUSE: READ, Role.FINANCE: READ}
    search = {"name": "Zubair Trading"}, "zubair"

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

    def filter_cases(self, firm):
        group, territory = make_customer_group(firm), make_territory(firm)
        owner = make_user(firm=firm, role=Role.SALES_PERSON)
        person = self.make(firm, type="individual", customer_group=group, territory=territory,
                           owner=owner)
        company = self.make(firm, type="company")
        inactive = self.make(firm, is_active=False)
        return [({"type": "individual"}, person, company),
                *reference_cases("customerGroup", group.pk, person, company),
                *reference_cases("territory", territory.pk, person, company),
                *reference_cases("owner", owner.pk, person, company),
                ({"isActive": "false"}, inactive, company),
                ({"isActive": "true"}, company, inactive),
                *self.date_cases(firm)]

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

        seller = users[Role.SALES_PERSON]
        mine, theirs = self.make(firm, owner=seller), self.make(firm)
        client = client_for(seller)
        listed = [row["id"] for row in client.get(self.path).json()["data"]["customers"]]
        assert listed == [mine.pk]
        assert_error(client.get(self.url(theirs)), 404, "not_found")

    def test_customer_with_leads_is_protected(self, api, firm):

        make_pipeline(firm, is_default=True)
        lead = make_lead(firm, status="won")
        assert_error(api.delete(self.url(lead.customer)), 409, "protected")


@pytest.mark.django_db
def test_money_is_a_json_number_and_rounded(api, firm):
    response = api.post("/api/v1/customers", {"name": "Rounded", "creditLimit": "1234.565"},
                        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["data"]["customer"]["creditLimit"] == 1234.57


@pytest.mark.django_db
class TestCustomerDelete:
    def test_unused_customer_goes_with_its_rows(self, api, firm, users):
        customer = make_customer(firm, addresses=[{"line1": "Olaya St", "city": "Riyadh"}])
        make_activity(firm, entity=customer)
        make_notification(users[Role.ADMIN], entity_type="customer", entity_id=customer.pk)
        response = api.delete(f"/api/v1/customers/{customer.pk}")
        assert response.status_code == 200, response.content
        assert not Customer.objects.filter(pk=customer.pk).exists()
        assert not CustomerAddress.objects.filter(customer_id=customer.pk).exists()
        assert not Activity.objects.filter(entity_type="customer",
                                           entity_id=customer.pk).exists()
        assert not Notification.objects.filter(entity_type="customer",
                                               entity_id=customer.pk).exists()

    def test_used_customer_is_protected_and_untouched(self, api, firm):
        customer = make_customer(firm)
        make_case(firm, customer=customer)
        make_case(firm, customer=customer)
        activity = make_activity(firm, entity=customer)
        error = assert_error(api.delete(f"/api/v1/customers/{customer.pk}"), 409, "protected")
        assert error["details"] == {"references": {"case": 2}}
        assert "cases: 2" in error["message"]
        assert error["messageAr"] != error["message"]
        # Nothing went: not the customer, not its activity.
        assert Customer.objects.filter(pk=customer.pk).exists()
        assert Activity.objects.filter(pk=activity.pk).exists()
        assert not Customer.history.filter(id=customer.pk, history_type="-").exists()


# --- the customer's default price list ----------------------------------------------------


@pytest.mark.django_db
class TestDefaultPriceList:
    def test_api_sets_shows_and_clears_it(self, api, firm):
        price_list = PriceList.objects.create(firm=firm, code="PL1", name="List")
        created = api.post("/api/v1/customers", {"name": "Najd", "defaultPriceListId":
                                                 price_list.pk}, format="json")
        assert created.status_code == 201, created.content
        body = created.json()["data"]["customer"]
        assert body["defaultPriceListId"] == price_list.pk
        customer = Customer.objects.get(pk=body["id"])
        assert customer.default_price_list == price_list
        cleared = api.patch(f"/api/v1/customers/{customer.pk}", {"defaultPriceListId": None},
                            format="json")
        assert cleared.json()["data"]["customer"]["defaultPriceListId"] is None
        customer.refresh_from_db()
        assert customer.default_price_list is None

    def test_another_firms_list_is_a_validation_error(self, api, firm, other_firm):
        foreign = PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        customer = make_customer(firm)
        error = assert_error(api.patch(f"/api/v1/customers/{customer.pk}",
                                       {"defaultPriceListId": foreign.pk}, format="json"),
                             400, "validation_error")
        assert set(error["details"]) == {"defaultPriceListId"}
        customer.refresh_from_db()
        assert customer.default_price_list is None

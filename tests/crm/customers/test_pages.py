"""Customer staff pages."""


import pytest
from django.urls import reverse

from core.choices import Role
from crm.forms import CustomerForm
from crm.models import (
    Customer,
)
from pricing.models import PriceList
from tests.contracts.pages import EVERY_ROLE, SELLERS, PagesContract, management
from tests.crm.factories import (
    make_activity,
    make_case,
    make_customer,
    make_lead,
    seller_of,
)


@pytest.mark.django_db
class TestCustomerDelete:

    def test_page_says_what_uses_it(self, client, firm, admin_user):
        customer = make_customer(firm)
        lead = make_lead(firm, customer=customer)
        client.force_login(admin_user)
        response = client.post(reverse("crm:customer_delete", args=[customer.pk]),
                               follow=True)
        assert Customer.objects.filter(pk=customer.pk).exists()
        texts = [str(message) for message in response.context["messages"]]
        assert any("leads: 1" in text for text in texts), texts
        assert lead.customer_id == customer.pk


# --- the customer's default price list ----------------------------------------------------


@pytest.mark.django_db
class TestDefaultPriceList:

    def test_form_offers_the_firms_lists_and_the_page_shows_it(self, client, firm,
                                                               other_firm, admin_user):
        ours = PriceList.objects.create(firm=firm, code="PL1", name="Wholesale")
        theirs = PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        form = CustomerForm(user=admin_user)
        assert list(form.fields["default_price_list"].queryset) == [ours]
        assert theirs not in form.fields["default_price_list"].queryset
        client.force_login(admin_user)
        response = client.post(reverse("crm:customer_create"), {
            "name": "Hail Foods", "type": "company", "credit_limit": "0",
            "payment_terms": "net_30", "is_active": "on", "default_price_list": ours.pk,
            "owner": admin_user.pk,
            **{f"{prefix}-{key}": value for prefix in ("addresses", "contacts")
               for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                                  ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}})
        assert response.status_code == 302, response.content.decode()[:3000]
        customer = Customer.objects.get(firm=firm, name="Hail Foods")
        assert customer.default_price_list == ours
        detail = client.get(reverse("crm:customer_detail", args=[customer.pk]))
        assert "Wholesale" in detail.content.decode()


# --- the page contract per resource --------------------------------------------------------


class TestCustomerPages(PagesContract):
    model = Customer
    view_roles = EVERY_ROLE
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        return make_customer(firm, owner=seller.user if seller else None, **overrides)

    def form_data(self, firm):
        return {"name": "Najd Foods", "name_ar": "أغذية نجد", "type": "company",
                "credit_limit": "5000", "payment_terms": "net_30", "is_active": "on",
                **management("addresses"), **management("contacts")}

    def test_addresses_and_contacts_are_saved_with_the_customer(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        data = {**self.form_data(firm), **management("addresses", 1), **management("contacts", 1),
                "addresses-0-kind": "billing", "addresses-0-line1": "King Fahd Road",
                "addresses-0-city": "Riyadh", "addresses-0-country": "SA",
                "contacts-0-name": "Huda", "contacts-0-email": "huda@najd.example",
                "contacts-0-is_primary": "on"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        customer = Customer.objects.get(firm=firm, name="Najd Foods")
        assert customer.code  # numbered by the service when left empty
        assert list(customer.addresses.values_list("line1", "city")) == [
            ("King Fahd Road", "Riyadh")]
        contact = customer.contacts.get()
        assert (contact.name, contact.is_primary) == ("Huda", True)

        # Edit: rename the contact, delete the address, add a shipping address.
        address = customer.addresses.get()
        data = {**self.form_data(firm), "code": customer.code,
                **management("addresses", 2, 1), **management("contacts", 1, 1),
                "addresses-0-id": address.pk, "addresses-0-customer": customer.pk,
                "addresses-0-kind": "billing", "addresses-0-line1": "King Fahd Road",
                "addresses-0-city": "Riyadh", "addresses-0-country": "SA",
                "addresses-0-DELETE": "on",
                "addresses-1-kind": "shipping", "addresses-1-line1": "Port road",
                "addresses-1-city": "Dammam", "addresses-1-country": "SA",
                "contacts-0-id": contact.pk, "contacts-0-customer": customer.pk,
                "contacts-0-name": "Huda Al-Harbi", "contacts-0-is_primary": "on"}
        response = client.post(self.page("update", customer.pk), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert list(customer.addresses.values_list("kind", "city")) == [("shipping", "Dammam")]
        assert list(customer.contacts.values_list("pk", "name")) == [(contact.pk,
                                                                      "Huda Al-Harbi")]

    def test_a_bad_address_row_shows_its_error_and_saves_nothing(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        data = {**self.form_data(firm), **management("addresses", 1),
                "addresses-0-kind": "billing", "addresses-0-line1": "No city road"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 200
        formset = {item["name"]: item["formset"] for item in response.context["formsets"]}
        assert "city" in formset["addresses"].forms[0].errors
        assert not Customer.objects.filter(firm=firm, name="Najd Foods").exists()

    def test_a_sales_persons_new_customer_is_their_own(self, client, users, firm):
        seller = users[Role.SALES_PERSON]
        client.force_login(seller)
        response = client.get(self.page("create"))
        assert "owner" not in response.context["form"].fields
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        customer = Customer.objects.get(firm=firm, name="Najd Foods")
        assert customer.owner == seller
        assert client.get(response["Location"]).status_code == 200

    def test_detail_tabs(self, client, admin_user, firm):
        customer = self.make(firm, addresses=[{"line1": "Olaya St", "city": "Riyadh"}],
                             contacts=[{"name": "Salem"}])
        make_case(firm, title="Supply dispute", customer=customer)
        make_activity(firm, entity=customer, subject="Intro call")
        client.force_login(admin_user)
        html = client.get(self.page("detail", customer.pk)).content.decode()
        for tab in ("addresses", "contacts", "leads", "cases", "activities", "history"):
            assert f'data-testid="{tab}-tab"' in html
        assert "Olaya St" in html and "Salem" in html
        assert "Supply dispute" in html and "Intro call" in html

    def test_list_filters_and_search(self, client, admin_user, firm):
        company = self.make(firm, name="Gulf Dates", type="company")
        person = self.make(firm, name="Sami Al-Otaibi", type="individual")
        client.force_login(admin_user)
        rows = client.get(self.page("list"), {"type": "individual"}).context["object_list"]
        assert list(rows) == [person]
        rows = client.get(self.page("list"), {"search": "gulf"}).context["object_list"]
        assert list(rows) == [company]

    def test_foreign_keys_offer_only_the_firms_rows(self, client, admin_user, firm,
                                                    other_firm):
        from tests.crm.factories import make_customer_group

        ours, theirs = make_customer_group(firm), make_customer_group(other_firm)
        client.force_login(admin_user)
        form = client.get(self.page("create")).context["form"]
        groups = set(form.fields["customer_group"].queryset)
        assert ours in groups and theirs not in groups
        assert set(form.fields["owner"].queryset.values_list("firm_id", flat=True)) == {
            firm.pk}

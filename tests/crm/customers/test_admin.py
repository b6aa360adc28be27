"""Customers in the Django admin: scoped to the admin's firm, deleted through the service."""


import pytest
from django.urls import reverse

from crm import models
from crm.models import (
    Customer,
)
from pricing.models import PriceList
from tests.contracts.admin import admin_url
from tests.crm.factories import (
    make_customer,
)


@pytest.mark.django_db
class TestCustomerDelete:

    def test_page_and_admin_delete_an_unused_one(self, client, firm, admin_user):
        first, second = make_customer(firm), make_customer(firm)
        client.force_login(admin_user)
        detail = client.get(reverse("crm:customer_detail", args=[first.pk]))
        assert reverse("crm:customer_delete", args=[first.pk]) in detail.content.decode()
        response = client.post(reverse("crm:customer_delete", args=[first.pk]))
        assert response["Location"] == reverse("crm:customer_list")
        client.post(admin_url(Customer, "delete", second.pk), {"post": "yes"})
        assert not Customer.objects.filter(pk__in=[first.pk, second.pk]).exists()


# --- the customer's default price list ----------------------------------------------------


@pytest.mark.django_db
class TestDefaultPriceList:

    def test_admin_offers_only_the_firms_lists(self, client, firm, other_firm, admin_user):
        ours = PriceList.objects.create(firm=firm, code="PL1", name="Wholesale")
        PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        client.force_login(admin_user)
        response = client.get(reverse("admin:crm_customer_add"))
        field = response.context["adminform"].form.fields["default_price_list"]
        assert list(field.queryset) == [ours]


@pytest.mark.django_db
class TestCrmAdmin:

    def test_another_firms_rows_are_not_listed(self, client, admin_user, firm, other_firm):
        ours, theirs = make_customer(firm, name="Ours Co"), make_customer(other_firm,
                                                                          name="Theirs Co")
        client.force_login(admin_user)
        rows = client.get(admin_url(models.Customer, "changelist")).context["cl"].result_list
        assert ours in rows and theirs not in rows
        assert client.get(admin_url(models.Customer, "change", theirs.pk)).status_code == 302

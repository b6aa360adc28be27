"""Case staff pages."""


import pytest
from django.urls import reverse

from core.choices import Role
from crm.models import (
    Case,
)
from tests.contracts.pages import SELLERS, PagesContract, management
from tests.crm.factories import (
    SELLER_CASES,
    make_case,
    make_customer,
    seller_of,
)


@pytest.mark.django_db
class TestCaseDelete:

    def test_page(self, client, firm, admin_user, users):
        case = make_case(firm)
        client.force_login(users[Role.SALES_PERSON])
        assert client.post(reverse("crm:case_delete", args=[case.pk])).status_code in (403,
                                                                                        404)
        client.force_login(admin_user)
        assert client.post(reverse("crm:case_delete", args=[case.pk])).status_code == 302
        assert not Case.objects.filter(pk=case.pk).exists()


class TestCasePages(PagesContract):
    model = Case
    view_roles = SELLERS
    change_roles = {Role.ADMIN, Role.SALES_MANAGER}

    def make(self, firm, **overrides):
        # The seller's customer's case: in the seller's scope (and their manager's).
        seller = seller_of(firm)
        if seller is not None:
            overrides.setdefault("customer", make_customer(firm, owner=seller.user))
        return make_case(firm, **overrides)

    def form_data(self, firm):
        return {"title": "Lease dispute", "status": "open", "practice_area": "Real estate",
                "related_entities": "Olaya Towers\n\n  Riyadh Holding  ",
                **management("parties", 2), "parties-0-name": "Najd Foods",
                "parties-0-role": "client", "parties-1-name": "", "parties-1-role": ""}

    def test_parties_and_related_entities_are_saved(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        case = Case.objects.get(firm=firm, title="Lease dispute")
        assert case.number
        assert case.parties == [{"name": "Najd Foods", "role": "client"}]
        assert case.related_entities == ["Olaya Towers", "Riyadh Holding"]
        form = client.get(self.page("update", case.pk)).context["form"]
        assert form.initial["related_entities"] == "Olaya Towers\nRiyadh Holding"


@pytest.mark.django_db
class TestCaseScope:

    def test_staff_list_page(self, world, client):
        client.force_login(world["seller"])
        response = client.get(reverse("crm:case_list"))
        assert {row.pk for row in response.context["object_list"]} == {
            world["rows"][name].pk for name in SELLER_CASES}
        other = world["rows"]["other_case"]
        assert client.get(reverse("crm:case_detail", args=[other.pk])).status_code == 404

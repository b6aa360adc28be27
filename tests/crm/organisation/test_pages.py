"""Customer group, territory, sales team and sales person staff pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Role
from crm.models import (
    SalesPerson,
    SalesTeam,
)
from tests.contracts.pages import PagesContract
from tests.crm.factories import (
    make_sales_team,
    seller_of,
)


class TestSalesTeamPages(PagesContract):
    model = SalesTeam
    factory = make_sales_team
    view_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
    change_roles = {Role.ADMIN, Role.SALES_MANAGER}

    def form_data(self, firm):
        return {"name": f"East team {SalesTeam.objects.count()}", "name_ar": "فريق الشرقية",
                "is_active": "on"}


# --- reference pages: reachable, forms through their services ------------------------------


@pytest.mark.django_db
class TestReferencePages:

    @pytest.mark.parametrize("name", ["customergroup", "territory", "pipeline",
                                      "salesperson"])
    def test_list_and_form_pages_open(self, client, admin_user, name):
        client.force_login(admin_user)
        assert client.get(reverse(f"crm:{name}_list")).status_code == 200
        assert client.get(reverse(f"crm:{name}_create")).status_code == 200

    def test_territory_and_group_forms_save_with_history(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(reverse("crm:territory_create"),
                               {"code": "C", "name": "Central", "name_ar": "الوسطى"})
        assert response.status_code == 302
        response = client.post(reverse("crm:customergroup_create"), {"name": "Retail"})
        assert response.status_code == 302
        from crm.models import CustomerGroup, Territory

        territory = Territory.objects.get(firm=firm, code="C")
        assert territory.history.get().history_user == admin_user
        assert CustomerGroup.objects.get(firm=firm, name="Retail").created_by == admin_user

    def test_sales_person_form_uses_users_without_a_profile(self, client, users, firm):
        seller_of(firm)
        client.force_login(users[Role.ADMIN])
        form = client.get(reverse("crm:salesperson_create")).context["form"]
        assert users[Role.SALES_PERSON] not in form.fields["user"].queryset
        response = client.post(reverse("crm:salesperson_create"),
                               {"user": users[Role.FINANCE].pk, "commission_rate": "2.5",
                                "is_active": "on"})
        assert response.status_code == 302
        assert SalesPerson.objects.get(user=users[Role.FINANCE]).commission_rate == Decimal(
            "2.5")

"""Customer groups, territories, sales teams and sales persons over the API."""

import pytest
from django.urls import reverse

from core.choices import Role
from crm import services
from crm.models import (
    CustomerGroup,
    SalesPerson,
    SalesTeam,
    Territory,
)
from tests.contracts.api import ALL, READ, ApiContract, assert_error, reference_cases
from tests.crm.factories import (
    make_campaign,
    make_customer,
    make_customer_group,
    make_sales_person,
    make_sales_team,
    make_territory,
)
from tests.factories import make_user

# Admins and sales managers keep the organisation; sellers and finance read it.
PERMISSIONS = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ,
               Role.FINANCE: READ}


class TestCustomerGroupsApi(ApiContract):
    path = "/api/v1/customer-groups"
    key, plural = "customerGroup", "customerGroups"
    model = CustomerGroup
    factory = make_customer_group
    sort_fields = ["createdAt", "name"]
    permissions = PERMISSIONS
    search = {"name": "Hospitality chains"}, "hospitality"

    def create_payload(self, firm):
        return {"name": f"Wholesale {CustomerGroup.objects.count()}", "nameAr": "الجملة",
                "description": "Buys by the pallet."}

    def invalid_payload(self, firm):
        return {"name": "", "nameAr": "فارغ"}, "name"

    def update_payload(self, obj):
        return {"description": "Monthly invoicing."}

    def filter_cases(self, firm):
        return self.date_cases(firm)

    def test_duplicate_name_is_a_validation_error(self, api, firm):
        self.make(firm, name="Retail")
        error = assert_error(api.post(self.path, {"name": "Retail"}, format="json"), 400,
                             "validation_error")
        assert "name" in error["details"] or "nonFieldErrors" in error["details"]

    def test_group_in_use_is_protected(self, api, firm):

        group = self.make(firm)
        make_customer(firm, customer_group=group)
        assert_error(api.delete(self.url(group)), 409, "protected")
        assert CustomerGroup.objects.filter(pk=group.pk).exists()


class TestTerritoriesApi(ApiContract):
    path = "/api/v1/territories"
    key, plural = "territory", "territories"
    model = Territory
    factory = make_territory
    sort_fields = ["createdAt", "name", "code"]
    permissions = PERMISSIONS
    search = {"name": "Eastern Province"}, "eastern"

    def create_payload(self, firm):
        return {"code": f"N{Territory.objects.count()}", "name": "Northern",
                "nameAr": "الشمالية"}

    def invalid_payload(self, firm):
        return {"code": "x" * 21, "name": "Too long a code"}, "code"

    def update_payload(self, obj):
        return {"nameAr": "المنطقة الشرقية"}

    def filter_cases(self, firm):
        east, west = self.make(firm), self.make(firm)
        return [({"code": east.code.lower()}, east, west), *self.date_cases(firm)]


class TestSalesTeamsApi(ApiContract):
    path = "/api/v1/sales-teams"
    key, plural = "salesTeam", "salesTeams"
    model = SalesTeam
    factory = make_sales_team
    sort_fields = ["createdAt", "name"]
    permissions = PERMISSIONS
    search = {"name": "Dammam key accounts"}, "dammam"

    def create_payload(self, firm):
        manager = make_user(firm=firm, role=Role.SALES_MANAGER)
        return {"name": f"Jeddah team {SalesTeam.objects.count()}", "nameAr": "فريق جدة",
                "managerId": manager.pk}

    def invalid_payload(self, firm):
        return {"name": "No such manager", "managerId": 987654321}, "managerId"

    def update_payload(self, obj):
        return {"isActive": False}

    def filter_cases(self, firm):
        manager = make_user(firm=firm, role=Role.SALES_MANAGER)
        managed, other = self.make(firm, manager=manager), self.make(firm)
        inactive = self.make(firm, is_active=False)
        return [*reference_cases("manager", manager.pk, managed, other),
                ({"isActive": "false"}, inactive, other),
                *self.date_cases(firm)]

    def test_manager_of_another_firm_is_refused(self, api, firm, other_firm):
        stranger = make_user(firm=other_firm, role=Role.SALES_MANAGER)
        error = assert_error(api.post(self.path, {"name": "Mixed", "managerId": stranger.pk},
                                      format="json"), 400, "validation_error")
        assert set(error["details"]) == {"managerId"}
        assert not SalesTeam.objects.filter(name="Mixed").exists()


class TestSalesPersonsApi(ApiContract):
    path = "/api/v1/sales-persons"
    key, plural = "salesPerson", "salesPersons"
    model = SalesPerson
    factory = make_sales_person
    sort_fields = ["createdAt", "commissionRate"]
    permissions = PERMISSIONS

    def create_payload(self, firm):
        user = make_user(firm=firm, role=Role.SALES_PERSON)
        return {"userId": user.pk, "commissionRate": 2.5}

    def invalid_payload(self, firm):
        user = make_user(firm=firm, role=Role.SALES_PERSON)
        return {"userId": user.pk, "commissionRate": 150}, "commissionRate"

    def update_payload(self, obj):
        return {"commissionRate": 7.25}

    def search_case(self, firm):
        self.make(firm)
        user = make_user(firm=firm, role=Role.SALES_PERSON, last_name="Qahtani")
        return self.make(firm, user=user), "qahtani"

    def filter_cases(self, firm):
        team, territory = make_sales_team(firm), make_territory(firm)
        in_team = self.make(firm, team=team, territory=territory)
        other = self.make(firm)
        inactive = self.make(firm, is_active=False)
        return [*reference_cases("team", team.pk, in_team, other),
                ({"territory": str(territory.pk)}, in_team, other),
                ({"user": str(in_team.user_id)}, in_team, other),
                ({"isActive": "false"}, inactive, other),
                *self.date_cases(firm)]

    def test_rate_is_a_number_rounded_to_four_places(self, api, firm):
        user = make_user(firm=firm, role=Role.SALES_PERSON)
        response = api.post(self.path, {"userId": user.pk, "commissionRate": 2.123456},
                            format="json")
        assert response.status_code == 201, response.content
        person = response.json()["data"]["salesPerson"]
        assert person["commissionRate"] == 2.1235
        assert (person["userId"], person["teamId"]) == (user.pk, None)

    def test_user_of_another_firm_is_refused(self, api, other_firm):
        stranger = make_user(firm=other_firm, role=Role.SALES_PERSON)
        error = assert_error(api.post(self.path, {"userId": stranger.pk}, format="json"), 400,
                             "validation_error")
        assert set(error["details"]) == {"userId"}
        assert not SalesPerson.objects.filter(user=stranger).exists()

    def test_one_profile_per_user(self, api, firm):
        person = self.make(firm)
        error = assert_error(api.post(self.path, {"userId": person.user_id}, format="json"),
                             400, "validation_error")
        assert "userId" in error["details"] or "user" in error["details"]
        assert SalesPerson.objects.filter(user_id=person.user_id).count() == 1

    def test_person_with_campaigns_is_protected(self, api, firm):
        person = self.make(firm)
        make_campaign(firm, sales_person=person)
        assert_error(api.delete(self.url(person)), 409, "protected")


@pytest.mark.django_db
def test_commission_plan_is_not_part_of_the_sales_person_yet(api, firm):
    """commissionPlanId comes with the commissions app; until then it is not in the API."""
    person = make_sales_person(firm)
    body = api.get(f"/api/v1/sales-persons/{person.pk}").json()["data"]["salesPerson"]
    assert "commissionPlanId" not in body


@pytest.mark.django_db
class TestSalesPersonDelete:
    def test_with_campaigns_is_protected_even_deleted_ones(self, api, firm):
        person = make_sales_person(firm)
        campaign = make_campaign(firm, sales_person=person)
        services.campaign_delete(campaign=campaign, actor=None)  # soft: kept for audit
        error = assert_error(api.delete(f"/api/v1/sales-persons/{person.pk}"), 409,
                             "protected")
        assert error["details"] == {"references": {"campaign": 1}}
        assert "campaigns: 1" in error["message"]
        assert SalesPerson.objects.filter(pk=person.pk).exists()

    def test_profile_goes_the_user_stays(self, api, client, firm, admin_user):
        person, other = make_sales_person(firm), make_sales_person(firm)
        assert api.delete(f"/api/v1/sales-persons/{person.pk}").status_code == 200
        assert not SalesPerson.objects.filter(pk=person.pk).exists()
        person.user.refresh_from_db()
        assert person.user.is_active
        client.force_login(admin_user)
        detail = client.get(reverse("crm:salesperson_detail", args=[other.pk]))
        assert reverse("crm:salesperson_delete", args=[other.pk]) in detail.content.decode()
        assert client.post(reverse("crm:salesperson_delete",
                                   args=[other.pk])).status_code == 302
        assert not SalesPerson.objects.filter(pk=other.pk).exists()

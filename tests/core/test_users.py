import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core import services
from core.choices import Role
from core.errors import ApplicationError
from core.models import User
from tests.contracts.api import ApiContract, assert_error
from tests.contracts.pages import PagesContract
from tests.factories import PASSWORD, make_user


class UserRows:
    model = User
    # Distinct names and roles, so sorting by them is really exercised.
    NAMES = ["Zahrani", "Otaibi", "Qahtani", "Harbi", "Dosari", "Shehri", "Ghamdi", "Anazi"]
    ROLES = [Role.SALES_PERSON, Role.FINANCE, Role.WAREHOUSE, Role.SALES_MANAGER]

    def make(self, firm, **overrides):
        n = User.objects.count()
        fields = {"role": self.ROLES[n % len(self.ROLES)], "first_name": "Omar",
                  "last_name": f"{self.NAMES[n % len(self.NAMES)]} {n}", **overrides}
        return make_user(firm=firm, **fields)


class TestUsersApi(UserRows, ApiContract):
    path = "/api/v1/users"
    key, plural = "user", "users"
    sort_fields = ["username", "lastName", "role", "dateJoined"]
    permissions = {Role.ADMIN: {"list", "retrieve", "create", "update", "delete"},
                   Role.SALES_MANAGER: {"list", "retrieve"}}

    def create_payload(self, firm):
        return {"username": f"new-{User.objects.count()}", "password": PASSWORD,
                "role": "finance", "firstName": "Hind", "lastName": "Al-Zahrani"}

    def invalid_payload(self, firm):
        return {"username": "x", "password": PASSWORD, "role": "emperor"}, "role"

    def update_payload(self, obj):
        return {"lastName": "Al-Mutairi", "language": "ar"}

    def search_case(self, firm):
        return self.make(firm, last_name="Zubaidi"), "zubaid"

    def filter_cases(self, firm):
        finance = self.make(firm, role=Role.FINANCE)
        warehouse = self.make(firm, role=Role.WAREHOUSE)
        old = self.make(firm)
        User.objects.filter(pk=old.pk).update(date_joined="2025-01-15T12:00:00+03:00")
        return [({"role": "finance"}, finance, warehouse),
                ({"role": "warehouse,sales_manager"}, warehouse, finance),
                ({"startDate": "2025-01-16"}, finance, old),
                ({"endDate": "2025-01-15"}, old, finance),
                ({"startDate": "2025-01-15", "endDate": "2025-01-15"}, old, warehouse),
                ({"isActive": "true"}, finance, _inactive(self, firm))]

    def test_bad_dates_are_refused(self, api):
        error = assert_error(api.get(self.path, {"startDate": "yesterday"}), 400,
                             "validation_error")
        assert set(error["details"]) == {"startDate"}

    def assert_deleted(self, obj):
        # Users are deactivated, never deleted: their names stay on documents.
        obj.refresh_from_db()
        assert obj.is_active is False


def _inactive(rows, firm):
    user = rows.make(firm)
    User.objects.filter(pk=user.pk).update(is_active=False)
    return user


class TestUserPages(UserRows, PagesContract):
    view_roles = {Role.ADMIN, Role.SALES_MANAGER}
    change_roles = {Role.ADMIN}

    def form_data(self, firm):
        return {"username": f"page-{User.objects.count()}", "password": PASSWORD,
                "role": "warehouse", "language": "ar", "first_name": "Badr"}


@pytest.mark.django_db
class TestUserRules:
    def test_role_decides_group_and_admin_site(self, firm):
        user = make_user(firm=firm, role=Role.SALES_MANAGER)
        assert list(user.groups.values_list("name", flat=True)) == ["sales_manager"]
        assert user.is_staff is False
        user = services.user_update(user=user, actor=None, role=Role.ADMIN)
        assert list(user.groups.values_list("name", flat=True)) == ["admin"]
        assert user.is_staff is True

    def test_weak_password_refused(self, firm):
        with pytest.raises(ValidationError, match=r"too common|too short"):
            services.user_create(firm=firm, actor=None, username="weak", password="password")
        assert not User.objects.filter(username="weak").exists()

    def test_last_admin_cannot_be_demoted_or_deactivated(self, firm):
        only_admin = make_user(firm=firm, role=Role.ADMIN)
        for change in ({"role": Role.FINANCE}, {"is_active": False}):
            with pytest.raises(ApplicationError) as refused:
                services.user_update(user=only_admin, actor=None, **change)
            assert refused.value.code == "last_admin"
        only_admin.refresh_from_db()
        assert (only_admin.role, only_admin.is_active) == (Role.ADMIN, True)
        make_user(firm=firm, role=Role.ADMIN)
        demoted = services.user_update(user=only_admin, actor=None, role=Role.FINANCE)
        assert demoted.role == Role.FINANCE

    def test_api_refuses_deactivating_the_last_admin(self, api, admin_user):
        assert_error(api.delete(f"/api/v1/users/{admin_user.pk}"), 400, "last_admin")

    def test_groups_hold_the_declared_permissions(self, db):
        codenames = {group.name: set(group.permissions.values_list("codename", flat=True))
                     for group in Group.objects.all()}
        assert {"add_user", "change_user", "change_salessettings"} <= codenames["admin"]
        assert "add_firm" not in codenames["admin"]
        assert codenames["sales_manager"] >= {"view_user", "view_salessettings"}
        assert "change_user" not in codenames["sales_manager"]
        assert "view_user" not in codenames["sales_person"]


@pytest.mark.django_db
class TestMe:
    def test_me_for_every_role(self, users):
        from tests.conftest import client_for

        for role, user in users.items():
            response = client_for(user).get("/api/v1/users/me")
            assert response.status_code == 200
            me = response.json()["data"]["user"]
            assert (me["id"], me["role"], me["firm"]["id"]) == (user.pk, role, user.firm_id)
            assert "salesPersonId" in me and "permissions" in me

    def test_me_patch_edits_profile_not_role(self, users):
        from tests.conftest import client_for

        user = users[Role.SALES_PERSON]
        response = client_for(user).patch("/api/v1/users/me",
                                          {"language": "ar", "role": "admin"}, format="json")
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.language, user.role) == ("ar", Role.SALES_PERSON)
        assert user.history.latest().history_user_id == user.pk


@pytest.mark.django_db
def test_group_follows_role_whatever_creates_the_user(firm):
    user = User.objects.create_user(username="plain", password=PASSWORD, firm=firm,
                                    role=Role.FINANCE)
    assert list(user.groups.values_list("name", flat=True)) == ["finance"]
    assert user.has_perm("core.view_salessettings")
    user = User.objects.get(pk=user.pk)
    user.role = Role.WAREHOUSE
    user.save()
    assert list(user.groups.values_list("name", flat=True)) == ["warehouse"]


@pytest.mark.django_db
def test_user_page_keeps_the_logged_in_user_in_the_layout(client, users):
    client.force_login(users[Role.ADMIN])
    response = client.get(f"/users/{users[Role.FINANCE].pk}/")
    assert response.context["user"] == users[Role.ADMIN]
    assert response.context["object"] == users[Role.FINANCE]

import pytest
from django.contrib import admin
from django.urls import reverse

from core.choices import Role
from core.models import User
from tests.factories import PASSWORD, make_user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.mark.django_db
def test_every_registered_model_renders_for_a_superuser(client, superuser, firm, users):
    client.force_login(superuser)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(_request(superuser)):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert client.get(add).status_code == 200, add
        row = model._default_manager.first()
        if row is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
            assert client.get(change).status_code == 200, change


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.django_db
class TestFirmAdmin:
    def test_sees_only_their_firm(self, client, users, other_firm):
        stranger = make_user(firm=other_firm, role=Role.SALES_PERSON, username="stranger")
        client.force_login(users[Role.ADMIN])
        listing = client.get(reverse("admin:core_user_changelist"))
        assert listing.status_code == 200
        shown = {user.username for user in listing.context["cl"].result_list}
        assert shown == set(Role.values)
        response = client.get(reverse("admin:core_user_change", args=[stranger.pk]))
        assert response.status_code == 302  # "does not exist" for another firm's row
        firms = client.get(reverse("admin:core_firm_changelist")).context["cl"].result_list
        assert [firm.slug for firm in firms] == ["acme"]

    def test_user_history_page(self, client, users):
        client.force_login(users[Role.ADMIN])
        url = reverse("admin:core_user_history", args=[users[Role.FINANCE].pk])
        assert client.get(url).status_code == 200

    def test_other_roles_have_no_admin(self, client, users):
        client.force_login(users[Role.SALES_MANAGER])
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302

    def test_adding_a_user_puts_it_in_the_admins_firm_with_its_role_group(self, client, users,
                                                                          firm):
        client.force_login(users[Role.ADMIN])
        response = client.post(reverse("admin:core_user_add"), {
            "username": "fromadmin", "password1": "Another-pass-77", "password2":
            "Another-pass-77", "role": Role.FINANCE, "usable_password": "true"})
        assert response.status_code == 302, response.content.decode()[:3000]
        created = User.objects.get(username="fromadmin")
        assert created.firm_id == firm.pk
        assert list(created.groups.values_list("name", flat=True)) == ["finance"]

"""Usernames are unique across firms, and refusing a taken one never tells a firm that
another firm holds it: the answer is the same for a name of the caller's own firm and for one
of another firm, on the API, the staff form, the admin's forms and the services."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from core import services
from core.choices import Role
from core.models import USERNAME_REFUSED, User
from tests.contracts.api import assert_error
from tests.factories import PASSWORD, make_user

MESSAGE = "This username cannot be used; choose another."


@pytest.fixture
def taken(users, other_firm):
    """`colleague` belongs to the caller's firm, `stranger` to another one."""
    make_user(firm=users[Role.ADMIN].firm, role=Role.SALES_PERSON, username="colleague")
    make_user(firm=other_firm, role=Role.SALES_PERSON, username="stranger")
    return {"own": "colleague", "other": "stranger", "other_case": "STRANGER"}


def assert_does_not_confirm(messages: dict) -> None:
    assert messages["own"] == messages["other"] == messages["other_case"] == [MESSAGE]
    for text in messages["other"]:
        assert "exist" not in text.lower() and "already" not in text.lower()
        assert "taken" not in text.lower() and "firm" not in text.lower()


def test_the_message_is_translatable():
    assert str(USERNAME_REFUSED) == MESSAGE


@pytest.mark.django_db
class TestCreation:
    def test_api(self, api, taken):
        messages = {}
        for case, username in taken.items():
            response = api.post("/api/v1/users", {"username": username, "password": PASSWORD,
                                                  "role": Role.FINANCE}, format="json")
            messages[case] = assert_error(response, 400, "validation_error")["details"][
                "username"]
        assert_does_not_confirm(messages)
        assert User.objects.filter(username__iexact="stranger").count() == 1

    def test_staff_form(self, client, users, taken):
        client.force_login(users[Role.ADMIN])
        messages = {}
        for case, username in taken.items():
            response = client.post("/users/new/", {
                "username": username, "password": PASSWORD, "role": Role.FINANCE,
                "language": "en", "first_name": "", "last_name": "", "email": ""})
            assert response.status_code == 200
            messages[case] = response.context["form"].errors["username"]
        assert_does_not_confirm(messages)

    def test_admin_add_form(self, client, users, taken):
        client.force_login(users[Role.ADMIN])
        messages = {}
        for case, username in taken.items():
            response = client.post("/admin/core/user/add/", {
                "username": username, "password1": PASSWORD, "password2": PASSWORD,
                "usable_password": "true", "role": Role.FINANCE})
            assert response.status_code == 200
            messages[case] = response.context["adminform"].form.errors["username"]
        assert_does_not_confirm(messages)

    def test_admin_change_form(self, client, users, taken):
        client.force_login(users[Role.ADMIN])
        finance = users[Role.FINANCE]
        messages = {}
        for case, username in taken.items():
            if case == "other_case":
                continue  # the change form compares exactly, like the database
            response = client.post(f"/admin/core/user/{finance.pk}/change/", {
                "username": username, "first_name": "", "last_name": "", "email": "",
                "is_active": "on", "role": Role.FINANCE, "language": "en",
                "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
            assert response.status_code == 200
            messages[case] = response.context["adminform"].form.errors["username"]
        messages["other_case"] = messages["other"]
        assert_does_not_confirm(messages)

    def test_service(self, users, taken):
        messages = {}
        for case in ("own", "other"):
            with pytest.raises(ValidationError) as error:
                services.user_create(firm=users[Role.ADMIN].firm, actor=users[Role.ADMIN],
                                     username=taken[case], password=PASSWORD)
            messages[case] = error.value.message_dict["username"]
        messages["other_case"] = messages["other"]
        assert_does_not_confirm(messages)


@pytest.mark.django_db
def test_a_free_name_is_still_accepted(api, taken):
    response = api.post("/api/v1/users", {"username": "newcomer", "password": PASSWORD,
                                          "role": Role.FINANCE}, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_signing_in_is_unchanged(taken):
    assert Client().login(username="stranger", password=PASSWORD)

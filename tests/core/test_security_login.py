"""Every sign-in door (admin, staff page, API token) shares one failure count per (account,
client address), kept in the database: after LOGIN_FAILURE_LIMIT failures the pair is refused
even with the right password, other accounts and other addresses are not, and a successful
sign-in clears the count (core.auth)."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.contracts.api import assert_error
from tests.factories import PASSWORD

LIMIT = 3
ADMIN_LOGIN = "/admin/login/"
STAFF_LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    # A limit far below the per-address budget (30 a minute), so what refuses is the account
    # lock and not the address throttle.
    settings.AXES_FAILURE_LIMIT = LIMIT
    cache.clear()
    yield
    cache.clear()


def admin_post(username, password, address="127.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(ADMIN_LOGIN, {"username": username, "password": password,
                                         "next": "/admin/"})
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
class TestAdminLogin:
    def test_right_password_is_refused_after_the_limit(self, users):
        for _ in range(LIMIT):
            client, response = admin_post("admin", "wrong")
            assert response.status_code == 200 and not signed_in(client)
        client, response = admin_post("admin", PASSWORD)
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.content.decode()
        assert not signed_in(client)

    def test_the_right_password_before_the_limit_signs_in(self, users):
        for _ in range(LIMIT - 1):
            admin_post("admin", "wrong")
        client, response = admin_post("admin", PASSWORD)
        assert response.status_code == 302 and signed_in(client)

    def test_another_account_from_the_same_address_is_not_locked(self, users):
        for _ in range(LIMIT):
            admin_post("admin", "wrong")
        assert admin_post("admin", PASSWORD)[1].status_code == 429
        client = Client()
        response = client.post(STAFF_LOGIN, {"username": "finance", "password": PASSWORD})
        assert response.status_code == 302 and signed_in(client)

    def test_the_same_account_from_another_address_is_not_locked(self, users):
        for _ in range(LIMIT):
            admin_post("admin", "wrong", address="10.0.0.1")
        client, response = admin_post("admin", PASSWORD, address="10.0.0.2")
        assert response.status_code == 302 and signed_in(client)

    def test_a_successful_sign_in_clears_the_count(self, users):
        for _ in range(LIMIT - 1):
            admin_post("admin", "wrong")
        assert admin_post("admin", PASSWORD)[1].status_code == 302
        assert not AccessAttempt.objects.filter(username="admin").exists()
        for _ in range(LIMIT - 1):
            admin_post("admin", "wrong")
        client, response = admin_post("admin", PASSWORD)
        assert response.status_code == 302 and signed_in(client)

    def test_the_count_is_kept_in_the_database(self, users):
        """Not in a process's memory: another worker sees the same count."""
        for _ in range(LIMIT):
            admin_post("admin", "wrong")
        cache.clear()
        attempt = AccessAttempt.objects.get(username="admin", ip_address="127.0.0.1")
        assert attempt.failures_since_start == LIMIT
        assert admin_post("admin", PASSWORD)[1].status_code == 429


@pytest.mark.django_db
class TestOneCountForEveryDoor:
    def test_failures_on_the_api_and_the_staff_page_lock_the_admin(self, users):
        assert_error(APIClient().post(TOKEN, {"username": "admin", "password": "wrong"},
                                      format="json"), 401, "not_authenticated")
        assert Client().post(STAFF_LOGIN, {"username": "admin",
                                           "password": "wrong"}).status_code == 200
        admin_post("admin", "wrong")
        assert admin_post("admin", PASSWORD)[1].status_code == 429

    def test_staff_page_refuses_the_right_password_with_a_clear_page(self, users):
        for _ in range(LIMIT):
            admin_post("sales_person", "wrong")
        client = Client()
        response = client.post(STAFF_LOGIN, {"username": "sales_person", "password": PASSWORD})
        assert response.status_code == 429
        assert "Too many failed sign-ins to this account" in response.content.decode()
        assert not signed_in(client)

    def test_api_answers_429_in_the_envelope(self, users):
        for _ in range(LIMIT):
            admin_post("finance", "wrong")
        response = APIClient().post(TOKEN, {"username": "finance", "password": PASSWORD},
                                    format="json")
        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0

    def test_the_api_clears_the_count_on_success(self, users):
        for _ in range(LIMIT - 1):
            admin_post("finance", "wrong")
        response = APIClient().post(TOKEN, {"username": "finance", "password": PASSWORD},
                                    format="json")
        assert response.status_code == 200
        assert not AccessAttempt.objects.filter(username="finance").exists()

    def test_the_last_counted_failure_is_answered_as_a_wrong_password(self, users):
        """The lock starts with the next attempt, on every door alike."""
        for _ in range(LIMIT - 1):
            admin_post("admin", "wrong")
        response = Client().post(STAFF_LOGIN, {"username": "admin", "password": "wrong"})
        assert response.status_code == 200
        assert "Too many" not in response.content.decode()

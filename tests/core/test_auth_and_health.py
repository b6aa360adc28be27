import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from core.choices import Role
from core.models import User
from tests.contracts.api import assert_error
from tests.factories import PASSWORD


@pytest.mark.django_db
class TestToken:
    def test_token_then_use_it(self, users):
        client = APIClient()
        response = client.post("/api/v1/auth/token",
                               {"username": "finance", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True and body["messageAr"]
        token = body["data"]["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        me = client.get("/api/v1/users/me").json()["data"]["user"]
        assert (me["username"], me["role"]) == ("finance", Role.FINANCE)

    @pytest.mark.parametrize("payload", [{"username": "finance", "password": "wrong"},
                                         {"username": "nobody", "password": PASSWORD}])
    def test_bad_credentials(self, users, payload):
        assert_error(APIClient().post("/api/v1/auth/token", payload, format="json"), 401,
                     "not_authenticated")

    def test_missing_fields(self, db):
        error = assert_error(APIClient().post("/api/v1/auth/token", {}, format="json"), 400,
                             "validation_error")
        assert set(error["details"]) == {"username", "password"}

    def test_inactive_user_and_superuser_without_firm_get_no_token(self, users):
        users[Role.FINANCE].is_active = False
        users[Role.FINANCE].save()
        User.objects.create_superuser("root", "root@example.com", PASSWORD)
        for username in ("finance", "root"):
            assert_error(APIClient().post("/api/v1/auth/token",
                                          {"username": username, "password": PASSWORD},
                                          format="json"), 401, "not_authenticated")

    def test_bad_token(self, db):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
        assert_error(client.get("/api/v1/users/me"), 401, "not_authenticated")

    def test_throttled_after_too_many_attempts(self, users, settings):
        from django.core.cache import cache

        cache.clear()
        client = APIClient()
        statuses = [client.post("/api/v1/auth/token", {"username": "x", "password": "y"},
                                format="json").status_code for _ in range(31)]
        assert statuses[:30] == [401] * 30
        assert_error(client.post("/api/v1/auth/token", {"username": "x", "password": "y"},
                                 format="json"), 429, "throttled")
        cache.clear()


@pytest.mark.django_db
class TestSessionAuth:
    def test_session_works_and_writes_need_csrf(self, users):
        client = APIClient(enforce_csrf_checks=True)
        assert client.login(username="admin", password=PASSWORD)
        assert client.get("/api/v1/users/me").status_code == 200
        response = client.patch("/api/v1/users/me", {"language": "ar"}, format="json")
        assert_error(response, 403, "permission_denied")
        users[Role.ADMIN].refresh_from_db()
        assert users[Role.ADMIN].language == "en"
        token = client.get("/").cookies["csrftoken"].value
        response = client.patch("/api/v1/users/me", {"language": "ar"}, format="json",
                                HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 200


@pytest.mark.django_db
class TestHealth:
    def test_ok_without_login(self):
        response = APIClient().get("/api/v1/health")
        assert response.status_code == 200
        assert response.json()["data"] == {"status": "ok", "database": "ok", "cache": "ok",
                                           "broker": "eager"}

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_broker_down_is_503(self, monkeypatch):
        from core.api import views

        def refuse():
            raise ConnectionError("broker down")

        monkeypatch.setattr(views, "_broker", refuse)
        response = APIClient().get("/api/v1/health")
        assert response.status_code == 503
        assert response.json()["data"]["broker"] == "error"
        assert response.json()["data"]["status"] == "error"


@pytest.mark.django_db
class TestPages:
    def test_login_page_and_login_logout(self, client, users):
        assert client.get("/").status_code == 302
        response = client.post("/accounts/login/", {"username": "sales_person",
                                                     "password": PASSWORD})
        assert response.status_code == 302
        home = client.get("/")
        assert home.status_code == 200
        assert home.context["firm"] == users[Role.SALES_PERSON].firm
        client.post("/accounts/logout/")
        assert client.get("/").status_code == 302

    def test_navigation_follows_the_role(self, client, users):
        client.force_login(users[Role.SALES_PERSON])
        labels = [item["label"] for section in client.get("/").context["nav_sections"]
                  for item in section["items"]]
        assert "Users" not in labels and "Sales settings" not in labels
        client.force_login(users[Role.ADMIN])
        labels = [item["label"] for section in client.get("/").context["nav_sections"]
                  for item in section["items"]]
        assert {"Users", "Sales settings"} <= set(labels)

    def test_arabic_pages_are_right_to_left(self, client, users):
        client.force_login(users[Role.ADMIN])
        client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
        html = client.get("/").content.decode()
        assert 'dir="rtl"' in html and 'lang="ar"' in html
        assert "bootstrap.rtl.min.css" in html


@pytest.mark.django_db
def test_bell_links_to_notifications_with_the_unread_count(client, users):
    from crm.services import notification_send

    user = users[Role.SALES_PERSON]
    notification_send(user=user, type="general", title="Hi", title_ar="مرحبا", message="m",
                      message_ar="م")
    client.force_login(user)
    response = client.get("/")
    assert response.context["unread_notifications"] == 1
    assert 'href="/crm/notifications/"' in response.content.decode()


@pytest.mark.django_db
def test_login_page_is_throttled_with_the_api(client, users):
    """The page and the token endpoint share one budget per address; a throttled attempt is
    refused before authentication, even with the right password."""
    from django.core.cache import cache

    cache.clear()
    try:
        for _ in range(20):
            assert APIClient().post("/api/v1/auth/token", {"username": "x", "password": "y"},
                                    format="json").status_code == 401
        for _ in range(10):
            response = client.post("/accounts/login/", {"username": "x", "password": "y"})
            assert response.status_code == 200
        response = client.post("/accounts/login/", {"username": "sales_person",
                                                     "password": PASSWORD})
        assert response.status_code == 429
        assert "Too many sign-in attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session
    finally:
        cache.clear()

"""API tokens expire (API_TOKEN_TTL_DAYS), are revoked by a password change however it is made,
can be revoked by their owner, and are listed without their keys (core.models.ApiToken)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core import services
from core.choices import Role
from core.models import ApiToken
from tests.contracts.api import assert_error
from tests.factories import PASSWORD

TOKEN = "/api/v1/auth/token"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/users/me"
NEW_PASSWORD = "Another-pass-2027!"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def sign_in(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post(TOKEN, {"username": username, "password": password},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()["data"]["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key: str) -> bool:
    return with_token(key).get(ME).status_code == 200


@pytest.mark.django_db
class TestExpiry:
    def test_a_new_token_says_when_it_expires(self, users, settings):
        settings.API_TOKEN_TTL_DAYS = 7
        before = timezone.now()
        response = APIClient().post(TOKEN, {"username": "finance", "password": PASSWORD},
                                    format="json")
        data = response.json()["data"]
        token = ApiToken.objects.get(user=users[Role.FINANCE])
        assert before + datetime.timedelta(days=7) <= token.expires_at
        assert token.expires_at <= timezone.now() + datetime.timedelta(days=7)
        assert datetime.datetime.fromisoformat(data["expiresAt"]) == token.expires_at

    def test_an_expired_token_is_a_401_in_the_envelope(self, users):
        key = sign_in("finance")
        ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        response = with_token(key).get(ME)
        error = assert_error(response, 401, "not_authenticated")
        assert "expired" in error["message"]
        assert response["WWW-Authenticate"] == "Token"

    def test_only_a_hash_of_the_key_is_stored(self, users):
        key = sign_in("finance")
        token = ApiToken.objects.get()
        assert key not in (token.key_hash, token.prefix)
        assert token.key_hash == ApiToken.hash(key) and key.startswith(token.prefix)

    def test_each_sign_in_is_a_token_of_its_own(self, users):
        first, second = sign_in("finance"), sign_in("finance")
        assert first != second and works(first) and works(second)

    def test_last_use_is_recorded(self, users):
        key = sign_in("finance")
        assert ApiToken.objects.get().last_used_at is None
        works(key)
        assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.django_db
class TestRotation:
    def test_changing_ones_own_password_revokes_every_token(self, users):
        old, other = sign_in("finance"), sign_in("finance")
        response = with_token(old).patch(ME, {"password": NEW_PASSWORD,
                                              "currentPassword": PASSWORD}, format="json")
        assert response.status_code == 200
        assert not works(old) and not works(other)
        assert works(sign_in("finance", NEW_PASSWORD))

    def test_an_admin_resetting_the_password_revokes_the_users_tokens(self, users, api):
        key = sign_in("finance")
        response = api.patch(f"/api/v1/users/{users[Role.FINANCE].pk}",
                             {"password": NEW_PASSWORD}, format="json")
        assert response.status_code == 200
        assert not works(key)

    def test_the_user_service_revokes(self, users):
        key = sign_in("finance")
        services.user_update(user=users[Role.FINANCE], actor=users[Role.ADMIN],
                             password=NEW_PASSWORD)
        assert not works(key)

    def test_the_admin_sites_password_form_revokes(self, users):
        key = sign_in("finance")
        client = Client()
        client.force_login(users[Role.ADMIN])
        url = f"/admin/core/user/{users[Role.FINANCE].pk}/password/"
        response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                     "usable_password": "true"})
        assert response.status_code == 302, response.content
        assert not works(key)

    def test_set_password_then_save_revokes(self, users):
        key = sign_in("finance")
        user = users[Role.FINANCE]
        user.refresh_from_db()
        user.set_password(NEW_PASSWORD)
        user.save()
        assert not works(key)

    def test_other_changes_keep_the_tokens(self, users, api):
        key = sign_in("finance")
        api.patch(f"/api/v1/users/{users[Role.FINANCE].pk}", {"firstName": "Fatima"},
                  format="json")
        assert works(key)

    def test_a_rehash_of_the_same_password_keeps_the_tokens(self, users, settings):
        """Django re-hashes a password at sign-in when the preferred hasher changed."""
        key = sign_in("finance")
        user = users[Role.FINANCE]
        user.refresh_from_db()
        old_hash = user.password
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                     "django.contrib.auth.hashers.MD5PasswordHasher"]
        assert user.check_password(PASSWORD)
        user.refresh_from_db()
        assert user.password != old_hash
        assert works(key)

    def test_other_users_keep_theirs(self, users):
        mine, theirs = sign_in("finance"), sign_in("sales_person")
        services.user_update(user=users[Role.FINANCE], actor=None, password=NEW_PASSWORD)
        assert not works(mine) and works(theirs)


@pytest.mark.django_db
class TestRevocation:
    def test_delete_revokes_the_token_in_use(self, users):
        key, other = sign_in("finance"), sign_in("finance")
        response = with_token(key).delete(TOKEN)
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True and body["data"] is None and body["messageAr"]
        assert_error(with_token(key).get(ME), 401, "not_authenticated")
        assert works(other)

    def test_delete_needs_a_token(self, users):
        assert_error(APIClient().delete(TOKEN), 401, "not_authenticated")
        client = APIClient()
        client.force_login(users[Role.FINANCE])
        assert_error(client.delete(TOKEN), 400, "validation_error")

    def test_a_stale_token_does_not_stop_a_new_sign_in(self, users):
        client = with_token("not-a-token")
        response = client.post(TOKEN, {"username": "finance", "password": PASSWORD},
                               format="json")
        assert response.status_code == 200


@pytest.mark.django_db
class TestList:
    def test_lists_the_callers_tokens_without_keys(self, users):
        key = sign_in("finance")
        other = sign_in("finance")
        sign_in("sales_person")
        response = with_token(key).get(TOKENS)
        assert response.status_code == 200
        rows = response.json()["data"]["tokens"]
        assert response.json()["data"]["pagination"]["total"] == 2
        assert {row["prefix"] for row in rows} == {key[:8], other[:8]}
        assert [row["current"] for row in rows] == [False, True]  # newest first
        assert set(rows[0]) == {"id", "prefix", "createdAt", "expiresAt", "lastUsedAt",
                                "current"}
        assert key not in response.content.decode() and other not in response.content.decode()

    def test_expired_tokens_are_not_listed(self, users):
        key = sign_in("finance")
        sign_in("finance")
        ApiToken.objects.exclude(key_hash=ApiToken.hash(key)).update(
            expires_at=timezone.now() - datetime.timedelta(days=1))
        assert len(with_token(key).get(TOKENS).json()["data"]["tokens"]) == 1

    def test_revoke_one_of_ones_tokens(self, users):
        key, other = sign_in("finance"), sign_in("finance")
        target = ApiToken.objects.get(key_hash=ApiToken.hash(other))
        response = with_token(key).delete(f"{TOKENS}/{target.pk}")
        assert response.status_code == 200 and response.json()["data"] is None
        assert not works(other) and works(key)

    def test_another_users_token_is_a_404(self, users):
        key, theirs = sign_in("finance"), sign_in("admin")
        target = ApiToken.objects.get(key_hash=ApiToken.hash(theirs))
        assert_error(with_token(key).delete(f"{TOKENS}/{target.pk}"), 404, "not_found")
        assert works(theirs)

    def test_any_role_manages_its_own_tokens(self, users):
        user = users[Role.WAREHOUSE]
        assert not Permission.objects.filter(group__user=user, codename__contains="token")
        key = sign_in("warehouse")
        assert with_token(key).get(TOKENS).status_code == 200
        assert with_token(key).delete(TOKEN).status_code == 200

    def test_unauthenticated_is_a_401(self, db):
        assert_error(APIClient().get(TOKENS), 401, "not_authenticated")

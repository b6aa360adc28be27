"""Response headers: a Content-Security-Policy that the pages satisfy (no inline script
anywhere), HSTS when configured, and `check --deploy` clean with production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from core.choices import Role
from tests.pricing.factories import make_price_list

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A <script> element that runs its own text: no src, and not a data block (json_script).
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_no_inline_script(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not EVENT_ATTRIBUTE.search(html), EVENT_ATTRIBUTE.search(html).group(0)
    assert not JAVASCRIPT_URL.search(html)


@pytest.mark.parametrize("path", sorted(str(p.relative_to(TEMPLATES))
                                        for p in TEMPLATES.rglob("*.html")))
def test_no_template_holds_inline_script(path):
    assert_no_inline_script((TEMPLATES / path).read_text())


class TestPolicy:
    def test_scripts_only_from_the_site(self, client, db):
        directives = policy(client.get("/accounts/login/"))
        assert directives["script-src"] == ["'self'"]
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert {"'self'", "data:", "blob:"} <= set(directives["img-src"])
        assert "'unsafe-eval'" not in response_text(directives)

    @pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/api/v1/health",
                                      "/api/v1/nothing", "/users/", "/pricing/price-check/"])
    def test_every_answer_carries_it(self, client, users, path):
        client.force_login(users[Role.ADMIN])
        response = client.get(path)
        assert "script-src 'self'" in response["Content-Security-Policy"]

    def test_pages_satisfy_it(self, client, users, firm):
        client.force_login(users[Role.ADMIN])
        price_list = make_price_list(firm)
        for path in ["/", "/users/", "/users/new/", "/pricing/price-check/",
                     f"/pricing/price-lists/{price_list.pk}/", "/admin/", "/admin/core/user/",
                     f"/admin/core/user/{users[Role.FINANCE].pk}/change/", "/api/v1/docs/"]:
            response = client.get(path)
            assert response.status_code == 200, path
            assert_no_inline_script(response.content.decode())

    def test_api_docs_load_their_start_up_script_as_a_file(self, client, admin_user):
        client.force_login(admin_user)
        html = client.get("/api/v1/docs/").content.decode()
        script = re.search(r'<script src="(/api/v1/docs/\?[^"]*script=[^"]*)"', html).group(1)
        response = client.get(script.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/javascript")
        assert "SwaggerUIBundle" in response.content.decode()

    @override_settings(CONTENT_SECURITY_POLICY="default-src 'none'")
    def test_the_setting_is_the_header(self, client, db):
        assert client.get("/accounts/login/")["Content-Security-Policy"] == "default-src 'none'"

    @override_settings(CONTENT_SECURITY_POLICY="")
    def test_an_empty_setting_sends_none(self, client, db):
        assert "Content-Security-Policy" not in client.get("/accounts/login/")


def response_text(directives: dict) -> str:
    return " ".join(value for values in directives.values() for value in values)


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_with_subdomains_and_preload_once_configured(client, db):
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload")


def test_no_hsts_by_default(client, db):
    assert "Strict-Transport-Security" not in client.get("/accounts/login/", secure=True)


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p9Xw2-production-like-key-for-the-deploy-check-4f8a7c1e9b3d6a5f0e2c",
    "ALLOWED_HOSTS": "erp.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://erp.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_COOKIES": "1",
}


def deploy_check(**environment: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` in a fresh process that reads only the given environment
    (and none of pytest's settings)."""
    keep = {name: value for name, value in os.environ.items()
            if name in ("PATH", "HOME", "LANG", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env={**keep, **environment}, capture_output=True, text=True,
        timeout=300, check=False)


def test_deploy_check_is_clean_with_production_settings():
    result = deploy_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_names_what_production_lacks():
    result = deploy_check(**{**PRODUCTION, "SECURE_HSTS_SECONDS": "0",
                             "SECURE_SSL_REDIRECT": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr

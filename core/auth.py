"""Signing in: the authentication backends and the guards every sign-in door shares.

Three doors take a password: the staff sign-in page, the admin's and the API token endpoint.
Each refuses an attempt before checking its password when either guard says so:

- the address budget (`AUTH_THROTTLE_RATE` per client address, over every account; DRF's
  "auth" throttle in the cache) slows one address trying many accounts;
- the account lock (django-axes, counted in the database so every worker sees the same count)
  refuses an (account, address) pair after `LOGIN_FAILURE_LIMIT` failures within
  `LOGIN_LOCKOUT_MINUTES`, whichever door they came through, until that time has passed since
  the last one; a successful sign-in clears the pair's count.
"""

from types import SimpleNamespace

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from core.errors import ErrorCode

THROTTLED = _("Too many sign-in attempts. Wait a minute and try again.")


class Backend(ModelBackend):
    """Django's backend, and a user of a suspended firm cannot sign in or stay signed in."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return user.is_superuser or user.firm_id is None or user.firm.is_active


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked (account, address) pair wherever `authenticate()` is called with a
    request. Without one (`Client.login` in tests, a shell) there is no client address to
    count and no door an attacker can knock on, so the next backend decides alone."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request) -> str:
    """The address both guards count: DRF's throttle identity, so they always agree on who
    the client is (X-Forwarded-For only behind NUM_PROXIES trusted proxies)."""
    return BaseThrottle().get_ident(request)


def sign_in_refusal(request, *, username: str, address_checked: bool = False):
    """Why this sign-in attempt is refused before its password is checked, or None.

    `address_checked`: the caller's own throttle already spent the address budget (the API
    token endpoint, through DRF's throttle classes).
    """
    if not address_checked:
        throttle_scope = SimpleNamespace(throttle_scope="auth")
        if not ScopedRateThrottle().allow_request(request, throttle_scope):
            return THROTTLED
    if account_locked(request, username=username):
        return lockout_message()
    return None


def account_locked(request, *, username: str) -> bool:
    """The (account, address) pair has used up its failures."""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, get_credentials(username))


def lockout_message():
    """Lazy, so the API's envelope carries it in both languages."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext_lazy(
        "Too many failed sign-ins to this account from your address. Try again in %(minutes)d "
        "minute.",
        "Too many failed sign-ins to this account from your address. Try again in %(minutes)d "
        "minutes.", "minutes") % {"minutes": minutes}


def sign_in_succeeded(request, *, username: str) -> None:
    """Clear the pair's failures. The pages get this from axes on `user_logged_in`; the token
    endpoint signs no session in, so it calls this itself."""
    if settings.AXES_ENABLED:
        axes_reset(ip=client_address(request), username=username)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE, for axes' middleware when an attempt leaves a pair locked.

    Every door refuses a locked pair itself before checking the password (`sign_in_refusal`),
    with its own page or envelope. What reaches here is the attempt that was just counted as
    the last failure: it keeps its own answer (a wrong password), and the refusal starts with
    the next attempt, as on every door.
    """
    if original_response is not None:
        return original_response
    if request.path.startswith("/api/"):
        from core.api.exceptions import error_body

        return JsonResponse(error_body(code=ErrorCode.THROTTLED, message=lockout_message()),
                            status=429)
    return HttpResponse(lockout_message(), status=429, content_type="text/plain")

"""`Authorization: Token <key>` against core.models.ApiToken: hashed keys that expire."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core import services
from core.models import ApiToken


class TokenExpired(exceptions.AuthenticationFailed):
    """A token past its expiry: 401 like any bad token, with a message saying what to do."""

    default_detail = _("The token has expired; sign in again for a new one.")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing and 401 challenge, with the key looked up by its hash."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        token = (ApiToken.objects.select_related("user", "user__firm")
                 .filter(key_hash=ApiToken.hash(key)).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed()
        if token.is_expired:
            raise TokenExpired()
        services.api_token_touch(token=token)
        return token.user, token

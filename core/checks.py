from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """`check --deploy` fails while the development key is in use with DEBUG off."""
    if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure"):
        return [Error("SECRET_KEY is the development default; set SECRET_KEY in the environment.",
                      id="core.E001")]
    return []

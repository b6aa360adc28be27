from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")
    # Patterns per role over this app's permissions (see core.roles).
    role_permissions = {
        "admin": ["view_firm", "change_firm", "add_user", "change_user", "view_user",
                  "view_salessettings",
                  "change_salessettings", "view_sequence", "view_documentevent"],
        "sales_manager": ["view_user", "view_salessettings", "view_firm"],
        "sales_person": ["view_firm"],
        "warehouse": ["view_firm"],
        "finance": ["view_salessettings", "view_firm"],
    }

    navigation = {
        "label": _("Administration"), "icon": "gear", "order": 900,
        "items": [
            (_("Users"), "core:user_list", "core.view_user"),
            (_("Sales settings"), "core:settings", "core.view_salessettings"),
            (_("API documentation"), "api-docs", None),
        ],
    }

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .dates import use_in_every_serializer
        from .roles import roles_sync_permissions

        # Permissions of every app exist only after its post_migrate: give them to the role
        # groups then, so a new app's models are covered without a hand-written migration.
        post_migrate.connect(roles_sync_permissions, dispatch_uid="core.roles_sync_permissions")
        # No day before 1900 in any app's API input (core.dates).
        use_in_every_serializer()

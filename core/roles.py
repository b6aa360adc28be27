"""Role groups and their permissions.

Each app declares, on its AppConfig, `role_permissions`: role -> codename patterns
(fnmatch over that app's permissions, e.g. "view_*", "confirm_salesorder"). The admin role
gets every permission of an app unless the app declares "admin" patterns too (core does: a
firm's admin must not create firms). Groups are named after the role values.
"""

from fnmatch import fnmatch

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from .choices import Role

PROJECT_APPS = ("core", "crm", "pricing", "sales", "delivery", "returns", "commissions")


def roles_ensure_groups() -> dict[str, Group]:
    return {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}


def roles_sync_permissions(sender=None, **kwargs) -> None:
    """Give each role group exactly the permissions the apps declare (idempotent)."""
    # post_migrate fires once per app with models; permissions are complete after the last.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and sender is not with_models[-1]:
        return
    groups = roles_ensure_groups()
    wanted: dict[str, set[int]] = {role: set() for role in Role.values}
    # The project's apps, and any other app that declares role permissions (a test app).
    labels = [config.label for config in apps.get_app_configs()
              if config.label in PROJECT_APPS or hasattr(config, "role_permissions")]
    permissions = Permission.objects.filter(content_type__app_label__in=labels).values_list(
        "pk", "codename", "content_type__app_label")
    by_app: dict[str, list[tuple[int, str]]] = {}
    for pk, codename, app_label in permissions:
        by_app.setdefault(app_label, []).append((pk, codename))
    for app_label in labels:
        declared = {Role.ADMIN.value: ["*"],
                    **getattr(apps.get_app_config(app_label), "role_permissions", {})}
        for role, patterns in declared.items():
            for pk, codename in by_app.get(app_label, []):
                if any(fnmatch(codename, pattern) for pattern in patterns):
                    wanted[role].add(pk)
    for role, group in groups.items():
        group.permissions.set(wanted[role])

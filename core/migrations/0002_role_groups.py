"""The role groups. Their permissions are (re)assigned after every migrate by
core.roles.roles_sync_permissions, because an app's permissions exist only after it migrates."""

from django.db import migrations

ROLES = ["admin", "sales_manager", "sales_person", "warehouse", "finance"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, delete_groups)]

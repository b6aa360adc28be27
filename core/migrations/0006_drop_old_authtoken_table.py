"""DRF's authtoken app was replaced by core.ApiToken (0005): drop its table where an older
database still has it, since its foreign key to the users would otherwise block deleting a
user (and flushing the database)."""

from django.db import migrations


def drop_authtoken(apps, schema_editor):
    if "authtoken_token" not in schema_editor.connection.introspection.table_names():
        return
    cascade = " CASCADE" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP TABLE authtoken_token{cascade}")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_api_token")]

    operations = [migrations.RunPython(drop_authtoken, migrations.RunPython.noop)]

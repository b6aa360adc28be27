"""Trigram search for the conflict check (PostgreSQL only; SQLite has no such index)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("crm_customer_name_trgm", "crm_customer", "name"),
    ("crm_customer_name_ar_trgm", "crm_customer", "name_ar"),
    ("crm_case_search_trgm", "crm_case", "search_text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]

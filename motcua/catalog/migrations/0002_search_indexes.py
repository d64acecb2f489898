"""Trigram indexes for search on PostgreSQL (no-op on SQLite, where LIKE scans suffice)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_procedure_name_trgm "
        "ON catalog_procedure USING gin (name_folded gin_trgm_ops)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_procedure_search_trgm "
        "ON catalog_procedure USING gin (search_folded gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS catalog_procedure_name_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_procedure_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

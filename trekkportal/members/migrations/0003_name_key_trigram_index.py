"""A trigram index on the members' normalised names, on PostgreSQL only: the back office's
member search asks ``name_key LIKE '%word%'`` for every word, which otherwise reads all
100,000 members. ``pg_trgm`` is a trusted extension (PostgreSQL 13+), so the database's
owner may create it. SQLite has no such index and needs none at this size."""

from django.db import migrations

INDEX = "members_member_name_key_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON members_member USING gin (name_key gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("members", "0002_reason_deduction")]
    operations = [migrations.RunPython(forwards, backwards)]

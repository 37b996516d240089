"""Trigram indexes for the queue's full-text search on PostgreSQL.

Django's `icontains` becomes `UPPER(col::text) LIKE UPPER('%term%')`; a GIN trigram index on that
same expression lets PostgreSQL answer it without scanning every mention. Other databases skip this.
"""
from django.db import migrations

INDEXES = (
    ("mention_title_trgm", 'UPPER("title"::text)'),
    ("mention_text_trgm", 'UPPER("text"::text)'),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON response_mention USING gin (({expression}) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("response", "0004_digest_claimed_at")]
    operations = [migrations.RunPython(create, drop)]

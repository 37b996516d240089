"""Room in each page of the mention table for its next row version (PostgreSQL ``fillfactor``).

A mention is written again by every lease and every judgement. With full pages each new version
lands on another page and every one of the table's sixteen indexes gets a new entry; with free room
on its page, PostgreSQL writes a heap-only tuple (HOT) and leaves the indexes alone whenever no
indexed column changed — a lease always, a judgement again only since 0013 (its predicate). Judging
1,500 mentions again through two workers: PostgreSQL's CPU 0.49 s -> 0.20 s, 1,380 -> 1,700 a
second (docs/throughput.md). Pages written before this keep no room until the table is rewritten
(``VACUUM FULL response_mention`` in a quiet hour, docs/deploy.md). Other databases skip this."""
from django.db import migrations

FILLFACTOR = 70


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE response_mention SET (fillfactor = {FILLFACTOR})")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE response_mention RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("response", "0011_mention_search")]
    operations = [migrations.RunPython(forward, backward)]

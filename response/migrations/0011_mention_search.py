"""Text search moves beside the mention (``MentionSearch``): its trigram index is written once per
mention instead of on every judgement and lease (issue 16: ~0.6 ms of PostgreSQL per row write).
Existing mentions get their search rows here; on PostgreSQL the two trigram indexes of migration 0005
give way to one on the new table."""
import django.db.models.deletion
from django.db import migrations, models

OLD_INDEXES = (
    ("mention_title_trgm", 'UPPER("title"::text)'),
    ("mention_text_trgm", 'UPPER("text"::text)'),
)


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("INSERT INTO response_mentionsearch (mention_id, text) "
                    "SELECT id, title || %s || text FROM response_mention", ["\n"])
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute('CREATE INDEX IF NOT EXISTS mentionsearch_text_trgm ON response_mentionsearch '
                          'USING gin ((UPPER("text"::text)) gin_trgm_ops)')
    for name, _ in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in OLD_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON response_mention USING gin (({expression}) gin_trgm_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('response', '0010_notification_link'),
    ]

    operations = [
        migrations.CreateModel(
            name='MentionSearch',
            fields=[
                ('mention', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_text', serialize=False, to='response.mention')),
                ('text', models.TextField(blank=True, verbose_name='检索文本')),
            ],
            options={
                'verbose_name': '检索文本',
                'verbose_name_plural': '检索文本',
            },
        ),
        migrations.RunPython(forward, backward),
    ]

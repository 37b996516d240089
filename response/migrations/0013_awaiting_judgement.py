"""``Mention.awaiting_judgement``: the re-drive's partial index is defined by a flag that changes only
at the first judgement, not by ``analysed_at``, which every judgement moves.

PostgreSQL treats a column named in an index predicate as indexed: with ``analysed_at IS NULL`` as
the predicate, judging a mention again could never be a heap-only update, and every judgement again
added an entry to each of the mention table's indexes. With the flag it is heap-only whenever no
indexed figure changes (``yuqing reanalyze``'s write of 1,400 mentions: 133 ms -> 69-81 ms,
docs/throughput.md).

The column is added as false (an existing row is judged, as nearly all are: adding a column with a
constant default rewrites nothing), then set true for the rows not judged yet; new rows get true
from the model."""
from django.db import migrations, models


def mark_unjudged(apps, schema_editor):
    Mention = apps.get_model("response", "Mention")
    Mention.objects.filter(analysed_at__isnull=True).update(awaiting_judgement=True)


class Migration(migrations.Migration):
    dependencies = [("response", "0012_mention_fillfactor")]
    operations = [
        migrations.AddField("mention", "awaiting_judgement",
                            models.BooleanField(default=False, editable=False)),
        migrations.RunPython(mark_unjudged, migrations.RunPython.noop),
        migrations.AlterField("mention", "awaiting_judgement",
                              models.BooleanField(default=True, editable=False)),
        migrations.RemoveIndex("mention", "unanalysed_idx"),
        migrations.AddIndex("mention", models.Index(
            condition=models.Q(awaiting_judgement=True), fields=["analysis_queued_at"],
            name="awaiting_judgement_idx")),
    ]

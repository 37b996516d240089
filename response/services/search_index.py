"""Text search over mentions: the search rows kept beside them, and the filter that uses them.

The trigram index lives on ``MentionSearch`` (see its docstring for why not on the mention), so
every path that stores a mention keeps its row: ``Mention.save`` does (a signal), a ``bulk_create``
does not — production code has none; ``index_missing`` fills in rows for mentions stored another way
(the benchmark's generated data, a restore)."""
from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.signals import post_save

from response.models import Mention, MentionSearch

_WORDS = frozenset({"title", "text"})


def keep_search_text(sender: type[Mention], instance: Mention, created: bool,
                     update_fields: frozenset[str] | None = None, **_: Any) -> None:
    if not created and update_fields is not None and not _WORDS & set(update_fields):
        return  # a review, a lease or a judgement: the words did not change
    haystack = MentionSearch.haystack(instance.title, instance.text)
    if created:
        MentionSearch.objects.create(mention_id=instance.pk, text=haystack)
        return
    # Rewriting the row rewrites its index entries: only when the words did change.
    changed = MentionSearch.objects.filter(mention_id=instance.pk).exclude(text=haystack).update(text=haystack)
    if not changed:  # the same words, or a mention stored before its row (a bulk insert)
        MentionSearch.objects.bulk_create([MentionSearch(mention_id=instance.pk, text=haystack)],
                                          ignore_conflicts=True)


def connect_signals() -> None:
    post_save.connect(keep_search_text, sender=Mention, dispatch_uid="yuqing-mention-search-text")


def text_match(term: str) -> Q:
    """Mentions whose title or text contain ``term`` (case-insensitive), as a filter on Mention."""
    return Q(pk__in=MentionSearch.objects.filter(text__icontains=term).values("mention_id"))


def index_missing(batch: int = 5000) -> int:
    """Store the search rows of mentions that have none; returns how many were added."""
    added = 0
    table, mentions = MentionSearch._meta.db_table, Mention._meta.db_table
    while True:
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} (mention_id, text) "
                f"SELECT m.id, m.title || %s || m.text FROM {mentions} m "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.mention_id = m.id) "
                f"ORDER BY m.id LIMIT %s", ["\n", batch])
            count = cur.rowcount
        added += count
        if count < batch:
            return added

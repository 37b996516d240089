"""Rebuild the shared event index from the database, the record of which copy belongs to which story.

The MinHash index in Redis is only a cache of `Mention.event`: after Redis comes back empty the
first analysis rebuilds it from the mentions of the last days (`EventIndex.ensure_built`, one
worker under a lock), so a new copy of an ongoing story joins its event instead of opening a
second case. `yuqing events rebuild` does the same on an operator's request.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from analysis.events import EventIndex, RebuildItem
from response.models import Mention

DEFAULT_DAYS = 14
# A bound on the rebuild's work whatever the volume: ~1 ms a mention, so ~100 s at most, while
# every analysis waits for it (and within the analysis lease, so the re-drive does not resend).
DEFAULT_LIMIT = 100_000


def rebuild_days() -> int:
    return int(getattr(settings, "YUQING_EVENT_REBUILD_DAYS", DEFAULT_DAYS))


def rebuild_limit() -> int:
    return int(getattr(settings, "YUQING_EVENT_REBUILD_LIMIT", DEFAULT_LIMIT))


def index_text(title: str, text: str) -> str:
    # Must be the text `judgement.analyse_mention` assigns, or rebuilt signatures would differ.
    return f"{title}\n{text}"


def recent_items(days: int | None = None, limit: int | None = None,
                 now: datetime | None = None) -> Iterator[RebuildItem]:
    """(mention id, text, event key) for the mentions with an event fetched in the last `days`
    days, newest first, at most `limit`: an older story is over, and its copies no longer matter."""
    days = rebuild_days() if days is None else days
    limit = rebuild_limit() if limit is None else limit
    since = (now or timezone.now()) - timedelta(days=days)
    rows = (Mention.objects.filter(event__isnull=False, fetched_at__gte=since)
            .order_by("-fetched_at", "-id").values_list("pk", "title", "text", "event__key")[:limit])
    for pk, title, text, key in rows.iterator(chunk_size=1000):
        yield pk, index_text(title, text), key


def rebuild(index: EventIndex | None = None, *, days: int | None = None, limit: int | None = None) -> int:
    """Replace the shared index with the recent mentions' events; returns the number indexed."""
    if index is None:
        from response.services.judgement import event_index

        index = event_index()
    return index.rebuild(recent_items(days, limit))

"""Store crawled items as mentions: once per canonical URL, raw page kept compressed, text capped."""
from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from response.models import Mention, Source

logger = logging.getLogger(__name__)

MAX_RAW_BYTES = 5 * 1024 * 1024


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def _raw(item: dict[str, Any]) -> bytes | None:
    blob = item.get("raw_gz_b64")
    if not blob:
        return None
    try:
        raw = base64.b64decode(blob)
    except (ValueError, TypeError):
        return None
    return raw if len(raw) <= MAX_RAW_BYTES else None


def _update_extra(mention: Mention, item: dict[str, Any]) -> None:
    """A board letter answered since the last crawl comes back under the same URL: record the reply."""
    from response.services import audit

    extra = item.get("extra") or {}
    changed = {k: v for k, v in extra.items() if v not in (None, "") and mention.extra.get(k) != v}
    if not changed:
        return
    before = dict(mention.extra)
    mention.extra = {**mention.extra, **changed}
    mention.save(update_fields=["extra"])
    for key, value in changed.items():
        audit.record("source_update", mention, field=key, old=before.get(key, ""), new=str(value)[:500],
                     note="采集源更新（如留言已答复）")


def ingest_item(source: Source, item: dict[str, Any]) -> tuple[Mention, bool]:
    """Store one item; returns (mention, created). Re-delivery of the same URL updates nothing."""
    cap = settings.YUQING_MAX_TEXT_CHARS
    url = (item.get("canonical_url") or item.get("url") or "").strip()
    if not url:
        raise ValueError("采集条目缺少 url")
    url_hash = Mention.hash_url(url)
    existing = Mention.objects.filter(url_hash=url_hash).first()
    if existing:
        _update_extra(existing, item)
        return existing, False
    extra = item.get("extra") or {}
    if source.kind == Source.Kind.HOTLINE and extra.get("ticket_no"):
        # A ticket read by a scheduled crawl keeps what an import keeps (due time from "3个工作日" …).
        from response.services.tickets import ticket_extra

        extra = ticket_extra(extra)
    mention = Mention(
        source=source,
        url=url[:2000],
        url_hash=url_hash,
        title=(item.get("title") or "")[:500],
        text=(item.get("text") or "")[:cap],
        published_at=_when(item.get("published_at")),
        fetched_at=_when(item.get("fetched_at")) or timezone.now(),
        author=(item.get("author") or "")[:200],
        origin=(item.get("origin") or "")[:200],
        raw_gz=_raw(item),
        encoding=(item.get("encoding") or "")[:30],
        extra=extra,
        parse_error=item.get("parse_error") or "",
    )
    try:
        with transaction.atomic():
            mention.save()
    except IntegrityError:
        # Another worker stored the same URL between our check and insert.
        return Mention.objects.get(url_hash=url_hash), False
    return mention, True


def ingest_items(source: Source, items: Iterable[dict[str, Any]]) -> list[int]:
    """Store items; returns the ids of new mentions. A bad item is logged, never fatal."""
    new_ids = []
    for item in items:
        try:
            mention, created = ingest_item(source, item)
        except (ValueError, TypeError) as exc:
            logger.warning("ingest.bad_item", extra={"source": source.slug, "error": str(exc)})
            continue
        if created:
            new_ids.append(mention.id)
    newest = max((m for m in Mention.objects.filter(id__in=new_ids).values_list("published_at", flat=True) if m),
                 default=None)
    if newest and (source.newest_item_at is None or newest > source.newest_item_at):
        Source.objects.filter(pk=source.pk).update(newest_item_at=newest)
    return new_ids

"""Source health: a source that keeps failing or stops yielding goes blind, and the duty officers hear of it.

Crawl runs set failure-based blindness (see crawling.py); this periodic check adds silence-based
blindness — no new item for longer than the source's own limit — and sends one notice per blind
episode (the notification key includes when the episode began).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from response import roles
from response.models import Source
from response.services.notify.base import Message, Target
from response.services.notify.dispatch import enqueue
from response.services.notify.targets import office_targets, unique

logger = logging.getLogger(__name__)

# Default silence before a source counts as blind, by kind; a source's settings may set
# `max_silence_hours` (a quiet county site may post weekly, a portal several times a day).
DEFAULT_SILENCE_HOURS = {
    Source.Kind.RSS: 72, Source.Kind.HTML: 7 * 24, Source.Kind.WECHAT: 7 * 24, Source.Kind.BOARD: 14 * 24,
}


def silence_limit(source: Source) -> timedelta | None:
    hours = (source.settings or {}).get("max_silence_hours", DEFAULT_SILENCE_HOURS.get(source.kind))
    return timedelta(hours=float(hours)) if hours else None


def duty_targets() -> list[Target]:
    users = get_user_model().objects.filter(groups__name=roles.DUTY_OFFICER, is_active=True).exclude(email="")
    return unique([Target("email", u.email) for u in users] + office_targets())


def check_sources(now: datetime | None = None) -> list[str]:
    """Mark silent sources blind and notify once per blind episode. Returns the blind slugs."""
    now = now or timezone.now()
    blind = []
    for source in Source.objects.filter(enabled=True).exclude(kind=Source.Kind.HOTLINE):
        limit = silence_limit(source)
        newest = source.newest_item_at or source.last_success_at
        if not source.blind_reason and limit and source.last_success_at and newest and now - newest > limit:
            hours = int((now - newest).total_seconds() // 3600)
            source.blind_reason = f"已 {hours} 小时没有新条目（上限 {int(limit.total_seconds() // 3600)} 小时）"
            source.blind_since = now
            source.save(update_fields=["blind_reason", "blind_since"])
            logger.warning("source.blind_silent slug=%s hours=%s", source.slug, hours)
        if source.blind_reason:
            blind.append(source.slug)
            since = source.blind_since or now
            enqueue(
                key=f"source-blind:{source.slug}:{since.isoformat()}", kind="source_blind",
                targets=duty_targets(),
                message=Message(
                    subject=f"采集源失明：{source.name}",
                    body=f"采集源：{source.name}（{source.slug}）\n原因：{source.blind_reason}\n"
                         f"自 {timezone.localtime(since):%Y-%m-%d %H:%M} 起，请检查来源网站或账号状态。",
                ),
                now=now,
            )
    return blind

"""Opening cases: idempotent by origin, with clocks and an audit row."""
from __future__ import annotations

import uuid
from typing import Any, Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from response.models import Case, Channel, Event, Level, Mention, Section, Source
from response.services import audit
from response.services.deadlines import ensure_clocks

# 12345 ticket categories → deadline channel. Categories vary by city: the first matching word wins.
HOTLINE_CHANNELS = (
    (("紧急", "急件", "特急"), Channel.HOTLINE_URGENT),
    (("咨询", "求助", "查询"), Channel.HOTLINE_ENQUIRY),
)


def channel_for(mention: Mention) -> str:
    kind = mention.source.kind
    if kind == Source.Kind.BOARD:
        return Channel.BOARD
    if kind == Source.Kind.HOTLINE:
        category = str(mention.extra.get("category", ""))
        for words, channel in HOTLINE_CHANNELS:
            if any(w in category for w in words):
                return channel
        return Channel.HOTLINE_COMPLAINT
    return Channel.OPINION


def origin_key_for(mention: Mention) -> str:
    if mention.source.kind == Source.Kind.HOTLINE and mention.extra.get("ticket_no"):
        return f"ticket:{mention.extra['ticket_no']}"
    return f"event:{mention.event.key}" if mention.event_id else f"mention:{mention.pk}"


def open_case(
    *,
    origin_key: str,
    title: str,
    section: Section,
    channel: str = Channel.OPINION,
    level: Level | None = None,
    event: Event | None = None,
    mentions: Iterable[Mention] = (),
    user: Any = None,
    section_via: str = "",
    state: str = Case.State.HANDLING,
) -> tuple[Case, bool]:
    """Open a case once per origin: a re-delivered task or a double click returns the same case."""
    existing = Case.objects.filter(origin_key=origin_key).first()
    if existing:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=f"tmp-{uuid.uuid4().hex}", origin_key=origin_key, title=title[:500],
                channel=channel, event=event, level=level, state=state, section=section,
                section_via=section_via, opened_by=user if getattr(user, "is_authenticated", False) else None,
                opened_at=now,
            )
            case.number = f"YQ{timezone.localtime(now):%Y}-{case.pk:06d}"
            case.save(update_fields=["number"])
            case.mentions.add(*mentions)
            ensure_clocks(case, now)
            audit.record("open", case, user=user, field="state", new=case.get_state_display(),
                         note=f"牵头科室：{section.name}；级别：{level.code if level else '未定级'}")
    except IntegrityError:
        return Case.objects.get(origin_key=origin_key), False
    return case, True


def open_case_for_mention(mention: Mention, *, user: Any = None, level: Level | None = None,
                          section: Section | None = None, state: str = Case.State.HANDLING) -> tuple[Case, bool]:
    level = level or Level.objects.filter(code=mention.level).first()
    section = section or mention.section or Section.fallback()
    mentions = list(mention.event.mentions.all()) if mention.event_id else [mention]
    return open_case(
        origin_key=origin_key_for(mention), title=mention.title or mention.text[:60],
        section=section, channel=channel_for(mention), level=level, event=mention.event,
        mentions=mentions, user=user, section_via=mention.section_via, state=state,
    )

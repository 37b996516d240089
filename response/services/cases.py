"""Opening cases: idempotent by origin, with clocks and an audit row."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from response.models import (
    Case,
    CaseSequence,
    Channel,
    Clock,
    Event,
    Level,
    Mention,
    Section,
    Source,
)
from response.services import audit, case_notices
from response.services.business_rules import hotline_channel_words
from response.services.deadlines import ensure_clocks, restart_clock

logger = logging.getLogger(__name__)



def channel_for(mention: Mention) -> str:
    kind = mention.source.kind
    if kind == Source.Kind.BOARD:
        return Channel.BOARD
    if kind == Source.Kind.HOTLINE:
        category = str(mention.extra.get("category", ""))
        # Categories vary by city: the words are configuration (YUQING_HOTLINE_CHANNEL_WORDS).
        for words, channel in hotline_channel_words():
            if any(w in category for w in words):
                return channel
        return Channel.HOTLINE_COMPLAINT
    return Channel.OPINION


def origin_key_for(mention: Mention) -> str:
    if mention.source.kind == Source.Kind.HOTLINE and mention.extra.get("ticket_no"):
        return f"ticket:{mention.extra['ticket_no']}"
    return f"event:{mention.event.key}" if mention.event_id else f"mention:{mention.pk}"


def allocate_number(at: datetime) -> str:
    """The next number of `at`'s year, YQ2026-000001 on. Must run inside the transaction that
    creates the case: the year's row stays locked until it commits, and a rollback returns the
    number, so the filed series has no gaps."""
    year = timezone.localtime(at).year
    CaseSequence.objects.bulk_create([CaseSequence(year=year, last=0)], ignore_conflicts=True)
    seq = CaseSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"YQ{year}-{seq.last:06d}"


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
    clock_start: datetime | None = None,
    description: str = "",
    link: str = "",
) -> tuple[Case, bool]:
    """Open a case once per origin: a re-delivered task or a double click returns the same case.

    Clocks start at `clock_start` when given (a policy document's release), at a 12345 ticket's
    transfer time for tickets, and at the opening otherwise.
    """
    existing = Case.objects.filter(origin_key=origin_key).first()
    if existing:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=allocate_number(now), origin_key=origin_key, title=title[:500],
                channel=channel, event=event, level=level, state=state, section=section,
                section_via=section_via, opened_by=user if getattr(user, "is_authenticated", False) else None,
                opened_at=now, description=description, link=link,
            )
            case.mentions.add(*mentions)
            ensure_clocks(case, clock_start)
            audit.record("open", case, user=user, field="state", new=case.get_state_display(),
                         note=f"牵头科室：{section.name}；级别：{level.code if level else '未定级'}")
            # Recorded in this transaction, sent after it commits: a webhook never holds up the case.
            case_notices.leader_alert(case)
            case_notices.case_assigned(case)
    except IntegrityError:
        return Case.objects.get(origin_key=origin_key), False
    return case, True


def open_case_for_mention(mention: Mention, *, user: Any = None, level: Level | None = None,
                          section: Section | None = None, state: str = Case.State.HANDLING) -> tuple[Case, bool]:
    level = level or Level.objects.filter(code=mention.level).first()
    section = section or mention.section or Section.fallback()
    mentions = list(mention.event.mentions.all()) if mention.event_id else [mention]
    case, created = open_case(
        origin_key=origin_key_for(mention), title=mention.title or mention.text[:60],
        section=section, channel=channel_for(mention), level=level, event=mention.event,
        mentions=mentions, user=user, section_via=mention.section_via, state=state,
    )
    if not created:
        on_new_mention(case, mention)
    return case, created


def reopen_policy() -> str:
    """YUQING_REOPEN_ON_NEW_MENTION: "reopen" (closed case goes back to 处置中) or "notify" (default:
    the owner is told and decides; a re-run of the same story should not undo a filed case unasked)."""
    value = str(getattr(settings, "YUQING_REOPEN_ON_NEW_MENTION", "notify")).lower()
    return "reopen" if value in ("reopen", "1", "true", "yes") else "notify"


def on_new_mention(case: Case, mention: Mention) -> bool:
    """A mention of a closed case's event arrived: attach it, then reopen or notify (once per mention).

    Returns True when the case was reopened.
    """
    if case.mentions.filter(pk=mention.pk).exists():
        return False
    case.mentions.add(mention)
    if case.state != Case.State.CLOSED:
        return False
    reopen = reopen_policy() == "reopen"
    with transaction.atomic():
        if reopen:
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.state == Case.State.CLOSED:
                old = locked.get_state_display()
                locked.state, locked.closed_at = Case.State.HANDLING, None
                locked.save(update_fields=["state", "closed_at"])
                note = f"已办结事件出现新报道 #{mention.pk}：{mention.title[:100]}"
                audit.record("reopen", locked, field="state", old=old, new=locked.get_state_display(), note=note)
                # The filed closure clock's run stays in the audit trail; the reopened case runs it again.
                restart_clock(locked, Clock.CLOSURE, timezone.now(), note=note)
                case.refresh_from_db()
        else:
            audit.record("new_mention", case, field="mentions", new=mention.title[:200],
                         note=f"已办结事件出现新报道 #{mention.pk}，已通知承办科室")
        case_notices.new_mention_on_closed(case, mention, reopened=reopen)
    logger.info("case.new_mention_on_closed case=%s mention=%s reopened=%s", case.pk, mention.pk, reopen)
    return reopen

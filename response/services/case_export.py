"""Cases as records for filing (备案): one plain dict per case with its clocks and responses.

Gathering only; `yuqing cases export` renders jsonl, csv and xlsx. Every time is ISO 8601 in
local time with its offset (+08:00), so a file read years later needs no knowledge of our zone.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from response.models import Case, CaseClock, CaseResponse, Clock, Mention
from response.services.stats import VERDICT_LABELS, dismissed_at, period_bounds, verdict

TICKET_PREFIX = "ticket:"


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def cases_opened(start: date | None = None, end: date | None = None) -> QuerySet[Case]:
    """Cases opened within [start, end] (local dates, both inclusive; either may be open), oldest first."""
    cases = Case.objects.all()
    if start is not None:
        cases = cases.filter(opened_at__gte=period_bounds(start, start)[0])
    if end is not None:
        cases = cases.filter(opened_at__lt=period_bounds(end, end)[1])
    return cases.order_by("opened_at", "id")


def ticket_no(case: Case) -> str:
    """A 12345 case's ticket number: from its origin, else from its ticket mentions."""
    if case.origin_key.startswith(TICKET_PREFIX):
        return case.origin_key[len(TICKET_PREFIX):]
    for mention in case.mentions.all():  # prefetched: only mentions that carry a ticket number
        if (mention.extra or {}).get("ticket_no"):
            return str(mention.extra["ticket_no"])
    return ""


def _clock(clock: CaseClock, case: Case, ended: datetime | None, now: datetime) -> dict[str, Any]:
    outcome = verdict(clock.due_at, clock.stopped_at, case.state, ended, now)
    return {
        "clock": clock.clock, "label": clock.get_clock_display(), "started_at": iso(clock.started_at),
        "due_at": iso(clock.due_at), "stopped_at": iso(clock.stopped_at), "met": clock.met,
        "outcome": outcome, "outcome_label": VERDICT_LABELS[outcome], "policy": clock.policy_note,
    }


def _response(r: CaseResponse) -> dict[str, Any]:
    return {
        "kind": r.kind, "kind_label": r.get_kind_display(), "responded_at": iso(r.responded_at),
        "recorded_at": iso(r.recorded_at), "late_reason": r.late_reason, "channel": r.channel,
    }


def export_rows(start: date | None = None, end: date | None = None,
                now: datetime | None = None, cases: QuerySet[Case] | None = None) -> Iterator[dict[str, Any]]:
    """One dict per case opened in the period (or per case of `cases`, e.g. a filtered case list);
    clock outcomes judged at `now` as in the statistics."""
    now = now or timezone.now()
    order = {value: i for i, value in enumerate(Clock.values)}
    chosen = cases_opened(start, end) if cases is None else cases.order_by("opened_at", "id")
    cases = (chosen
             .select_related("level", "section", "event")
             .annotate(dismissed=dismissed_at("pk"))
             .prefetch_related(
                 Prefetch("clocks", queryset=CaseClock.objects.all()),
                 Prefetch("responses", queryset=CaseResponse.objects.order_by("responded_at", "id")),
                 Prefetch("mentions", queryset=Mention.objects.filter(extra__has_key="ticket_no").only("id", "extra")),
             ))
    for case in cases.iterator(chunk_size=500):
        ended = case.closed_at if case.state == Case.State.CLOSED else case.dismissed
        clocks = sorted(case.clocks.all(), key=lambda k: order.get(k.clock, len(order)))
        yield {
            "number": case.number,
            "title": case.title,
            "channel": case.channel,
            "channel_label": case.get_channel_display(),
            "level": case.level.code if case.level else None,
            "level_label": str(case.level) if case.level else "未定级",
            "section": case.section.code,
            "section_name": case.section.name,
            "state": case.state,
            "state_label": case.get_state_display(),
            "ticket_no": ticket_no(case),
            "event_key": case.event.key if case.event else None,
            "opened_at": iso(case.opened_at),
            "responded_at": iso(case.responded_at),
            "closed_at": iso(case.closed_at),
            "clocks": [_clock(k, case, ended, now) for k in clocks],
            "responses": [_response(r) for r in case.responses.all()],
        }


"""Statistics for any period: counts by channel, level, section and state, on-time rates per
clock, and the year-end table of the bureau's report (网上留言、领导信箱、12345 转办件 办理数).

Gathering is separate from rendering (csv/xlsx/json live in the `stats` command) so the weekly
digest can reuse `case_stats`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from response.models import Case, CaseClock, Channel, Clock, Level, Section

HOTLINE_CHANNELS = (Channel.HOTLINE_URGENT, Channel.HOTLINE_ENQUIRY, Channel.HOTLINE_COMPLAINT)
# How a board item tells a leader-mailbox letter from a message-board post: the source's name
# or slug (sources are configuration; bureaus name their mailbox "领导信箱"/"局长信箱"/"mailbox").
MAILBOX_MARKERS = ("信箱", "mailbox")


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time: `--to` is inclusive, as people read dates."""
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def _counts(cases, field: str, labels: dict[str, str]) -> dict[str, int]:
    rows = dict(cases.order_by().values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    out = {labels[k]: rows.get(k, 0) for k in labels}
    other = sum(n for k, n in rows.items() if k not in labels)
    if other:
        out["未定/其他"] = other
    return out


def on_time(cases) -> dict[str, dict[str, Any]]:
    """Per clock: how many were met in time, missed, still running (and already overdue)."""
    now = timezone.now()
    out = {}
    for clock, label in Clock.choices:
        rows = CaseClock.objects.filter(case__in=cases, clock=clock)
        met = rows.filter(stopped_at__isnull=False, stopped_at__lte=F("due_at")).count()
        late = rows.filter(stopped_at__isnull=False, stopped_at__gt=F("due_at")).count()
        running = rows.filter(stopped_at__isnull=True)
        overdue = running.filter(due_at__lt=now).count()
        finished = met + late
        out[label] = {
            "total": rows.count(), "met": met, "late": late, "running": running.count(),
            "overdue_running": overdue, "rate": round(met / finished, 4) if finished else None,
        }
    return out


def year_table(cases) -> dict[str, dict[str, int]]:
    """The report's table: how many messages, mailbox letters and 12345 transfers came and were handled."""
    handled = Q(state__in=[Case.State.RESPONDED, Case.State.CLOSED])
    board = cases.filter(channel=Channel.BOARD)
    is_mailbox = Q()
    for marker in MAILBOX_MARKERS:
        is_mailbox |= Q(mentions__source__name__icontains=marker) | Q(mentions__source__slug__icontains=marker)
    mailbox_ids = set(board.filter(is_mailbox).values_list("id", flat=True))
    messages = board.exclude(id__in=mailbox_ids)
    mailbox = board.filter(id__in=mailbox_ids)
    hotline = cases.filter(channel__in=HOTLINE_CHANNELS)
    return {
        label: {"received": qs.count(), "handled": qs.filter(handled).count()}
        for label, qs in (("网上留言", messages), ("领导信箱", mailbox), ("12345转办件", hotline))
    }


def case_stats(start: date, end: date) -> dict[str, Any]:
    lo, hi = period_bounds(start, end)
    cases = Case.objects.filter(opened_at__gte=lo, opened_at__lt=hi)
    levels = {lv.code: f"{lv.code}级 {lv.name}" for lv in Level.objects.all()}
    levels_rows = dict(cases.order_by().values_list("level__code").annotate(n=Count("id")).values_list("level__code", "n"))
    by_level = {label: levels_rows.get(code, 0) for code, label in levels.items()}
    if levels_rows.get(None):
        by_level["未定级"] = levels_rows[None]
    sections = {s.pk: s.name for s in Section.objects.all()}
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "total": cases.count(),
        "by_channel": _counts(cases, "channel", dict(Channel.choices)),
        "by_level": by_level,
        "by_section": _counts(cases, "section", sections),
        "by_state": _counts(cases, "state", dict(Case.State.choices)),
        "on_time": on_time(cases),
        "year_table": year_table(cases),
    }


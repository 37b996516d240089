"""Statistics for any period: counts by channel, level, section and state, on-time rates per
clock (overall, per channel, per section), responses entered late (补录), and the year-end table
of the bureau's report (网上留言、领导信箱、12345 转办件 办理数).

Gathering is separate from rendering (csv/xlsx/json live in the `stats` command) so the weekly
digest can reuse `case_stats`.

On-time rates never overstate: a clock that is past due and still running counts against the
rate as much as one stopped late; only clocks that have not yet fallen due are left out.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from response.models import (
    AuditEntry,
    Case,
    CaseClock,
    CaseResponse,
    Channel,
    Clock,
    Level,
    Section,
)

HOTLINE_CHANNELS = (Channel.HOTLINE_URGENT, Channel.HOTLINE_ENQUIRY, Channel.HOTLINE_COMPLAINT)
# How a board item tells a leader-mailbox letter from a message-board post: the source's name
# or slug (sources are configuration; bureaus name their mailbox "领导信箱"/"局长信箱"/"mailbox").
MAILBOX_MARKERS = ("信箱", "mailbox")
ENDED_STATES = (Case.State.CLOSED, Case.State.DISMISSED)

# What a clock counts as, judged at a moment.
MET, LATE, OVERDUE, RUNNING, VOID = "met", "late", "overdue", "running", "void"
VERDICT_LABELS = {MET: "按时", LATE: "超时", OVERDUE: "逾期未完成", RUNNING: "进行中", VOID: "未到期即终止"}
RATE_RULE = "按时率 = 按时 ÷（按时 + 超时 + 进行中已逾期）；进行中且未到期、以及案件办结/排除时尚未到期的时限不计入"


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time: `--to` is inclusive, as people read dates."""
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def verdict(due_at: datetime, stopped_at: datetime | None, state: str, ended_at: datetime | None,
            now: datetime) -> str:
    """How one clock counts. A clock left running on a closed or dismissed case is late when it
    fell due before the case ended (the deadline was missed while the case was live) and void
    otherwise; with no known end we judge it now, which can only count against the bureau."""
    if stopped_at is not None:
        return MET if stopped_at <= due_at else LATE
    if state in ENDED_STATES:
        return LATE if due_at < (ended_at or now) else VOID
    return OVERDUE if due_at < now else RUNNING


def dismissed_at(case_ref: str = "case") -> Subquery:
    """When the case (`case_ref` in the outer query) was last dismissed, from the audit trail:
    the case row keeps no such time."""
    rows = AuditEntry.objects.filter(case=OuterRef(case_ref), action="state", field="state",
                                     new=Case.State.DISMISSED.label)
    return Subquery(rows.order_by("-at", "-id").values("at")[:1])


@dataclass
class Tally:
    total: int = 0
    met: int = 0
    late: int = 0
    late_unstopped: int = 0
    overdue_running: int = 0
    running: int = 0
    void: int = 0

    def add(self, outcome: str, stopped: bool) -> None:
        self.total += 1
        if outcome == MET:
            self.met += 1
        elif outcome == LATE:
            self.late += 1
            self.late_unstopped += not stopped
        elif outcome == OVERDUE:
            self.overdue_running += 1
            self.running += 1
        elif outcome == RUNNING:
            self.running += 1
        else:
            self.void += 1

    def as_dict(self) -> dict[str, Any]:
        judged = self.met + self.late + self.overdue_running
        return {
            "total": self.total, "met": self.met, "late": self.late, "late_unstopped": self.late_unstopped,
            "running": self.running, "overdue_running": self.overdue_running, "void": self.void,
            "judged": judged, "rate": round(self.met / judged, 4) if judged else None,
        }


def pooled(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several `as_dict` rows added up (a table's 合计), the rate recomputed from the sums."""
    total = Tally()
    for row in rows:
        for name in Tally.__dataclass_fields__:
            setattr(total, name, getattr(total, name) + row[name])
    return total.as_dict()


def _clock_tallies(cases: QuerySet[Case], now: datetime) -> dict[tuple[str, Any], dict[str, Tally]]:
    """Tallies keyed by (grouping, group) then clock: ("all", None), ("channel", code), ("section", pk)."""
    rows = (CaseClock.objects.filter(case__in=cases).annotate(dismissed_at=dismissed_at())
            .values_list("clock", "due_at", "stopped_at", "case__state", "case__closed_at", "dismissed_at",
                         "case__channel", "case__section_id"))
    out: dict[tuple[str, Any], dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for clock, due, stopped, state, closed, dismissed, channel, section in rows:
        ended = closed if state == Case.State.CLOSED else dismissed
        outcome = verdict(due, stopped, state, ended, now)
        for key in (("all", None), ("channel", channel), ("section", section)):
            out[key][clock].add(outcome, stopped is not None)
    return out


def _per_clock(tallies: dict[str, Tally], *, keep_empty: bool) -> dict[str, dict[str, Any]]:
    return {label: tallies.get(clock, Tally()).as_dict() for clock, label in Clock.choices
            if keep_empty or clock in tallies}


def on_time(cases: QuerySet[Case], now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per clock: met in time, late (stopped late, or left running past due on an ended case),
    still running (and already overdue), void; the rate over met + late + overdue-running."""
    return _per_clock(_clock_tallies(cases, now or timezone.now()).get(("all", None), {}), keep_empty=True)


def _groups(tallies: dict[tuple[str, Any], dict[str, Tally]], grouping: str,
            labels: dict[Any, str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per channel or per section: only groups and clocks that have clocks."""
    return {label: _per_clock(tallies[(grouping, key)], keep_empty=False)
            for key, label in labels.items() if (grouping, key) in tallies}


def late_entries(cases: QuerySet[Case]) -> dict[str, Any]:
    """Responses entered after the fact (补录): which, when they happened, when they were entered, why."""
    rows = (CaseResponse.objects.filter(case__in=cases).exclude(late_reason="")
            .select_related("case").order_by("responded_at", "id"))
    items = [{
        "case": r.case.number, "title": r.case.title, "kind": r.get_kind_display(),
        "responded_at": timezone.localtime(r.responded_at).isoformat(),
        "recorded_at": timezone.localtime(r.recorded_at).isoformat(),
        "delay_hours": round((r.recorded_at - r.responded_at).total_seconds() / 3600, 1),
        "late_reason": r.late_reason,
    } for r in rows]
    return {"count": len(items), "items": items}


def _counts(cases: QuerySet[Case], field: str, labels: dict[Any, str]) -> dict[str, int]:
    rows = dict(cases.order_by().values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    out = {labels[k]: rows.get(k, 0) for k in labels}
    other = sum(n for k, n in rows.items() if k not in labels)
    if other:
        out["未定/其他"] = other
    return out


def year_table(cases: QuerySet[Case]) -> dict[str, dict[str, int]]:
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


def case_stats(start: date, end: date, now: datetime | None = None,
               within: QuerySet[Case] | None = None) -> dict[str, Any]:
    """Everything about the cases opened in [start, end] (local dates); running clocks judged at `now`.
    `within` narrows the cases (a section's own period report); default every case."""
    now = now or timezone.now()
    lo, hi = period_bounds(start, end)
    cases = (Case.objects.all() if within is None else within).filter(opened_at__gte=lo, opened_at__lt=hi)
    levels = {lv.code: f"{lv.code}级 {lv.name}" for lv in Level.objects.all()}
    levels_rows = dict(cases.order_by().values_list("level__code").annotate(n=Count("id")).values_list("level__code", "n"))
    by_level = {label: levels_rows.get(code, 0) for code, label in levels.items()}
    if levels_rows.get(None):
        by_level["未定级"] = levels_rows[None]
    sections = {s.pk: s.name for s in Section.objects.all()}
    tallies = _clock_tallies(cases, now)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "computed_at": timezone.localtime(now).isoformat(),
        "total": cases.count(),
        "by_channel": _counts(cases, "channel", dict(Channel.choices)),
        "by_level": by_level,
        "by_section": _counts(cases, "section", sections),
        "by_state": _counts(cases, "state", dict(Case.State.choices)),
        "on_time": _per_clock(tallies.get(("all", None), {}), keep_empty=True),
        "on_time_rule": RATE_RULE,
        "on_time_by_channel": _groups(tallies, "channel", dict(Channel.choices)),
        "on_time_by_section": _groups(tallies, "section", sections),
        "late_entries": late_entries(cases),
        "year_table": year_table(cases),
    }

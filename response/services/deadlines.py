"""Case clocks from deadline policies (data): which policy applies and when each clock falls due.

One place computes a clock's due time — `planned_clocks` — from the policy, the case's own start
(a 12345 ticket's transfer time, a policy document's release) and the ticket's own 办理时限. Opening
a case, changing its level, re-importing a ticket and entering a year's holidays all go through it,
and a recomputation re-applies the clock's approved extensions, so no path loses one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from response.models import Case, CaseClock, Channel, Clock, DeadlinePolicy, Extension, Source
from response.services import audit
from response.services.business_rules import running_states
from response.services.workdays import add_working_days, end_of_same_day

HOTLINE_CHANNELS = (Channel.HOTLINE_URGENT, Channel.HOTLINE_ENQUIRY, Channel.HOTLINE_COMPLAINT)
TICKET_DUE_NOTE = "12345 工单要求办结时间"


def policies_for(case: Case) -> list[DeadlinePolicy]:
    """For each clock the most specific policy: this case's level first, then 'any level'."""
    rows = DeadlinePolicy.objects.filter(channel=case.channel).filter(
        Q(level=case.level) | Q(level__isnull=True)
    ).select_related("level")
    chosen: dict[str, DeadlinePolicy] = {}
    for policy in rows:
        current = chosen.get(policy.clock)
        if current is None or (current.level_id is None and policy.level_id is not None):
            chosen[policy.clock] = policy
    return list(chosen.values())


def due_at(policy: DeadlinePolicy, start: datetime) -> datetime:
    if policy.unit == DeadlinePolicy.Unit.HOURS:
        return start + timedelta(hours=policy.amount)
    if policy.unit == DeadlinePolicy.Unit.SAME_DAY:
        return end_of_same_day(start)
    return add_working_days(start, policy.amount)


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def ticket_times(case: Case) -> tuple[datetime | None, datetime | None]:
    """(transfer time, the ticket's own due time) of a 12345 case, from its ticket mention."""
    if case.channel not in HOTLINE_CHANNELS or not case.pk:
        return None, None
    mention = case.mentions.filter(source__kind=Source.Kind.HOTLINE).order_by("id").first()
    if mention is None:
        return None, None
    extra = mention.extra or {}
    return _moment(extra.get("transferred_at") or extra.get("received_at")), _moment(extra.get("due_at"))


def case_start(case: Case) -> datetime:
    """When the case's clocks start: a ticket's transfer (not the import), else the opening."""
    transferred, _ = ticket_times(case)
    return transferred or case.opened_at


@dataclass(frozen=True)
class PlannedClock:
    clock: str
    started_at: datetime
    due_at: datetime
    note: str
    warn_at: tuple[float, ...]


def _warn_points(policy: DeadlinePolicy | None) -> tuple[float, ...]:
    raw = policy.warn_at if policy else [0.5, 0.8]
    return tuple(sorted(float(x) for x in (raw or []) if 0 < float(x) < 1))


def planned_clocks(case: Case, start: datetime | None = None) -> dict[str, PlannedClock]:
    """The clocks the case should have, before extensions, keyed by clock kind."""
    start = start or case_start(case)
    plan = {
        p.clock: PlannedClock(p.clock, start, due_at(p, start), p.note, _warn_points(p))
        for p in policies_for(case)
    }
    _, ticket_due = ticket_times(case)
    if ticket_due is not None:
        # The 12345 centre's own deadline for this ticket beats the channel's default.
        current = plan.get(Clock.RESPONSE)
        plan[Clock.RESPONSE] = PlannedClock(Clock.RESPONSE, start, ticket_due, TICKET_DUE_NOTE,
                                            current.warn_at if current else _warn_points(None))
    return plan


def with_extensions(clock: CaseClock, due: datetime) -> datetime:
    """`due` moved out by each extension approved for this run of the clock, in decision order."""
    from response.services.extensions import extended_due

    approved = clock.extensions.filter(state=Extension.State.APPROVED).order_by("decided_at", "id")
    for ext in approved:
        if ext.decided_at and ext.decided_at < clock.started_at:
            continue  # granted to an earlier run of a clock that was restarted (reopened case)
        due = extended_due(due, ext.amount, ext.unit)
    return due


def _note_new_due(moment: datetime) -> None:
    from response.services.calendar_changes import note_new_due  # it imports this module

    note_new_due(moment)


def ensure_clocks(case: Case, start: datetime | None = None) -> list[CaseClock]:
    """Create the case's clocks if missing (idempotent) and return them sorted by due time."""
    for planned in planned_clocks(case, start).values():
        _, created = CaseClock.objects.get_or_create(
            case=case, clock=planned.clock,
            defaults={"started_at": planned.started_at, "due_at": planned.due_at,
                      "policy_note": planned.note, "warn_at": list(planned.warn_at)},
        )
        if created:
            _note_new_due(planned.due_at)
    return list(case.clocks.order_by("due_at"))


def _fmt(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def recompute_clocks(case: Case, *, user: Any = None, note: str = "") -> list[CaseClock]:
    """Bring the case's running clocks in line with its level, channel, ticket and the calendar.

    Stopped clocks are the record and stay as they are. A running clock keeps its start (unless a
    ticket's transfer time was corrected), gets the planned due time plus its approved extensions,
    and every change is audited; a running clock the new policy no longer has is removed, audited.
    """
    transferred, _ = ticket_times(case)
    existing = {k.clock: k for k in case.clocks.all()}
    starts = {k.clock: (transferred or k.started_at) for k in existing.values() if k.stopped_at is None}
    default_start = transferred or (min(starts.values()) if starts else case_start(case))
    plan = planned_clocks(case, default_start)
    for kind, planned in plan.items():
        clock = existing.get(kind)
        if clock is None:
            clock = CaseClock.objects.create(case=case, clock=kind, started_at=planned.started_at,
                                             due_at=planned.due_at, policy_note=planned.note,
                                             warn_at=list(planned.warn_at))
            audit.record("clock_add", clock, user=user, case=case, field=f"{kind}.due_at",
                         new=_fmt(clock.due_at), note=note or planned.note)
            continue
        if clock.stopped_at is not None:
            continue
        start = starts.get(kind, clock.started_at)
        base = planned if start == planned.started_at else planned_clocks(case, start)[kind]
        old_start, old_due = clock.started_at, clock.due_at
        clock.started_at = start
        clock.due_at = with_extensions(clock, base.due_at)
        clock.policy_note = base.note
        if (old_start, old_due) != (clock.started_at, clock.due_at):
            clock.save(update_fields=["started_at", "due_at", "policy_note"])
            _note_new_due(clock.due_at)
            audit.record("clock_recompute", clock, user=user, case=case, field=f"{kind}.due_at",
                         old=_fmt(old_due), new=_fmt(clock.due_at), note=note)
        else:
            clock.save(update_fields=["policy_note"])
    for kind, clock in existing.items():
        if kind not in plan and clock.stopped_at is None:
            audit.record("clock_remove", clock, user=user, case=case, field=f"{kind}.due_at",
                         old=_fmt(clock.due_at), note=note or "新的时限规则不再包含此时限")
            clock.delete()
    return list(case.clocks.order_by("due_at"))


def restart_clock(case: Case, kind: str, at: datetime, *, user: Any = None, note: str = "") -> CaseClock | None:
    """Run a stopped clock again from `at` (a reopened case's closure clock); the old run is audited."""
    planned = planned_clocks(case, at).get(kind)
    clock = case.clocks.filter(clock=kind).first()
    if planned is None:
        return clock
    old = (f"起算 {_fmt(clock.started_at)}，到期 {_fmt(clock.due_at)}，完成 {_fmt(clock.stopped_at)}"
           if clock else "")
    if clock is None:
        clock = CaseClock(case=case, clock=kind)
    clock.started_at, clock.due_at, clock.stopped_at, clock.paused_at = at, planned.due_at, None, None
    clock.policy_note, clock.warn_at = planned.note, list(planned.warn_at)
    clock.save()
    _note_new_due(clock.due_at)
    audit.record("clock_restart", clock, user=user, case=case, field=f"{kind}.due_at", old=old,
                 new=f"起算 {_fmt(at)}，到期 {_fmt(clock.due_at)}", note=note)
    return clock




def running_clocks(now: datetime | None = None):  # -> QuerySet[CaseClock]
    """Clocks not met and not paused whose case is still open (what the periodic check looks at)."""
    return (
        CaseClock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True, case__state__in=running_states())
        .select_related("case", "case__section", "case__level", "case__leader", "case__section__head")
        .order_by("due_at")
    )


def share_used(clock: CaseClock, now: datetime) -> float:
    """Share of the clock's time already used (1.0 = due, > 1 overdue)."""
    total = (clock.due_at - clock.started_at).total_seconds()
    if total <= 0:
        return 1.0 if now >= clock.due_at else 0.0
    return (now - clock.started_at).total_seconds() / total

"""Case clocks from deadline policies (data): which policy applies and when each clock falls due."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from response.models import Case, CaseClock, DeadlinePolicy
from response.services.workdays import add_working_days, end_of_same_day


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


def ensure_clocks(case: Case, start: datetime | None = None) -> list[CaseClock]:
    """Create the case's clocks if missing (idempotent) and return them sorted by due time."""
    start = start or case.opened_at
    for policy in policies_for(case):
        CaseClock.objects.get_or_create(
            case=case, clock=policy.clock,
            defaults={"started_at": start, "due_at": due_at(policy, start), "policy_note": policy.note,
                      "warn_at": sorted(float(x) for x in (policy.warn_at or []) if 0 < float(x) < 1)},
        )
    return list(case.clocks.order_by("due_at"))


# A clock runs while its case is being worked on; the closure clock keeps running after the
# response (已回应) until the case is filed.
RUNNING_STATES = (Case.State.TRIAGE, Case.State.HANDLING, Case.State.RESPONDED)


def running_clocks(now: datetime | None = None):  # -> QuerySet[CaseClock]
    """Clocks not met and not paused whose case is still open (what the periodic check looks at)."""
    return (
        CaseClock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True, case__state__in=RUNNING_STATES)
        .select_related("case", "case__section", "case__level", "case__leader", "case__section__head")
        .order_by("due_at")
    )


def share_used(clock: CaseClock, now: datetime) -> float:
    """Share of the clock's time already used (1.0 = due, > 1 overdue)."""
    total = (clock.due_at - clock.started_at).total_seconds()
    if total <= 0:
        return 1.0 if now >= clock.due_at else 0.0
    return (now - clock.started_at).total_seconds() / total

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
            defaults={"started_at": start, "due_at": due_at(policy, start), "policy_note": policy.note},
        )
    return list(case.clocks.order_by("due_at"))

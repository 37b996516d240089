"""The periodic deadline check: warnings before a clock is due, escalation when it is overdue,
a reminder (催办) the day after.

Ladder for each running clock (policy data decides the warning points, e.g. [0.5, 0.8]):
- a warning point passed → the owning and co-owning sections; the last point also reaches the
  section head (first escalation step);
- due time passed (逾期) → the section head, the office and the leader in charge;
- the calendar day after the due date (催办) → the sections, the head and the office.
Only the highest warning point reached is sent: a check that was down for a while does not
send a stale 50% warning after the 80% one. Every notice carries a key made of clock, due time,
stage and recipient, so it is sent once however often the check runs; an approved extension
moves the due time and so starts a fresh ladder for the new deadline.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from response.models import CaseClock
from response.services import audit
from response.services.business_rules import escalation_audience
from response.services.case_notices import case_facts, case_link
from response.services.deadlines import running_clocks, share_used
from response.services.locks import run_lock
from response.services.notify import Message, Target, enqueue
from response.services.notify.targets import (
    case_section_targets,
    head_targets,
    leader_targets,
    office_targets,
    unique,
)

logger = logging.getLogger(__name__)


@dataclass
class CheckReport:
    clocks: int = 0
    created: int = 0
    stages: list[str] = field(default_factory=list)
    skipped: bool = False  # another run held the lock


def _audience(stage: str, case, sections: list[Target], head: list[Target]) -> list[Target]:
    """The people a stage reaches, as configured (YUQING_ESCALATION_AUDIENCE)."""
    groups = {"sections": lambda: sections, "head": lambda: head, "office": office_targets,
              "leader": lambda: leader_targets(case)}
    return unique([t for name in escalation_audience(stage) for t in groups[name]()])


def _stages(clock: CaseClock, now: datetime) -> list[tuple[str, list[Target], str]]:
    case = clock.case
    name = clock.get_clock_display()
    due = timezone.localtime(clock.due_at)
    sections = case_section_targets(case)
    head = head_targets(case.section)
    if now < clock.due_at:
        passed = [p for p in clock.warn_at if share_used(clock, now) >= p]
        if not passed:
            return []
        point = max(passed)
        audience = "last_warn" if point == max(clock.warn_at) else "warn"
        text = f"“{name}”时限已用 {round(point * 100)}%，将于 {due:%m-%d %H:%M} 到期"
        return [(f"warn{round(point * 100)}", _audience(audience, case, sections, head), text)]
    out = [("overdue", _audience("overdue", case, sections, head),
            f"“{name}”已于 {due:%m-%d %H:%M} 逾期，已报办公室和分管领导")]
    if timezone.localtime(now).date() > due.date():
        out.append(("reminder", _audience("reminder", case, sections, head),
                    f"催办：“{name}”已于 {due:%Y-%m-%d %H:%M} 到期，请立即办理并报告进展"))
    return out


def check_clock(clock: CaseClock, now: datetime) -> list[str]:
    """Create the notices this clock is owed at `now`; returns the stages that produced new rows."""
    case = clock.case
    fired = []
    for stage, targets, text in _stages(clock, now):
        if not targets:
            # Nobody configured to hear it (no mailbox, head, office or leader): say so, loudly.
            logger.error("deadlines.no_recipients case=%s clock=%s stage=%s", case.number, clock.clock, stage)
            continue
        subject = f"{text.split('，')[0]}：{case.title[:50]}"
        message = Message(subject, f"{text}\n{case_facts(case)}\n依据：{clock.policy_note}", case_link(case))
        key = f"clock:{clock.pk}:{int(clock.due_at.timestamp())}:{stage}"
        with transaction.atomic():
            created = enqueue(key=key, kind="overdue" if stage in ("overdue", "reminder") else "warning",
                              targets=targets, message=message, case=case, now=now)
            if created:
                audit.record("escalate", clock, case=case, field=clock.clock, new=stage,
                             note=f"{text}；通知 {len(created)} 个接收方")
        if created:
            fired.append(stage)
    return fired


def check_deadlines(now: datetime | None = None, *, blocking_timeout: float = 0) -> CheckReport:
    """One pass over every running clock; safe to run as often and as concurrently as beat likes."""
    now = now or timezone.now()
    report = CheckReport()
    with run_lock("deadlines", blocking_timeout=blocking_timeout) as held:
        if not held:
            report.skipped = True
            return report
        for clock in running_clocks(now):
            report.clocks += 1
            for stage in check_clock(clock, now):
                report.created += 1
                report.stages.append(f"{clock.case.number}/{clock.clock}/{stage}")
    logger.info("deadlines.checked clocks=%d new_stages=%d", report.clocks, report.created)
    return report

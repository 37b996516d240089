"""Notices about a case's life (opened, assigned, raised to a major level, reopened): who is told what.

Deadline warnings and escalations live in escalation.py; both go through notify.enqueue, so each
notice is recorded once however often the code path runs.
"""
from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from response.models import Case, Mention
from response.services.notify import Message, enqueue
from response.services.notify.targets import (
    case_section_targets,
    head_targets,
    leader_targets,
    unique,
)


def case_link(case: Case) -> str:
    try:
        path = reverse("case", args=[case.pk])
    except NoReverseMatch:
        path = f"/cases/{case.pk}/"
    return settings.YUQING_BASE_URL.rstrip("/") + path


def next_deadline(case: Case) -> str:
    """The earliest running clock, so a notice read at night says how soon it is due."""
    clock = case.clocks.filter(stopped_at__isnull=True, paused_at__isnull=True).order_by("due_at").first()
    if clock is None:
        return ""
    return f"最近时限：{clock.get_clock_display()} {timezone.localtime(clock.due_at):%Y-%m-%d %H:%M} 到期"


def case_facts(case: Case) -> str:
    level = f"{case.level.code}级 {case.level.name}" if case.level else "未定级"
    lines = [
        f"案件：{case.number} {case.title}",
        f"级别：{level}",
        f"牵头科室：{case.section.name}",
        f"状态：{case.get_state_display()}",
        f"立案时间：{timezone.localtime(case.opened_at):%Y-%m-%d %H:%M}",
    ]
    deadline = next_deadline(case)
    return "\n".join([*lines, deadline] if deadline else lines)


def leader_alert(case: Case) -> int:
    """I–II (Level.notify_leader_immediately): the leader in charge hears at once, day or night."""
    if not (case.level and case.level.notify_leader_immediately):
        return 0
    message = Message(f"{case.level.code}级舆情立即报告：{case.title[:60]}",
                      case_facts(case) + "\n须召开会商联席会议后统一口径回应。", case_link(case))
    return len(enqueue(key=f"case:{case.pk}:leader:{case.level.code}", kind="leader", case=case,
                       targets=leader_targets(case), message=message))


def case_assigned(case: Case) -> int:
    """The owning (and co-owning) sections hear when a case is theirs to handle, once per owner."""
    if case.state != Case.State.HANDLING:
        return 0
    message = Message(f"新交办舆情案件：{case.title[:60]}", case_facts(case), case_link(case))
    return len(enqueue(key=f"case:{case.pk}:assigned:{case.section_id}", kind="assigned", case=case,
                       targets=case_section_targets(case), message=message))


def new_mention_on_closed(case: Case, mention: Mention, reopened: bool) -> int:
    what = "已重新开启，请继续处置" if reopened else "案件仍为已办结，请研判是否需要再次回应"
    message = Message(
        f"已办结案件出现新报道：{case.title[:60]}",
        case_facts(case) + f"\n新报道：{mention.title[:200]}\n来源：{mention.source.name}\n{what}",
        case_link(case),
    )
    targets = unique(case_section_targets(case) + head_targets(case.section))
    return len(enqueue(key=f"case:{case.pk}:new_mention:{mention.pk}", kind="reopen", case=case,
                       targets=targets, message=message))


"""What people do to mentions and cases. Every change goes through here and leaves an audit row.

State machine: 待研判 triage → 处置中 handling → 已回应 responded → 已办结 closed; 已排除 dismissed
from triage/handling with a reason. A human decision (section, level) always beats the machine's
and is stored as Feedback for retraining.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from response.models import (
    Case,
    CaseClock,
    CaseResponse,
    Clock,
    Consultation,
    Feedback,
    Level,
    Mention,
    Section,
)
from response.services import audit, case_notices
from response.services.cases import open_case_for_mention, origin_key_for
from response.services.deadlines import ensure_clocks
from response.services.leads import hand_over_lead
from response.services.permissions import require_act, require_review


class CaseError(Exception):
    """A rule of the mechanism was broken; the message is shown to the user as is."""


ALLOWED = {
    Case.State.TRIAGE: {Case.State.HANDLING, Case.State.DISMISSED},
    Case.State.HANDLING: {Case.State.RESPONDED, Case.State.DISMISSED, Case.State.CLOSED},
    Case.State.RESPONDED: {Case.State.CLOSED, Case.State.HANDLING},
    Case.State.CLOSED: {Case.State.HANDLING},
    Case.State.DISMISSED: {Case.State.HANDLING},
}


def _move(case: Case, state: str, user: Any, note: str = "") -> None:
    if state == case.state:
        return
    if state not in ALLOWED[case.state]:
        raise CaseError(f"案件当前为“{case.get_state_display()}”，不能变更为“{Case.State(state).label}”")
    old = case.get_state_display()
    case.state = state
    case.save(update_fields=["state"])
    audit.record("state", case, user=user, field="state", old=old, new=case.get_state_display(), note=note)
    if state == Case.State.HANDLING:
        case_notices.case_assigned(case)


def _feedback(mention: Mention, field: str, machine: str, human: str, user: Any) -> None:
    if machine != human:
        Feedback.objects.create(mention=mention, field=field, machine_value=machine or "", human_value=human, user=user)


@transaction.atomic
def confirm_mention(mention: Mention, user: Any, *, level: Level | None = None,
                    section: Section | None = None) -> Case:
    """The duty officer confirms a flagged item: it becomes (or joins) a case being handled."""
    mention = Mention.objects.select_for_update().get(pk=mention.pk)
    level = level or Level.objects.filter(code=mention.level).first()
    section = section or mention.section or Section.fallback()
    _feedback(mention, "level", mention.level, level.code if level else "", user)
    _feedback(mention, "section", mention.section.code if mention.section else "", section.code, user)
    if mention.review != Mention.Review.CONFIRMED:
        old = mention.get_review_display()
        mention.review, mention.reviewed_by, mention.reviewed_at = Mention.Review.CONFIRMED, user, timezone.now()
        mention.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        audit.record("review", mention, user=user, field="review", old=old, new=mention.get_review_display())
    case, created = open_case_for_mention(mention, user=user, level=level, section=section)
    if not created:
        if case.state == Case.State.TRIAGE:
            if case.section_id != section.pk:
                reassign(case, section, user)
            if level and case.level_id != level.pk:
                set_level(case, level, user)
            _move(case, Case.State.HANDLING, user, note="值班员确认")
        case.mentions.add(mention)
    elif section.pk != (mention.section_id or 0):
        case.section_via = "human"
        case.save(update_fields=["section_via"])
    hand_over_lead(mention.event_id)
    return case


@transaction.atomic
def dismiss_mention(mention: Mention, user: Any, reason: str) -> None:
    if not reason.strip():
        raise CaseError("排除须填写原因")
    mention = Mention.objects.select_for_update().get(pk=mention.pk)
    old = mention.get_review_display()
    mention.review, mention.dismiss_reason = Mention.Review.DISMISSED, reason.strip()[:300]
    mention.reviewed_by, mention.reviewed_at = user, timezone.now()
    mention.save(update_fields=["review", "dismiss_reason", "reviewed_by", "reviewed_at"])
    audit.record("review", mention, user=user, field="review", old=old, new=mention.get_review_display(), note=reason)
    hand_over_lead(mention.event_id)
    case = Case.objects.filter(origin_key=origin_key_for(mention), state=Case.State.TRIAGE).first()
    if case:
        case.dismiss_reason = reason.strip()[:300]
        case.save(update_fields=["dismiss_reason"])
        _move(case, Case.State.DISMISSED, user, note=reason)


CORRECTABLE = {"sentiment", "level", "section"}


@transaction.atomic
def correct_mention(mention: Mention, user: Any, field: str, value: str) -> None:
    """A duty officer corrects the machine's label; kept as Feedback for retraining."""
    if field not in CORRECTABLE:
        raise CaseError(f"不能修改字段 {field}")
    if field == "section":
        section = Section.objects.get(code=value)
        machine = mention.section.code if mention.section else ""
        _feedback(mention, field, machine, value, user)
        audit.record("correct", mention, user=user, field=field, old=machine, new=value)
        mention.section, mention.section_via, mention.section_reason = section, "human", "值班员修正"
        mention.save(update_fields=["section", "section_via", "section_reason"])
        return
    machine = getattr(mention, field)
    _feedback(mention, field, machine, value, user)
    audit.record("correct", mention, user=user, field=field, old=machine, new=value)
    setattr(mention, field, value)
    mention.save(update_fields=[field])


@transaction.atomic
def merge_into_case(mention: Mention, case: Case, user: Any) -> None:
    require_review(user)
    case.mentions.add(mention)
    if mention.review != Mention.Review.CONFIRMED:
        mention.review, mention.reviewed_by, mention.reviewed_at = Mention.Review.CONFIRMED, user, timezone.now()
        mention.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    audit.record("merge", case, user=user, field="mentions", new=mention.title[:200], note=f"并入条目 #{mention.pk}")


@transaction.atomic
def reassign(case: Case, section: Section, user: Any) -> None:
    """A human reassignment always wins and is remembered as training feedback."""
    require_review(user)
    old = case.section
    if old.pk == section.pk:
        return
    case.section, case.section_via = section, "human"
    case.save(update_fields=["section", "section_via"])
    audit.record("reassign", case, user=user, field="section", old=old.name, new=section.name)
    for mention in case.mentions.all():
        _feedback(mention, "section", mention.section.code if mention.section else "", section.code, user)
    case_notices.case_assigned(case)


@transaction.atomic
def set_level(case: Case, level: Level, user: Any) -> None:
    require_review(user)
    old = case.level
    if old and old.pk == level.pk:
        return
    case.level = level
    case.save(update_fields=["level"])
    audit.record("level", case, user=user, field="level", old=old.code if old else "", new=level.code)
    # Clocks not yet met follow the new level's policy; met clocks stay as the record.
    case.clocks.filter(stopped_at__isnull=True).delete()
    ensure_clocks(case, case.opened_at)
    case_notices.leader_alert(case)  # raised to I/II: the leader hears now, once per level


@transaction.atomic
def record_consultation(case: Case, user: Any, *, held_at: datetime, participants: str, conclusion: str,
                        agreed_wording: str, sections: list[Section] | None = None) -> Consultation:
    require_act(user, case)
    if not (participants.strip() and conclusion.strip() and agreed_wording.strip()):
        raise CaseError("会商记录须填写参会人员、会商结论和统一口径")
    record = Consultation.objects.create(case=case, held_at=held_at, participants=participants,
                                         conclusion=conclusion, agreed_wording=agreed_wording, recorded_by=user)
    if sections:
        record.sections.set(sections)
    audit.record("consultation", case, user=user, note=f"会商结论：{conclusion[:200]}")
    return record


def _stop(case: Case, clocks: tuple[str, ...], at: datetime) -> None:
    CaseClock.objects.filter(case=case, clock__in=clocks, stopped_at__isnull=True).update(stopped_at=at, paused_at=None)


@transaction.atomic
def record_response(case: Case, user: Any, *, text: str, channel: str, link: str = "",
                    responded_at: datetime | None = None, approved_by: str = "") -> CaseResponse:
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_act(user, case)
    if case.level and case.level.requires_consultation and not case.consultations.exists():
        raise CaseError(f"{case.level.code}级案件须先召开会商联席会议并记录，方可回应")
    if not text.strip():
        raise CaseError("回应内容不能为空")
    when = responded_at or timezone.now()
    response = CaseResponse.objects.create(case=case, text=text, channel=channel, link=link,
                                           responded_at=when, approved_by=approved_by, recorded_by=user)
    _stop(case, (Clock.FIRST_STATEMENT, Clock.RESPONSE), when)
    if case.responded_at is None:
        case.responded_at = when
        case.save(update_fields=["responded_at"])
    audit.record("response", case, user=user, field="response", new=text[:200], note=f"渠道：{channel}")
    if case.state in (Case.State.TRIAGE,):
        _move(case, Case.State.HANDLING, user)
    _move(case, Case.State.RESPONDED, user)
    return response


@transaction.atomic
def close_case(case: Case, user: Any, summary: str) -> None:
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_act(user, case)
    if not summary.strip():
        raise CaseError("办结须填写办结摘要")
    if case.state == Case.State.HANDLING and not case.responses.exists() and case.channel == "opinion":
        raise CaseError("网络舆情案件须先记录回应，方可办结")
    now = timezone.now()
    _stop(case, (Clock.FIRST_STATEMENT, Clock.RESPONSE, Clock.CLOSURE), now)
    case.summary, case.closed_at = summary.strip(), now
    case.save(update_fields=["summary", "closed_at"])
    _move(case, Case.State.CLOSED, user, note=summary[:200])

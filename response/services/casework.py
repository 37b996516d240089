"""What people do to mentions and cases. Every change goes through here and leaves an audit row.

State machine: 待研判 triage → 处置中 handling → 已回应 responded → 已办结 closed; 已排除 dismissed
from triage/handling with a reason. A human decision (section, level) always beats the machine's
and is stored as Feedback for retraining.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from response.models import (
    Case,
    CaseClock,
    CaseResponse,
    Channel,
    Clock,
    Consultation,
    Feedback,
    Level,
    Mention,
    ResponseDraft,
    Section,
)
from response.services import audit, case_notices
from response.services.cases import open_case, open_case_for_mention, origin_key_for
from response.services.deadlines import recompute_clocks, restart_clock
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


def _require_open(case: Case) -> None:
    """A filed case is the record: nothing on it changes until it is explicitly reopened."""
    if case.state == Case.State.CLOSED:
        raise CaseError("案件已办结，记录不可修改；如需补充，请先“重新打开”（将留痕并重新计算办结时限）")
    if case.state == Case.State.DISMISSED:
        raise CaseError("案件已排除，记录不可修改")


def _fmt(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


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
        if case.state == Case.State.DISMISSED:
            # The item's dismissal was undone and it is now confirmed: its case comes back with it
            # (audited), rather than the item joining a case nobody is working on.
            case.dismiss_reason = ""
            case.save(update_fields=["dismiss_reason"])
            _move(case, Case.State.HANDLING, user, note="撤销排除后值班员确认")
            if case.section_id != section.pk:
                reassign(case, section, user)
            if level and case.level_id != level.pk:
                set_level(case, level, user)
        elif case.state == Case.State.TRIAGE:
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
    passed, case = case, Case.objects.select_for_update().select_related("section").get(pk=case.pk)
    _require_open(case)
    old = case.section
    if old.pk == section.pk:
        return
    case.section, case.section_via = section, "human"
    case.save(update_fields=["section", "section_via"])
    passed.section, passed.section_via = section, "human"  # the caller goes on with its own object
    audit.record("reassign", case, user=user, field="section", old=old.name, new=section.name)
    # Imported here: assignment imports this module.
    from response.services.assignment import release_outside_section

    release_outside_section(case, user)
    for mention in case.mentions.all():
        _feedback(mention, "section", mention.section.code if mention.section else "", section.code, user)
    case_notices.case_assigned(case)


@transaction.atomic
def set_level(case: Case, level: Level, user: Any) -> bool:
    """Set the level the user chose; returns False when it already was that level (nothing changes)."""
    require_review(user)
    passed, case = case, Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    old = case.level
    if old and old.pk == level.pk:
        return False
    case.level = level
    case.save(update_fields=["level"])
    passed.level = level  # the caller goes on with its own object
    audit.record("level", case, user=user, field="level", old=old.code if old else "未定级", new=level.code)
    # Clocks not yet met follow the new level's policy (approved extensions kept); met clocks stay.
    recompute_clocks(case, user=user, note=f"级别调整为{level.code}级，未完成的时限按新级别重算")
    case_notices.leader_alert(case)  # raised to I/II: the leader hears now, once per level
    return True


@transaction.atomic
def record_consultation(case: Case, user: Any, *, held_at: datetime, participants: str, conclusion: str,
                        agreed_wording: str, sections: list[Section] | None = None) -> Consultation:
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_act(user, case)
    _require_open(case)
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


RESPONSE_CLOCKS = (Clock.FIRST_STATEMENT, Clock.RESPONSE)


def began_at(case: Case) -> datetime:
    """The earliest moment anything of the case existed: its first mention's publication (or
    fetch), its clocks' start (a ticket's transfer, a policy document's release), the opening.
    Nobody can have answered before it."""
    first = case.mentions.aggregate(at=Min(Coalesce("published_at", "fetched_at")))["at"]
    started = case.clocks.aggregate(at=Min("started_at"))["at"]
    return min(t for t in (first, started, case.opened_at) if t is not None)


def late_entry_limit() -> timedelta:
    """YUQING_LATE_ENTRY_MINUTES (default 60): a response entered this long after its real time is a 补录."""
    return timedelta(minutes=int(getattr(settings, "YUQING_LATE_ENTRY_MINUTES", 60)))


def _check_response_time(case: Case, when: datetime, now: datetime, late_reason: str) -> bool:
    """Refuse impossible times; returns True when the entry is a 补录 (late, with its reason)."""
    if when > now + timedelta(minutes=1):
        raise CaseError(f"回应时间 {_fmt(when)} 晚于当前时间，不能预先登记")
    start = began_at(case)
    if when < start:
        raise CaseError(f"回应时间 {_fmt(when)} 早于本案首条信息时间 {_fmt(start)}，请核对")
    late = now - when > late_entry_limit()
    if late and not late_reason.strip():
        raise CaseError(f"回应时间 {_fmt(when)} 早于登记时间超过 {int(late_entry_limit().total_seconds() // 60)} 分钟，"
                        "属补录，须填写补录原因")
    return late


@transaction.atomic
def record_response(case: Case, user: Any, *, text: str, channel: str, link: str = "",
                    responded_at: datetime | None = None, approved_by: str = "",
                    kind: str = CaseResponse.Kind.RESPONSE, late_reason: str = "",
                    draft: Any = None) -> CaseResponse:
    """One act of answering: it stops only its own clock (首次发布 or 回应/新闻发布会).

    Levels with `requires_signoff` take a person's response only through `services.signoff`:
    `draft` is the pending ResponseDraft its approver is approving right now."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_act(user, case)
    _require_open(case)
    if kind not in CaseResponse.Kind.values:
        raise CaseError("回应类型无效")
    clocks = {k.clock: k for k in case.clocks.all()}
    if kind == CaseResponse.Kind.FIRST_STATEMENT and Clock.FIRST_STATEMENT not in clocks:
        raise CaseError("本案件没有“首次发布”时限，请登记为“回应/新闻发布会”")
    if case.level and case.level.requires_consultation and not case.consultations.exists():
        raise CaseError(f"{case.level.code}级案件须先召开会商联席会议并记录，方可回应")
    if not text.strip():
        raise CaseError("回应内容不能为空")
    if case.level and case.level.requires_signoff and user is not None and not _signed_off(draft, case, user):
        raise CaseError(f"{case.level.code}级案件的回应须经分管领导审核：请“送审”，审核通过后自动记录为已发布")
    now = timezone.now()
    when = responded_at or now
    late = _check_response_time(case, when, now, late_reason)
    response = CaseResponse.objects.create(
        case=case, kind=kind, text=text, channel=channel, link=link, responded_at=when,
        approved_by=approved_by, recorded_by=user, late_reason=late_reason.strip()[:300] if late else "",
    )
    _stop(case, (kind,), when)
    if case.responded_at is None or when < case.responded_at:
        case.responded_at = when
        case.save(update_fields=["responded_at"])
    label = CaseResponse.Kind(kind).label
    audit.record("response", case, user=user, field=kind, new=text[:200],
                 note=f"{label}；渠道：{channel}；回应时间：{_fmt(when)}")
    if late:
        audit.record("response_late", case, user=user, field=f"{kind}.responded_at", new=_fmt(when),
                     note=f"补录（登记于 {_fmt(now)}）：{response.late_reason}")
    if case.state == Case.State.TRIAGE:
        _move(case, Case.State.HANDLING, user)
    answered = not CaseClock.objects.filter(case=case, clock__in=RESPONSE_CLOCKS, stopped_at__isnull=True).exists()
    if answered:
        _move(case, Case.State.RESPONDED, user)
    return response


def _signed_off(draft: Any, case: Case, user: Any) -> bool:
    """The draft is this case's, still pending, and `user` is the leader it was submitted to."""
    return (isinstance(draft, ResponseDraft) and draft.case_id == case.pk
            and draft.state == ResponseDraft.State.PENDING and draft.approver_id == user.pk)


def closure_blockers(case: Case) -> list[str]:
    """What the level's and the channel's rules still require before the case may be filed."""
    missing = []
    level = case.level
    if level and level.requires_consultation and not case.consultations.exists():
        missing.append(f"{level.code}级案件须先召开会商联席会议并记录")
    needs_response = case.channel == Channel.OPINION or bool(level and level.requires_response)
    if needs_response and not case.responses.exists():
        what = f"{level.code}级案件" if level and level.requires_response else "网络舆情案件"
        missing.append(f"{what}须先记录回应")
    waiting = case.drafts.filter(state=ResponseDraft.State.PENDING).count()
    if waiting:
        # Filed with a draft still before a leader, the draft would wait in the leader's list for
        # ever and could never be approved (a filed case takes no response).
        missing.append(f"尚有 {waiting} 份回应送审稿待领导审核，须审核通过或退回")
    return missing


@transaction.atomic
def close_case(case: Case, user: Any, summary: str) -> None:
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_act(user, case)
    _require_open(case)
    if not summary.strip():
        raise CaseError("办结须填写办结摘要")
    blockers = closure_blockers(case)
    if blockers:
        raise CaseError("；".join(blockers) + "，方可办结")
    now = timezone.now()
    stopping: tuple[str, ...] = (Clock.CLOSURE,)
    if not case.responses.exists():
        # Where no separate response is required (a 12345 ticket, a message), the closing reply is the answer.
        stopping = (Clock.RESPONSE, Clock.CLOSURE)
    _stop(case, stopping, now)
    case.summary, case.closed_at = summary.strip(), now
    case.save(update_fields=["summary", "closed_at"])
    _move(case, Case.State.CLOSED, user, note=summary[:200])


@transaction.atomic
def reopen_case(case: Case, user: Any, reason: str) -> None:
    """Explicitly reopen a filed case: audited with its reason; the closure clock runs again."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_act(user, case)
    if case.state != Case.State.CLOSED:
        raise CaseError("只有已办结的案件可以重新打开")
    if not reason.strip():
        raise CaseError("重新打开须填写原因")
    old_summary, old_closed = case.summary, case.closed_at
    case.state, case.closed_at = Case.State.HANDLING, None
    case.save(update_fields=["state", "closed_at"])
    audit.record("reopen", case, user=user, field="state", old=Case.State.CLOSED.label,
                 new=case.get_state_display(),
                 note=f"原因：{reason.strip()[:300]}；原办结时间 {_fmt(old_closed) if old_closed else ''}；原办结摘要：{old_summary[:200]}")
    restart_clock(case, Clock.CLOSURE, timezone.now(), user=user, note=f"重新打开：{reason.strip()[:200]}")
    case_notices.case_assigned(case)


@transaction.atomic
def register_policy_document(user: Any, *, title: str, released_at: datetime, section: Section,
                             link: str = "", description: str = "") -> tuple[Case, bool]:
    """政策解读: the office registers a policy document's release; the clock runs from the release."""
    require_review(user)
    title = title.strip()
    if not title:
        raise CaseError("请填写政策文件名称")
    now = timezone.now()
    if released_at > now + timedelta(minutes=1):
        raise CaseError(f"发布时间 {_fmt(released_at)} 晚于当前时间：请在文件发布后登记")
    digest = hashlib.sha256(f"{title}|{released_at.isoformat()}".encode()).hexdigest()[:32]
    case, created = open_case(
        origin_key=f"policy:{digest}", title=f"政策解读：{title}", section=section, channel=Channel.POLICY,
        user=user, section_via="human", state=Case.State.HANDLING, clock_start=released_at,
        description=description.strip(), link=link,
    )
    if created:
        audit.record("policy_release", case, user=user, field="released_at", new=_fmt(released_at),
                     note=f"政策文件：{title[:200]}" + (f"；{link}" if link else ""))
    return case, created

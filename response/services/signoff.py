"""Leader sign-off (审核) of responses for the levels that require it (Level.requires_signoff).

The handler submits the response text to a leader in charge (a real user in the leaders group);
that leader approves it — and only then is it recorded as published, through the ordinary
`casework.record_response`, with the leader's name as 审核人 — or returns it with a comment.
The case's clocks keep running while a draft waits: sign-off is part of the time to answer.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from response import roles
from response.models import Case, CaseResponse, Clock, ResponseDraft
from response.services import audit, casework
from response.services.assignment import person_label
from response.services.case_notices import case_facts, case_link
from response.services.casework import CaseError, _require_open
from response.services.notify import Message, Target, enqueue
from response.services.permissions import require_act


def required(case: Case) -> bool:
    return bool(case.level and case.level.requires_signoff)


def default_approver(case: Case) -> Any:
    """The case's leader in charge, when one is set and still an active leader."""
    leader = case.leader
    if leader is not None and leader.is_active and roles.is_leader(leader):
        return leader
    return None


def pending_for(user: Any) -> QuerySet:
    """Drafts waiting for this leader's decision, oldest first (the clocks run)."""
    return (ResponseDraft.objects.filter(approver=user, state=ResponseDraft.State.PENDING)
            .exclude(case__state__in=(Case.State.CLOSED, Case.State.DISMISSED))  # filed before the check
            .select_related("case", "case__level", "case__section", "submitted_by").order_by("submitted_at"))


def _signoff_link() -> str:
    from django.conf import settings

    try:
        path = reverse("signoffs")
    except NoReverseMatch:
        path = "/signoffs/"
    return settings.YUQING_BASE_URL.rstrip("/") + path


def _email(user: Any, key: str, case: Case, message: Message) -> None:
    if user is not None and user.is_active and user.email:
        enqueue(key=key, kind="signoff", case=case, targets=[Target("email", user.email)], message=message)


@transaction.atomic
def submit(case: Case, user: Any, *, text: str, channel: str, approver: Any, link: str = "",
           kind: str = CaseResponse.Kind.RESPONSE) -> ResponseDraft:
    """送审: the response text goes to `approver`; nothing is recorded as published yet."""
    case = Case.objects.select_for_update(of=("self",)).select_related("level", "section", "leader").get(pk=case.pk)
    require_act(user, case)
    _require_open(case)
    if not required(case):
        raise CaseError("本级别的回应无须领导审核，请直接记录回应")
    if approver is None or not approver.is_active or not roles.is_leader(approver):
        raise CaseError("请选择审核领导（须为在岗的领导账号）")
    if kind not in CaseResponse.Kind.values:
        raise CaseError("回应类型无效")
    if kind == CaseResponse.Kind.FIRST_STATEMENT and not case.clocks.filter(clock=Clock.FIRST_STATEMENT).exists():
        raise CaseError("本案件没有“首次发布”时限，请登记为“回应/新闻发布会”")
    # The same rules as recording, checked now: a leader is never asked to approve what cannot be recorded.
    if case.level.requires_consultation and not case.consultations.exists():
        raise CaseError(f"{case.level.code}级案件须先召开会商联席会议并记录，方可送审回应")
    if not text.strip() or not channel.strip():
        raise CaseError("送审须填写回应内容和回应渠道")
    if case.drafts.filter(kind=kind, state=ResponseDraft.State.PENDING).exists():
        raise CaseError(f"已有一份“{CaseResponse.Kind(kind).label}”送审稿在等待审核")
    draft = ResponseDraft.objects.create(case=case, kind=kind, text=text.strip(), channel=channel.strip(),
                                         link=link, approver=approver, submitted_by=user)
    if case.leader_id is None:  # the leader asked becomes the case's leader in charge
        case.leader = approver
        case.save(update_fields=["leader"])
        audit.record("leader", case, user=user, field="leader", new=person_label(approver), note="送审时指定")
    audit.record("signoff_submit", draft, user=user, case=case, field=kind, new=text.strip()[:200],
                 note=f"送审 {person_label(approver)}；{CaseResponse.Kind(kind).label}；渠道：{channel.strip()}")
    _email(approver, f"draft:{draft.pk}:submitted", case, Message(
        f"回应待您审核：{case.number} {case.title[:50]}",
        case_facts(case) + f"\n送审人：{person_label(user)}\n回应类型：{CaseResponse.Kind(kind).label}"
        f"\n回应渠道：{draft.channel}\n回应内容：{draft.text[:800]}\n时限照常计算，请尽快审核。",
        _signoff_link()))
    return draft


def _pending(draft: ResponseDraft, user: Any) -> ResponseDraft:
    locked = ResponseDraft.objects.select_for_update(of=("self",)).select_related("case", "submitted_by")
    draft = locked.get(pk=draft.pk)
    if draft.state != ResponseDraft.State.PENDING:
        raise CaseError(f"该送审稿已{draft.get_state_display()}，不能再次审核")
    if user is None or draft.approver_id != user.pk:
        raise PermissionDenied("只有送审时指定的领导可以审核本回应")
    return draft


@transaction.atomic
def approve(draft: ResponseDraft, user: Any, *, comment: str = "") -> CaseResponse:
    """审核通过: recorded as published now (the clock it answers stops now), 审核人 = this leader."""
    draft = _pending(draft, user)
    response = casework.record_response(
        draft.case, user, text=draft.text, channel=draft.channel, link=draft.link, kind=draft.kind,
        approved_by=person_label(user)[:60], draft=draft)
    draft.state, draft.decided_at, draft.comment = ResponseDraft.State.APPROVED, timezone.now(), comment.strip()
    draft.response = response
    draft.save(update_fields=["state", "decided_at", "comment", "response"])
    audit.record("signoff_approve", draft, user=user, case=draft.case, field=draft.kind,
                 new=ResponseDraft.State.APPROVED.label, note=comment.strip()[:300])
    case = draft.case
    _email(draft.submitted_by, f"draft:{draft.pk}:approved", case, Message(
        f"回应已审核通过并记录发布：{case.number}",
        case_facts(case) + f"\n审核领导：{person_label(user)}" + (f"\n审核意见：{comment.strip()}" if comment.strip() else ""),
        case_link(case)))
    return response


@transaction.atomic
def return_draft(draft: ResponseDraft, user: Any, *, comment: str) -> ResponseDraft:
    """退回修改: with the leader's comment; nothing is recorded, the clocks keep running."""
    if not comment.strip():
        raise CaseError("退回须填写审核意见")
    draft = _pending(draft, user)
    draft.state, draft.decided_at, draft.comment = ResponseDraft.State.RETURNED, timezone.now(), comment.strip()
    draft.save(update_fields=["state", "decided_at", "comment"])
    audit.record("signoff_return", draft, user=user, case=draft.case, field=draft.kind,
                 new=ResponseDraft.State.RETURNED.label, note=comment.strip()[:300])
    case = draft.case
    _email(draft.submitted_by, f"draft:{draft.pk}:returned", case, Message(
        f"回应被退回修改：{case.number} {case.title[:50]}",
        case_facts(case) + f"\n审核领导：{person_label(user)}\n退回意见：{comment.strip()}\n时限照常计算，请尽快修改后重新送审。",
        case_link(case)))
    return draft

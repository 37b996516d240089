"""Bulk work on queue items and undoing a dismissal.

Every bulk action is a loop over the single-item casework services (`dismiss_mention`,
`confirm_mention`, `merge_into_case`, `correct_mention`), so each item gets exactly the audit row,
feedback and case handling it would get alone. Each item runs in its own transaction: one item
another officer handled a moment ago is reported and skipped, it does not undo the others.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from response import roles
from response.models import Case, Level, Mention, Section
from response.services import audit, casework
from response.services.cases import origin_key_for
from response.services.casework import CaseError
from response.services.leads import claim_lead

# A select-all over a filter acts on at most this many items at once (a generous night's queue):
# the request stays well inside the web server's timeout and the officer sees what happened.
BULK_LIMIT = 500


@dataclass
class BulkResult:
    done: list[Mention] = field(default_factory=list)
    skipped: list[tuple[Mention, str]] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        text = f"已{verb} {len(self.done)} 条"
        if self.skipped:
            reasons = "；".join(f"#{m.pk} {why}" for m, why in self.skipped[:5])
            more = f" 等 {len(self.skipped)} 条" if len(self.skipped) > 5 else ""
            text += f"，{len(self.skipped)} 条未处理（{reasons}{more}）"
        return text


def require_bulk(user: Any, mentions: Iterable[Mention]) -> None:
    """Bulk review is the duty officers' and the office's work, as single review is. A section's
    staff may not act on the queue at all, let alone on another section's items."""
    if roles.can_review(user):
        return
    mine = set(user.sections.values_list("id", flat=True)) if getattr(user, "is_authenticated", False) else set()
    if any(m.section_id not in mine for m in mentions):
        raise PermissionDenied("无权批量处理其他科室的条目")
    raise PermissionDenied("只有值班员和办公室可以批量研判条目")


def load(ids: Iterable[int | str]) -> list[Mention]:
    """The mentions behind the posted ids, most urgent first (the order they were shown in)."""
    clean = sorted({int(i) for i in ids if str(i).isdigit()})[:BULK_LIMIT]
    return list(Mention.objects.filter(pk__in=clean).select_related("source", "section", "event")
                .defer("raw_gz").order_by("-urgency", "-fetched_at", "-id"))


def _pending_or_skip(m: Mention, result: BulkResult) -> bool:
    if m.review != Mention.Review.PENDING:
        # A stale page: someone else decided meanwhile. Their decision stands.
        result.skipped.append((m, f"已被他人研判（{m.get_review_display()}）"))
        return False
    return True


def _siblings(m: Mention) -> list[Mention]:
    if not m.event_id:
        return []
    return list(Mention.objects.filter(event_id=m.event_id, flagged=True, review=Mention.Review.PENDING)
                .exclude(pk=m.pk))


def _one_by_one(items: list[Mention], result: BulkResult, act: Callable[[Mention], Case | None]) -> None:
    """``act`` on each item in its own transaction: an item the service refuses is skipped with
    its reason and the others go on."""
    for m in items:
        try:
            with transaction.atomic():
                case = act(m)
        except CaseError as exc:
            result.skipped.append((m, str(exc)))
            continue
        result.done.append(m)
        if case is not None and case not in result.cases:
            result.cases.append(case)


def _pending(mentions: list[Mention], result: BulkResult, *fields: str) -> list[Mention]:
    """The items still waiting for a decision (fresh from the database); the rest are skipped."""
    todo = []
    for m in mentions:
        m.refresh_from_db(fields=["review", *fields])
        if _pending_or_skip(m, result):
            todo.append(m)
    return todo


def dismiss(mentions: list[Mention], user: Any, reason: str, *, with_copies: bool = False) -> BulkResult:
    require_bulk(user, mentions)
    if not reason.strip():
        raise CaseError("排除须填写原因")
    result = BulkResult()

    def act(m: Mention) -> None:
        casework.dismiss_mention(m, user, reason)
        for sibling in _siblings(m) if with_copies else ():
            casework.dismiss_mention(sibling, user, reason)

    _one_by_one(_pending(mentions, result), result, act)
    return result


def _merge_copies(m: Mention, case: Case, user: Any) -> None:
    # As the single confirm's "with copies": the story's waiting reposts join the case too.
    for sibling in _siblings(m):
        casework.merge_into_case(sibling, case, user)


def confirm(mentions: list[Mention], user: Any, *, level: Level | None = None,
            section: Section | None = None, with_copies: bool = False) -> BulkResult:
    """Each item becomes (or joins) its own case; level/section left empty keep each item's own."""
    require_bulk(user, mentions)
    result = BulkResult()

    def act(m: Mention) -> Case:
        case = casework.confirm_mention(m, user, level=level, section=section)
        if with_copies:
            _merge_copies(m, case, user)
        return case

    _one_by_one(_pending(mentions, result), result, act)
    return result


def merge(mentions: list[Mention], user: Any, *, case: Case | None = None, level: Level | None = None,
          section: Section | None = None, with_copies: bool = False) -> BulkResult:
    """The selected items are one story: into the given case, or else the most urgent item is
    confirmed as the case and the others are merged into it."""
    require_bulk(user, mentions)
    result = BulkResult()
    todo = _pending(mentions, result)
    if not todo:
        return result
    if case is not None and case.state in (Case.State.CLOSED, Case.State.DISMISSED):
        raise CaseError(f"案件 {case.number} 为“{case.get_state_display()}”，不能并入条目；如需补充请先重新打开")
    if case is None:
        lead, todo = todo[0], todo[1:]
        with transaction.atomic():
            case = casework.confirm_mention(lead, user, level=level, section=section)
            if with_copies:
                _merge_copies(lead, case, user)
        result.done.append(lead)
    result.cases.append(case)

    def act(m: Mention) -> None:
        casework.merge_into_case(m, case, user)
        if with_copies:
            _merge_copies(m, case, user)

    _one_by_one(todo, result, act)
    return result


def reassign(mentions: list[Mention], user: Any, section: Section) -> BulkResult:
    """Change the suggested section of waiting items (the single-item 修正 承办科室, remembered as
    feedback for retraining); items already on that section are left alone."""
    require_bulk(user, mentions)
    result = BulkResult()
    todo = []
    for m in _pending(mentions, result, "section"):
        if m.section_id == section.pk:
            result.skipped.append((m, f"已是{section.name}"))
        else:
            todo.append(m)
    _one_by_one(todo, result, lambda m: casework.correct_mention(m, user, "section", section.code))
    return result


def dismissed_case(mention: Mention) -> Case | None:
    return Case.objects.filter(origin_key=origin_key_for(mention), state=Case.State.DISMISSED).first()


@transaction.atomic
def restore(mention: Mention, user: Any) -> Mention:
    """Undo a dismissal: the item waits in the queue again, and the record says who undid whose
    dismissal and why it had been dismissed. A case the dismissal closed stays dismissed until the item
    is confirmed again, which brings the case back to 处置中 (casework.confirm_mention)."""
    require_bulk(user, [mention])
    # Lock only the mention row: PostgreSQL cannot lock the nullable side of the event join.
    mention = Mention.objects.select_for_update(of=("self",)).select_related("source", "event").get(pk=mention.pk)
    if mention.review != Mention.Review.DISMISSED:
        raise CaseError("该条目不是“已排除”状态，无需恢复")
    was_by = audit._label(mention.reviewed_by) if mention.reviewed_by_id else "系统"
    reason = mention.dismiss_reason
    mention.review, mention.dismiss_reason = Mention.Review.PENDING, ""
    mention.reviewed_by, mention.reviewed_at = None, None
    # Back behind the event's current lead if another copy already stands for it in the queue.
    mention.event_lead = not mention.event_id
    mention.save(update_fields=["review", "dismiss_reason", "reviewed_by", "reviewed_at", "event_lead"])
    claim_lead(mention)
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    audit.record("restore", mention, user=user, field="review", old=Mention.Review.DISMISSED.label,
                 new=Mention.Review.PENDING.label, note=f"撤销排除（{at}）；原排除人：{was_by}；原排除原因：{reason}")
    return mention

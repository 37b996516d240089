"""承办人: the one person in the owning section who handles a case, beside the section itself.

Rules: the assignee is an active member (or the head) of the case's lead section. A member claims
an unassigned case for themself; the assignee may hand it back; the section head, the office and
admins (re)assign within the section. A section change drops an assignee who is not in the new
section. Every change is audited and the newly named person is told.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from response import roles
from response.models import Case
from response.services import audit
from response.services.case_notices import case_facts, case_link
from response.services.casework import CaseError, _require_open
from response.services.notify import Message, Target, enqueue
from response.services.permissions import require_act

# Beside the head of the case's own section, these roles direct people in any section.
DIRECTS_PEOPLE = {roles.OFFICE, roles.ADMIN}


def person_label(user: Any) -> str:
    """How a person is named on the page and in the audit trail (姓名, else the login name)."""
    if user is None:
        return "未指定"
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


def eligible(case: Case) -> QuerySet:
    """Who may hold the case: active members and the head of its lead section."""
    section = case.section
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(sections=section) | Q(headed_sections=section)).distinct()
            .order_by("last_name", "first_name", "username"))


def is_eligible(case: Case, user: Any) -> bool:
    return user is not None and eligible(case).filter(pk=user.pk).exists()


def directs_people(user: Any, case: Case) -> bool:
    """The section head of the case's lead section, the office or an admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(roles.roles_of(user) & DIRECTS_PEOPLE) or case.section.head_id == user.pk


def _open(case: Case) -> bool:
    return case.state not in (Case.State.CLOSED, Case.State.DISMISSED)


def can_claim(user: Any, case: Case) -> bool:
    return (_open(case) and case.assignee_id != user.pk and is_eligible(case, user)
            and (case.assignee_id is None or directs_people(user, case)))


def can_unassign(user: Any, case: Case) -> bool:
    return _open(case) and case.assignee_id is not None and (
        case.assignee_id == user.pk or directs_people(user, case))


def can_assign_others(user: Any, case: Case) -> bool:
    return _open(case) and directs_people(user, case)


def _tell(case: Case, assignee: Any, by: Any, row_id: int) -> None:
    """The person named by someone else hears it; claiming for oneself needs no notice."""
    if assignee is None or assignee.pk == getattr(by, "pk", None) or not assignee.email or not assignee.is_active:
        return
    message = Message(f"您被指派为舆情案件承办人：{case.title[:60]}",
                      case_facts(case) + f"\n指派人：{person_label(by) if by else '系统'}", case_link(case))
    enqueue(key=f"case:{case.pk}:assignee:{row_id}", kind="assignee", case=case,
            targets=[Target("email", assignee.email)], message=message)


@transaction.atomic
def assign(case: Case, assignee: Any, user: Any, *, note: str = "") -> bool:
    """Set (or with `assignee=None` clear) the case's 承办人; returns False when nothing changed."""
    # of=self: the assignee is a nullable join, which PostgreSQL will not lock (nor need to).
    locked = Case.objects.select_for_update(of=("self",)).select_related("section", "assignee")
    passed, case = case, locked.get(pk=case.pk)
    require_act(user, case)
    _require_open(case)
    old = case.assignee
    if (old.pk if old else None) == (assignee.pk if assignee else None):
        return False
    actor = getattr(user, "pk", None)
    if assignee is None:
        if user is not None and not (old.pk == actor or directs_people(user, case)):
            raise PermissionDenied("只有承办人本人、科室负责人或办公室可以取消指派")
    else:
        if not is_eligible(case, assignee):
            raise CaseError(f"{person_label(assignee)}不是{case.section.name}的在岗人员，不能承办本案件")
        if user is not None and not directs_people(user, case):
            if assignee.pk != actor:
                raise PermissionDenied("只有科室负责人或办公室可以指派他人承办")
            if old is not None:
                raise PermissionDenied(f"本案件已由{person_label(old)}承办；如需改派，请联系科室负责人或办公室")
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    passed.assignee = assignee  # the caller goes on with its own object
    if assignee is None:
        what = "取消指派"
    elif assignee.pk == actor:
        what = "认领"
    else:
        what = "指派"
    row = audit.record("assign", case, user=user, field="assignee", old=person_label(old) if old else "",
                       new=person_label(assignee) if assignee else "未指定", note=note or what)
    _tell(case, assignee, user, row.pk)
    return True


def release_outside_section(case: Case, user: Any) -> bool:
    """After a section change: an assignee who is not in the new lead section no longer holds it."""
    case = Case.objects.select_related("section", "assignee").get(pk=case.pk)
    if case.assignee is None or is_eligible(case, case.assignee):
        return False
    old = case.assignee
    Case.objects.filter(pk=case.pk).update(assignee=None)
    audit.record("assign", case, user=user, field="assignee", old=person_label(old), new="未指定",
                 note=f"牵头科室改为{case.section.name}，原承办人不属于该科室，已取消指派")
    return True

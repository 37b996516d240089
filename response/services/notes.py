"""Internal notes on a case (内部批注): colleagues discuss the handling, @-mention each other.

A note is never published: it is not a response, not in the digest, not in a case export. It is
audited like every other write. `@姓名` or `@用户名` names a colleague; only active people who may
see the case can be named (nobody is told about a case they cannot open), and each is notified
once through the ordinary notification service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet

from response import roles
from response.models import Case, CaseNote
from response.services import audit
from response.services.assignment import person_label
from response.services.case_notices import case_link
from response.services.casework import CaseError, _require_open
from response.services.notify import Message, Target, enqueue
from response.services.permissions import require_act

MAX_BODY = 2000
# What follows an "@" that named nobody, reported back to the author (up to the next space/punctuation).
_UNRESOLVED = re.compile(r"@([^\s@，。、；：！？,.;:!?）)]{1,30})")
_SEES_ALL = (roles.DUTY_OFFICER, roles.OFFICE, roles.LEADER)


def colleagues(case: Case) -> QuerySet:
    """Active people who may see the case: every role that sees all cases, plus the lead and
    co-owning sections' members and heads."""
    sections = [case.section_id, *case.co_sections.values_list("id", flat=True)]
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(groups__name__in=_SEES_ALL) | Q(is_superuser=True) | Q(sections__in=sections)
                    | Q(headed_sections__in=sections))
            .distinct())


def _names(user: Any) -> list[str]:
    full = f"{user.last_name}{user.first_name}".strip()
    return [n for n in {user.get_username(), full, user.first_name.strip()} if n]


@dataclass
class Mentions:
    users: list = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def resolve_mentions(case: Case, body: str) -> Mentions:
    """Find `@name` in the body. Chinese is written without spaces ("@李科长请核实"), so each "@"
    takes the longest colleague's name that starts right after it, not a word up to a space."""
    names: list[tuple[str, Any]] = []
    for user in colleagues(case):
        names += [(name, user) for name in _names(user)]
    names.sort(key=lambda pair: len(pair[0]), reverse=True)
    found = Mentions()
    pos = body.find("@")
    while pos != -1:
        rest = body[pos + 1:]
        match = next(((name, user) for name, user in names if rest.startswith(name)), None)
        if match is None:
            word = _UNRESOLVED.match(body, pos)
            if word and word.group(1) not in found.unresolved:
                found.unresolved.append(word.group(1))
        elif match[1] not in found.users:
            found.users.append(match[1])
        pos = body.find("@", pos + 1)
    return found


@transaction.atomic
def add_note(case: Case, user: Any, body: str) -> tuple[CaseNote, Mentions]:
    """Write a note; the mentioned colleagues who can see the case are recorded and told."""
    case = Case.objects.select_for_update(of=("self",)).select_related("section", "level").get(pk=case.pk)
    require_act(user, case)
    _require_open(case)
    body = body.strip()
    if not body:
        raise CaseError("批注内容不能为空")
    if len(body) > MAX_BODY:
        raise CaseError(f"批注不能超过 {MAX_BODY} 字")
    found = resolve_mentions(case, body)
    note = CaseNote.objects.create(case=case, author=user, body=body)
    if found.users:
        note.mentioned.set(found.users)
    named = "、".join(person_label(u) for u in found.users)
    audit.record("case_note", note, user=user, case=case, field="note", new=body[:200],
                 note=f"提及：{named}" if named else "")
    _tell(case, note, found.users, user)
    return note, found


def _tell(case: Case, note: CaseNote, users: list, author: Any) -> None:
    targets = [Target("email", u.email) for u in users
               if u.email and u.is_active and u.pk != getattr(author, "pk", None)]
    if not targets:
        return
    # The case's facts and a link; the note's text only as an excerpt, it stays inside the bureau.
    message = Message(f"{person_label(author)}在案件 {case.number} 的内部批注中提到了您",
                      f"案件：{case.number} {case.title}\n牵头科室：{case.section.name}\n"
                      f"批注：{note.body[:300]}", case_link(case))
    enqueue(key=f"case:{case.pk}:note:{note.pk}", kind="note_mention", case=case, targets=targets, message=message)


def notes_for(case: Case) -> QuerySet:
    return case.notes.select_related("author").prefetch_related("mentioned")

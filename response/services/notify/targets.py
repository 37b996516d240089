"""Who is told: a section (its mailbox or members, and its group robot), its head, the office,
the leader in charge. Robot targets name the section, so webhook secrets never sit in the
notification table."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from response import roles
from response.models import Case, Section

from .base import Target


def _emails(users: Iterable) -> list[Target]:
    # A deactivated account (people leave; they are never deleted) hears nothing more.
    return [Target("email", u.email) for u in users
            if getattr(u, "email", "") and getattr(u, "is_active", True)]


def unique(targets: Iterable[Target]) -> list[Target]:
    seen: dict[Target, None] = {}
    for target in targets:
        seen.setdefault(target, None)
    return list(seen)


def section_targets(section: Section) -> list[Target]:
    out = [Target("email", section.email)] if section.email else _emails(section.members.filter(is_active=True))
    if section.webhook_kind and section.webhook_url:
        out.append(Target(section.webhook_kind, f"section:{section.code}"))
    return out


def case_section_targets(case: Case) -> list[Target]:
    """The owning section and every co-owning section (several sections answer, one leads)."""
    out = section_targets(case.section)
    for section in case.co_sections.all():
        out += section_targets(section)
    return unique(out)


def head_targets(section: Section) -> list[Target]:
    return _emails([section.head]) if section.head_id else []


def _role_users(name: str) -> list:
    return list(get_user_model().objects.filter(groups__name=name, is_active=True).distinct())


def office_targets() -> list[Target]:
    office = Section.fallback()
    out = section_targets(office) if office else []
    return unique(out + _emails(_role_users(roles.OFFICE)))


def leader_targets(case: Case) -> list[Target]:
    """The leader in charge; when none is set yet, every user with the leader role."""
    if case.leader_id and case.leader.email and case.leader.is_active:
        return _emails([case.leader])
    return _emails(_role_users(roles.LEADER))

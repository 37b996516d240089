"""Roles are Django groups; what each may see is decided here, once."""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

DUTY_OFFICER = "值班员"
SECTION_STAFF = "科室人员"
OFFICE = "办公室"
LEADER = "领导"
ADMIN = "管理员"
ALL_ROLES = (DUTY_OFFICER, SECTION_STAFF, OFFICE, LEADER, ADMIN)


def ensure_groups() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        names.add(ADMIN)
    return names


def sees_all_cases(user) -> bool:
    return bool(roles_of(user) & {DUTY_OFFICER, OFFICE, LEADER, ADMIN})


def can_review(user) -> bool:
    return bool(roles_of(user) & {DUTY_OFFICER, OFFICE, ADMIN})


def visible_cases(user, cases: QuerySet) -> QuerySet:
    """Section staff see only cases their sections lead or co-own."""
    if sees_all_cases(user):
        return cases
    sections = user.sections.all()
    return cases.filter(Q(section__in=sections) | Q(co_sections__in=sections)).distinct()

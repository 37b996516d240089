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
SEES_ALL = frozenset({DUTY_OFFICER, OFFICE, LEADER, ADMIN})
REVIEWERS = frozenset({DUTY_OFFICER, OFFICE, ADMIN})


# What the office manages in the admin (管理后台): the bureau's configuration and its people.
# Nothing is deleted there — people are deactivated, rules disabled — so no delete permission.
OFFICE_MANAGES = {
    "response": ("section", "keywordplan", "routingrule", "level", "deadlinepolicy", "calendarday", "source"),
    "auth": ("user",),
    "django_celery_beat": ("periodictask",),
}
OFFICE_VIEWS = {"response": ("case", "mention", "auditentry", "notification", "crawlrun"), "auth": ("group",)}


def ensure_groups() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)
    _grant_office_admin()


def _grant_office_admin() -> None:
    from django.contrib.auth.models import Permission

    wanted = Q(pk__in=[])
    for app, models in OFFICE_MANAGES.items():
        wanted |= Q(content_type__app_label=app, content_type__model__in=models,
                    codename__regex=r"^(add|change|view)_")
    for app, models in OFFICE_VIEWS.items():
        wanted |= Q(content_type__app_label=app, content_type__model__in=models, codename__startswith="view_")
    Group.objects.get(name=OFFICE).permissions.add(*Permission.objects.filter(wanted))


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        names.add(ADMIN)
    return names


def sees_all_cases(user) -> bool:
    return bool(roles_of(user) & SEES_ALL)


def can_review(user) -> bool:
    return bool(roles_of(user) & REVIEWERS)


def is_leader(user) -> bool:
    """The leaders in charge (分管领导) sign off major responses; an admin is not a leader by default."""
    return LEADER in roles_of(user)


def leaders() -> QuerySet:
    """People who may be asked to sign off a response: active users in the leaders group."""
    from django.contrib.auth import get_user_model

    return (get_user_model().objects.filter(groups__name=LEADER, is_active=True).distinct()
            .order_by("last_name", "first_name", "username"))


def visible_cases(user, cases: QuerySet) -> QuerySet:
    """Section staff see only cases their sections lead or co-own."""
    if sees_all_cases(user):
        return cases
    sections = user.sections.all()
    return cases.filter(Q(section__in=sections) | Q(co_sections__in=sections)).distinct()


def manages_digest(user) -> bool:
    """The weekly digest (preview, test send to oneself) is the office's product; admins maintain it."""
    return bool(roles_of(user) & {OFFICE, ADMIN})


def uses_admin(user) -> bool:
    """The admin (管理后台): the office and admins by role, and accounts marked ``is_staff``."""
    return bool(user.is_active and (user.is_staff or roles_of(user) & {OFFICE, ADMIN}))


def gets_alerts(user) -> bool:
    """In-page alerts (new I/II items, cases turning overdue) are for whoever watches the queue."""
    return can_review(user)

"""Who may change what, enforced in the services (the views add their own checks on top).

Section staff act only on cases their sections lead or co-own; duty officers, the office,
leaders and admins act on every case. Only the office, leaders and admins decide extensions.
`user=None` is the system itself (periodic tasks, ingestion) and is always allowed.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from response import roles
from response.models import Case

DECIDES_EXTENSIONS = {roles.OFFICE, roles.LEADER, roles.ADMIN}


def can_act_on(user: Any, case: Case) -> bool:
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if roles.sees_all_cases(user):
        return True
    mine = set(user.sections.values_list("id", flat=True))
    return bool(mine & case.visible_to_sections())


def require_act(user: Any, case: Case) -> None:
    if not can_act_on(user, case):
        raise PermissionDenied("无权处理其他科室的案件")


def require_review(user: Any) -> None:
    """Assigning sections and levels is the duty officers' and the office's call."""
    if user is not None and not roles.can_review(user):
        raise PermissionDenied("仅值班员、办公室可调整承办科室或级别")


def require_extension_decider(user: Any) -> None:
    if user is not None and not (roles.roles_of(user) & DECIDES_EXTENSIONS):
        raise PermissionDenied("仅办公室或分管领导可审批延期")

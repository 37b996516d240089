"""The audit trail: every write to a case or a review leaves a row (who, when, what, from → to)."""
from __future__ import annotations

from typing import Any

from django.db import models

from response.models import AuditEntry, Case


def _label(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "系统"
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


def record(
    action: str,
    obj: models.Model,
    *,
    user: Any = None,
    case: Case | None = None,
    field: str = "",
    old: Any = "",
    new: Any = "",
    note: str = "",
) -> AuditEntry:
    if case is None and isinstance(obj, Case):
        case = obj
    return AuditEntry.objects.create(
        actor=user if getattr(user, "is_authenticated", False) else None,
        actor_label=_label(user),
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        case=case,
        field=field,
        old="" if old is None else str(old),
        new="" if new is None else str(new),
        note=note,
    )


def record_changes(action: str, obj: models.Model, before: dict[str, Any], *, user: Any = None,
                   case: Case | None = None, note: str = "") -> list[AuditEntry]:
    """One row per field whose value changed since `before` was taken."""
    rows = []
    for field, old in before.items():
        new = getattr(obj, field)
        if old != new:
            rows.append(record(action, obj, user=user, case=case, field=field, old=old, new=new, note=note))
    return rows

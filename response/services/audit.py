"""The audit trail: every write to a case or a review leaves a row (who, when, what, from → to)."""
from __future__ import annotations

from typing import Any

from django.db import models

from response.models import AuditEntry, Case

# How each action reads in a case's 处置记录 (one table for every page and export).
ACTION_LABELS = {
    "open": "立案", "state": "状态变更", "review": "研判", "response": "记录回应", "response_late": "补录回应",
    "consultation": "记录会商", "reassign": "改派", "level": "调整级别", "merge": "并入条目", "correct": "修正",
    "extension_request": "申请延期", "extension_approve": "批准延期", "extension_reject": "驳回延期",
    "reopen": "重新打开", "new_mention": "新报道", "clock_add": "新增时限", "clock_recompute": "时限重算",
    "clock_remove": "撤销时限", "clock_restart": "时限重新起算", "policy_release": "登记政策文件",
    "ticket_update": "工单更新", "config_add": "新增配置", "config_change": "修改配置", "config_delete": "删除配置",
    "user_deactivate": "停用账号", "next_steps": "填写下一步建议", "restore": "撤销排除",
    "assign": "承办人", "case_note": "内部批注", "leader": "指定分管领导", "signoff_submit": "回应送审",
    "signoff_approve": "领导审核通过", "signoff_return": "领导退回修改",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


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

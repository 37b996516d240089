"""Configuration edited in the admin, written to the audit trail as before → after.

Levels, deadline policies, the holiday calendar, routing rules, plans and sources decide which
case gets which clock and who is told: a changed threshold must show who changed it, when, and
from what. One audit row per changed field, values as the office reads them (labels, not codes;
related rows by name; 是/否).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from response.models import AuditEntry
from response.services import audit

ADD, CHANGE, DELETE = "config_add", "config_change", "config_delete"

# field name → (value to compare, text to record)
Snapshot = dict[str, tuple[Any, str]]

# Webhook addresses carry their access token and the signing secret is one: the audit table is
# permanent and readable in the admin, so it records that they changed, never what they are.
SECRET_FIELDS = frozenset({"webhook_url", "webhook_secret", "password"})
SECRET_TEXT = "（已设置，内容不记录）"


def audited_fields(model: type[models.Model], only: Iterable[str] | None = None) -> list[models.Field]:
    """Editable fields and many-to-many relations, or just those named in `only`."""
    fields = [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]
    fields += list(model._meta.many_to_many)
    if only is not None:
        wanted = set(only)
        fields = [f for f in fields if f.name in wanted]
    return fields


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def readable(obj: models.Model, field: models.Field) -> tuple[Any, str]:
    if field.name in SECRET_FIELDS:
        value = field.value_from_object(obj)
        return value, SECRET_TEXT if value else ""
    if field.many_to_many:
        if obj.pk is None:
            return (), ""
        related = sorted(getattr(obj, field.name).all(), key=lambda r: r.pk)
        return tuple(r.pk for r in related), "、".join(str(r) for r in related)
    value = field.value_from_object(obj)
    if field.is_relation:
        target = getattr(obj, field.name) if value is not None else None
        return value, "" if target is None else str(target)
    if field.choices:
        return value, str(dict(field.flatchoices).get(value, _text(value)))
    if isinstance(value, dict | list):
        text = _text(value)
        return text, text  # compare canonical JSON: key order is not a change
    return value, _text(value)


def snapshot(obj: models.Model, only: Iterable[str] | None = None) -> Snapshot:
    return {f.name: readable(obj, f) for f in audited_fields(type(obj), only)}


def _label(obj: models.Model) -> str:
    return f"管理后台 · {obj._meta.verbose_name}：{obj}"


def record_added(obj: models.Model, user: Any, only: Iterable[str] | None = None) -> list[AuditEntry]:
    """One row per field set on the new row (empty fields are left out)."""
    note = _label(obj)
    rows = [audit.record(ADD, obj, user=user, field=name, new=text, note=note)
            for name, (_, text) in snapshot(obj, only).items() if text]
    return rows or [audit.record(ADD, obj, user=user, new=str(obj), note=note)]


def record_changed(obj: models.Model, before: Snapshot, user: Any,
                   only: Iterable[str] | None = None) -> list[AuditEntry]:
    """One row per field whose value differs from `before` (taken from the database)."""
    note = _label(obj)
    rows = []
    for name, (value, text) in snapshot(obj, only).items():
        if name in before and before[name][0] != value:
            rows.append(audit.record(CHANGE, obj, user=user, field=name, old=before[name][1], new=text, note=note))
    return rows


def record_deleted(obj: models.Model, user: Any, only: Iterable[str] | None = None) -> list[AuditEntry]:
    """Call before deleting: the rows keep what the configuration was, so it can be restored."""
    note = _label(obj)
    rows = [audit.record(DELETE, obj, user=user, field=name, old=text, note=note)
            for name, (_, text) in snapshot(obj, only).items() if text]
    return rows or [audit.record(DELETE, obj, user=user, old=str(obj), note=note)]

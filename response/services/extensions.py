"""Extensions (延期): requested by the handling section, decided by the office or a leader.

Semantics, chosen to be simple to audit: an extension pauses its clock only once approved, and
approval pauses it for exactly the granted span by moving the due time out by `amount` hours
(wall-clock) or working days (same time of day, holiday calendar with 调休). The clock keeps
running otherwise, so there is nothing to "resume" and no clock can stay paused by mistake.
Warnings and escalations restart for the new due time (their keys include it). A request or a
rejection changes no clock. Every step leaves an audit row with the old and new due times.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from response.models import CaseClock, Extension
from response.services import audit
from response.services.permissions import require_act, require_extension_decider
from response.services.workdays import shift_working_days


class ExtensionError(Exception):
    """Shown to the user as is."""


def extended_due(due: Any, amount: int, unit: str) -> Any:
    if unit == Extension.Unit.HOURS:
        return due + timedelta(hours=amount)
    return shift_working_days(due, amount)


@transaction.atomic
def request_extension(clock: CaseClock, user: Any, *, reason: str, amount: int,
                      unit: str = Extension.Unit.WORKING_DAYS) -> Extension:
    require_act(user, clock.case)
    if not reason.strip():
        raise ExtensionError("申请延期须填写理由")
    if amount <= 0:
        raise ExtensionError("延期时长须大于零")
    if clock.stopped_at is not None:
        raise ExtensionError("该时限已完成，无需延期")
    if clock.extensions.filter(state=Extension.State.REQUESTED).exists():
        raise ExtensionError("该时限已有待审批的延期申请")
    ext = Extension.objects.create(clock=clock, reason=reason.strip(), amount=amount, unit=unit,
                                   requested_by=user if getattr(user, "is_authenticated", False) else None)
    audit.record("extension_request", ext, user=user, case=clock.case, field=clock.clock,
                 new=f"{amount}{ext.get_unit_display()}", note=reason.strip()[:300])
    return ext


def _decide(ext: Extension, user: Any, state: str, note: str) -> Extension:
    require_extension_decider(user)
    ext = Extension.objects.select_for_update().select_related("clock", "clock__case").get(pk=ext.pk)
    if ext.state != Extension.State.REQUESTED:
        raise ExtensionError(f"该申请已{ext.get_state_display()}，不能重复审批")
    ext.state, ext.decision_note = state, note.strip()[:300]
    ext.decided_by = user if getattr(user, "is_authenticated", False) else None
    ext.decided_at = timezone.now()
    return ext


@transaction.atomic
def approve_extension(ext: Extension, user: Any, note: str = "") -> Extension:
    ext = _decide(ext, user, Extension.State.APPROVED, note)
    clock = CaseClock.objects.select_for_update().get(pk=ext.clock_id)
    if clock.stopped_at is not None:
        raise ExtensionError("该时限已完成，无需延期")
    ext.old_due_at, ext.new_due_at = clock.due_at, extended_due(clock.due_at, ext.amount, ext.unit)
    ext.save()
    clock.due_at = ext.new_due_at
    clock.save(update_fields=["due_at"])
    fmt = "%Y-%m-%d %H:%M"
    audit.record("extension_approve", ext, user=user, case=clock.case, field=f"{clock.clock}.due_at",
                 old=timezone.localtime(ext.old_due_at).strftime(fmt),
                 new=timezone.localtime(ext.new_due_at).strftime(fmt), note=ext.decision_note)
    return ext


@transaction.atomic
def reject_extension(ext: Extension, user: Any, note: str) -> Extension:
    if not note.strip():
        raise ExtensionError("驳回须填写意见")
    ext = _decide(ext, user, Extension.State.REJECTED, note)
    ext.save()
    audit.record("extension_reject", ext, user=user, case=ext.clock.case, field=ext.clock.clock,
                 note=ext.decision_note)
    return ext

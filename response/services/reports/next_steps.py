"""下一步建议: the office's advice at the end of a 舆情专报, kept with the case and audited."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from response import roles
from response.models import Case
from response.services import audit

MAX_CHARS = 4000


def can_write(user: Any) -> bool:
    """The office writes the advice (it drafts the 专报 for the leader): its duty officers too, who
    watch the story; admins may correct it. The same people who review items (roles.can_review)."""
    return bool(getattr(user, "is_authenticated", False) and roles.can_review(user))


@transaction.atomic
def save_next_steps(case: Case, user: Any, text: str) -> bool:
    """Store the advice; False when nothing changed. The old text stays in the audit trail."""
    if not can_write(user):
        raise PermissionDenied("仅办公室可填写下一步建议")
    case = Case.objects.select_for_update().get(pk=case.pk)
    text = text.strip()[:MAX_CHARS]
    if text == case.next_steps:
        return False
    old, case.next_steps = case.next_steps, text
    case.save(update_fields=["next_steps"])
    audit.record("next_steps", case, user=user, field="next_steps", old=old, new=text)
    return True

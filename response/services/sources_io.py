"""Sources as YAML: `yuqing sources load FILE.yaml` / `yuqing sources export`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from response.models import Source

EDITABLE = ("name", "kind", "url", "reach", "weight", "schedule_minutes", "encoding",
            "selectors", "settings", "enabled")


class SourcesRejected(ValidationError):
    """Some sources in the file broke a rule. The valid ones were loaded; each rejected one is
    named with its reason, so the office can fix the file and load it again."""

    def __init__(self, rejected: list[str], created: int, updated: int) -> None:
        self.rejected, self.created, self.updated = rejected, created, updated
        summary = f"其余采集源已载入：新增 {created}，更新 {updated}"
        super().__init__([*rejected, summary])

    def __str__(self) -> str:
        # The command prints str(exc): one reason per line reads better than a Python list.
        return "\n".join(self.messages)


def _validate(row: dict[str, Any], index: int) -> None:
    missing = [k for k in ("slug", "name", "kind") if not row.get(k)]
    if missing:
        raise ValidationError(f"第 {index + 1} 个采集源缺少字段: {', '.join(missing)}")
    if row["kind"] not in Source.Kind.values:
        raise ValidationError(f"采集源 {row['slug']}: 未知类型 {row['kind']!r}，可选 {Source.Kind.values}")


def _reasons(source: Source, exc: ValidationError) -> list[str]:
    """One line per broken rule, each naming the source and the field as the admin labels it."""
    lines = []
    for field, messages in exc.message_dict.items():
        where = "" if field == NON_FIELD_ERRORS else f"（{Source._meta.get_field(field).verbose_name}）"
        lines.extend(f"采集源 {source.slug}{where}：{message}" for message in messages)
    return lines


def _load_row(row: dict[str, Any], index: int) -> bool:
    """Validate one row as the admin would (Source.clean included) before anything is saved.
    Returns whether the source was created."""
    if not isinstance(row, dict):
        raise ValidationError(f"第 {index + 1} 个采集源格式错误：应为键值对")
    _validate(row, index)
    source = Source.objects.filter(slug=row["slug"]).first() or Source(slug=row["slug"])
    created = source.pk is None
    for key in EDITABLE:
        if key in row:
            setattr(source, key, row[key])
    try:
        source.full_clean(exclude=["crawl_state"])
    except ValidationError as exc:
        raise ValidationError(_reasons(source, exc)) from exc
    source.save()
    return created


def load_sources(path: Path | str, *, substitutions: dict[str, str] | None = None) -> tuple[int, int]:
    """Create or update sources by slug. Returns (created, updated).

    A source that breaks a rule (missing field, unknown kind, a board read less than twice a
    day, …) is not loaded; the others are, and SourcesRejected names every rejected one.
    """
    text = Path(path).read_text(encoding="utf-8")
    for key, value in (substitutions or {}).items():
        text = text.replace("{" + key + "}", value)
    data = yaml.safe_load(text) or {}
    rows = data.get("sources", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValidationError("采集源文件格式错误：应为 sources: 下的列表")
    created = updated = 0
    rejected: list[str] = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            try:
                was_created = _load_row(row, index)
            except ValidationError as exc:
                rejected.extend(exc.messages)
                continue
            created += was_created
            updated += not was_created
    if rejected:
        raise SourcesRejected(rejected, created, updated)
    return created, updated


def export_sources() -> str:
    rows = []
    for source in Source.objects.order_by("slug"):
        row = {"slug": source.slug}
        for key in EDITABLE:
            value = getattr(source, key)
            if value in ("", {}, None):
                continue
            row[key] = value
        rows.append(row)
    return yaml.safe_dump({"sources": rows}, allow_unicode=True, sort_keys=False)

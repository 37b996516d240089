"""Sources as YAML: `yuqing sources load FILE.yaml` / `yuqing sources export`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from response.models import Source

EDITABLE = ("name", "kind", "url", "reach", "weight", "schedule_minutes", "encoding",
            "selectors", "settings", "enabled")


def _validate(row: dict[str, Any], index: int) -> None:
    missing = [k for k in ("slug", "name", "kind") if not row.get(k)]
    if missing:
        raise ValidationError(f"第 {index + 1} 个采集源缺少字段: {', '.join(missing)}")
    if row["kind"] not in Source.Kind.values:
        raise ValidationError(f"采集源 {row['slug']}: 未知类型 {row['kind']!r}，可选 {Source.Kind.values}")


@transaction.atomic
def load_sources(path: Path | str, *, substitutions: dict[str, str] | None = None) -> tuple[int, int]:
    """Create or update sources by slug. Returns (created, updated)."""
    text = Path(path).read_text(encoding="utf-8")
    for key, value in (substitutions or {}).items():
        text = text.replace("{" + key + "}", value)
    data = yaml.safe_load(text) or {}
    rows = data.get("sources", data) if isinstance(data, dict) else data
    created = updated = 0
    for index, row in enumerate(rows):
        _validate(row, index)
        defaults = {k: row[k] for k in EDITABLE if k in row}
        source, was_created = Source.objects.update_or_create(slug=row["slug"], defaults=defaults)
        source.full_clean(exclude=["crawl_state"])
        created += was_created
        updated += not was_created
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

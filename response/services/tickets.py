"""12345 hotline transfers (转办件): import exports, one mention and one case per ticket number.

A transferred ticket is already the bureau's business, so every ticket opens a case (whatever the
watch plans say); re-importing the same file updates status and times, never duplicates. Every
row the export cannot give exactly is refused with a reason (``第N行：…``), never dropped quietly.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from crawlers.extract.dates import SHANGHAI
from crawlers.hotline import HotlineFileError, read_export
from crawlers.hotline_columns import plain, same_value
from response.models import Case, Mention, Reach, Source
from response.services import audit, deadlines
from response.services.workdays import add_working_days

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_SLUG", "HotlineFileError", "ImportReport", "hotline_source", "import_tickets",
           "ticket_url"]

DEFAULT_SLUG = "hotline-12345"
TIME_KEYS = ("transferred_at", "received_at", "due_at")
EXTRA_KEYS = ("ticket_no", "category", "status", *TIME_KEYS, "due_text", "department", "area",
              "urgency", "caller", "phone")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "第N行：原因", one per rejected row

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        return (f"新增 {self.created} 件，更新 {self.updated} 件，无变化 {self.unchanged} 件，"
                f"拒绝 {self.rejected} 行")


def hotline_source(slug: str = DEFAULT_SLUG) -> Source:
    source, _ = Source.objects.get_or_create(
        slug=slug,
        defaults={"name": "12345 政务服务便民热线转办件", "kind": Source.Kind.HOTLINE,
                  "reach": Reach.MUNICIPAL, "schedule_minutes": 1440},
    )
    return source


def ticket_url(ticket_no: str) -> str:
    return f"hotline://12345/{ticket_no}"


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _due_from_limit(ticket: dict[str, Any]) -> str | None:
    """The due time a limit such as "3个工作日" gives from the transfer (else receipt) time."""
    limit = ticket.get("due_limit")
    start = _moment(ticket.get("transferred_at") or ticket.get("received_at"))
    if not limit or start is None:
        return None
    amount, unit = limit
    if unit == "workdays":
        due = add_working_days(start, amount)
    elif unit == "hours":
        due = start + timedelta(hours=amount)
    else:
        due = start + timedelta(days=amount)
    return due.astimezone(SHANGHAI).isoformat()


def ticket_extra(ticket: dict[str, Any]) -> dict[str, Any]:
    """What a ticket keeps in ``Mention.extra`` (times ISO 8601 with offset, read by the clocks)."""
    extra = {k: ticket.get(k) for k in EXTRA_KEYS}
    if ticket.get("due_limit"):
        extra["due_text"] = ticket.get("due_at_text")
        extra["due_at"] = _due_from_limit(ticket)
    extra["columns"] = ticket.get("extra", {})
    return extra


def _same(key: str, old: Any, new: Any) -> bool:
    """Equal in meaning: the same instant whatever the offset, the same cell whatever the type."""
    if key in TIME_KEYS:
        try:
            return _moment(old) == _moment(new)
        except (TypeError, ValueError):
            return False
    if key == "columns":
        old, new = old or {}, new or {}
        return old.keys() == new.keys() and all(same_value(old[k], new[k]) for k in old)
    return plain(old) == plain(new)


def _changes(old_extra: dict[str, Any], new_extra: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    changed = {k: (old_extra.get(k), v) for k, v in new_extra.items()
               if k != "columns" and not _same(k, old_extra.get(k), v)}
    old_cols, new_cols = old_extra.get("columns") or {}, new_extra.get("columns") or {}
    for name in sorted(old_cols.keys() | new_cols.keys()):
        if not _same("columns", {name: old_cols.get(name)}, {name: new_cols.get(name)}):
            changed[f"columns.{name}"] = (old_cols.get(name), new_cols.get(name))
    return changed


def _moves_clocks(changed: dict[str, Any], extra: dict[str, Any]) -> bool:
    # The case clocks start at the transfer (else the receipt) and fall due at the due time.
    starts = "transferred_at" in changed or ("received_at" in changed and not extra["transferred_at"])
    return starts or "due_at" in changed


def _store(source: Source, ticket: dict[str, Any], report: ImportReport) -> None:
    ticket_no = ticket["ticket_no"]
    extra = ticket_extra(ticket)
    url = ticket_url(ticket_no)
    published = _moment(extra["transferred_at"] or extra["received_at"])
    with transaction.atomic():
        mention = Mention.objects.select_for_update().filter(url_hash=Mention.hash_url(url)).first()
        if mention is None:
            mention = Mention.objects.create(
                source=source, url=url, url_hash=Mention.hash_url(url),
                title=str(ticket.get("title") or "")[:500], text=str(ticket.get("content") or ""),
                published_at=published, fetched_at=timezone.now(), extra=extra, flagged=True,
            )
            report.created += 1
            report.new_ids.append(mention.pk)
            return
        changed = _changes(mention.extra, extra)
        if not changed:
            report.unchanged += 1
            return
        mention.extra = {**mention.extra, **extra}
        mention.published_at = published or mention.published_at
        mention.save(update_fields=["extra", "published_at"])
        note = f"12345 工单 {ticket_no} 重新导入（第{ticket['row']}行）"
        for key, (old, new) in changed.items():
            audit.record("ticket_update", mention, field=key, old=old, new=new, note=note)
        report.updated += 1
        if _moves_clocks(changed, extra):
            case = Case.objects.filter(origin_key=f"ticket:{ticket_no}").first()
            if case is not None:
                deadlines.recompute_clocks(case, user=None, note="12345 工单重新导入：时间变更")


def import_tickets(path: Path | str, *, source_slug: str = DEFAULT_SLUG) -> ImportReport:
    """Import one export: good rows are stored, each refused row is in ``report.errors``.

    Raises ``HotlineFileError`` (a ValueError, message naming the file) when the file cannot
    be read at all.
    """
    export = read_export(path)
    source = hotline_source(source_slug)
    report = ImportReport(errors=[str(r) for r in export.rejections])
    for ticket in export.tickets:
        _store(source, ticket, report)
    logger.info("tickets.imported", extra={"file": str(path), "created": report.created,
                                            "updated": report.updated, "unchanged": report.unchanged,
                                            "rejected": report.rejected})
    return report

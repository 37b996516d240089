"""12345 hotline transfers (转办件): import exports, one mention and one case per ticket number.

A transferred ticket is already the bureau's business, so every ticket opens a case (whatever the
watch plans say); re-importing the same file updates status and times, never duplicates.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from crawlers.hotline import read_tickets
from response.models import Mention, Reach, Source
from response.services import audit
from response.services.ingest import _when

logger = logging.getLogger(__name__)

DEFAULT_SLUG = "hotline-12345"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def hotline_source(slug: str = DEFAULT_SLUG) -> Source:
    source, _ = Source.objects.get_or_create(
        slug=slug,
        defaults={"name": "12345 政务服务便民热线转办件", "kind": Source.Kind.HOTLINE,
                  "reach": Reach.MUNICIPAL, "schedule_minutes": 1440},
    )
    return source


def ticket_url(ticket_no: str) -> str:
    return f"hotline://12345/{ticket_no}"


def import_tickets(path: Path | str, *, source_slug: str = DEFAULT_SLUG) -> ImportReport:
    source = hotline_source(source_slug)
    report = ImportReport()
    for ticket in read_tickets(path):
        ticket_no = ticket["ticket_no"]
        extra = {k: ticket.get(k) for k in ("ticket_no", "category", "status", "due_at", "transferred_at",
                                            "received_at", "department", "area", "urgency", "caller")}
        extra["columns"] = ticket.get("extra", {})
        url = ticket_url(ticket_no)
        with transaction.atomic():
            mention = Mention.objects.select_for_update().filter(url_hash=Mention.hash_url(url)).first()
            if mention is None:
                mention = Mention.objects.create(
                    source=source, url=url, url_hash=Mention.hash_url(url),
                    title=str(ticket.get("title") or "")[:500], text=str(ticket.get("content") or ""),
                    published_at=_when(ticket.get("transferred_at") or ticket.get("received_at")),
                    fetched_at=timezone.now(), extra=extra, flagged=True,
                )
                report.created += 1
                report.new_ids.append(mention.pk)
                continue
            changed = {k: (mention.extra.get(k), v) for k, v in extra.items() if mention.extra.get(k) != v}
            if not changed:
                report.unchanged += 1
                continue
            mention.extra = {**mention.extra, **extra}
            mention.save(update_fields=["extra"])
            for key, (old, new) in changed.items():
                if key != "columns":
                    audit.record("ticket_update", mention, field=key, old=old, new=new, note=f"12345 工单 {ticket_no} 重新导入")
            report.updated += 1
    return report

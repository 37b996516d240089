"""In-page alerts for duty officers: a new level I–II item in the queue, or a case clock that has
just fallen due. The page polls with two cursors (the highest mention id it has seen, and the
moment of its last poll) exactly as the queue does (`views.queue.new_rows`), so an item stored
earlier but judged only now is not missed; the page drops alerts it has already shown by key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from response.models import CaseClock, Mention
from response.services.business_rules import running_states

ALERT_LEVELS = ("I", "II")
ALERT_LIMIT = 20


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # "mention" | "overdue"
    title: str
    text: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "title": self.title, "text": self.text, "url": self.url}


@dataclass(frozen=True)
class Poll:
    since: int
    at: datetime
    alerts: list[Alert]


def _mention_alerts(since: int, after: datetime) -> list[Alert]:
    rows = (Mention.objects.filter(flagged=True, review=Mention.Review.PENDING, event_lead=True,
                                   level__in=ALERT_LEVELS)
            .filter(Q(id__gt=since) | Q(analysed_at__gt=after))
            .select_related("source").defer("raw_gz", "text").order_by("-urgency", "-id")[:ALERT_LIMIT])
    return [Alert(f"m:{m.pk}", "mention", f"新{m.level}级舆情：{m.title[:60]}",
                  f"{m.source.name} · 紧急度 {m.urgency}", reverse("mention", args=[m.pk])) for m in rows]


def _overdue_alerts(after: datetime, now: datetime) -> list[Alert]:
    clocks = (CaseClock.objects.filter(stopped_at__isnull=True, due_at__gt=after, due_at__lte=now,
                                       case__state__in=running_states())
              .select_related("case", "case__section").order_by("due_at")[:ALERT_LIMIT])
    return [Alert(f"k:{k.pk}", "overdue", f"案件超时：{k.case.number} {k.case.title[:50]}",
                  f"{k.get_clock_display()}时限已到（{timezone.localtime(k.due_at):%m-%d %H:%M}）· {k.case.section.name}",
                  reverse("case", args=[k.case_id])) for k in clocks]


def poll(since: int | None, after: datetime | None, now: datetime | None = None) -> Poll:
    """Alerts since the cursors; without cursors (a fresh page) only the cursors, so opening a page
    does not replay the whole queue as alerts."""
    now = now or timezone.now()
    # The moment first, then the id: anything judged after `now` is caught next time by `after`.
    top = Mention.objects.aggregate(top=Max("id"))["top"] or 0
    if since is None or after is None:
        return Poll(top, now, [])
    alerts = _mention_alerts(since, after) + _overdue_alerts(after, now)
    return Poll(max(top, since), now, alerts)

"""The review queue: flagged, unreviewed mentions, most urgent first.

Paging is keyset ("seek") pagination on (urgency, fetched_at, id) — the queue index — so page 500
costs the same as page 1 and no COUNT(*) runs over millions of rows. New items are fetched by a
small polling endpoint (ids above the newest one the page has seen).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from response.forms import DISMISS_REASONS, QueueFilterForm
from response.models import Level, Mention, Section
from response.services.dashboard import pending_count
from response.views.access import review_required

PAGE_SIZE = 50


@dataclass(frozen=True)
class Cursor:
    urgency: int
    fetched_at: datetime
    id: int

    def encode(self) -> str:
        micros = int(self.fetched_at.timestamp() * 1_000_000)
        return f"{self.urgency}.{micros}.{self.id}"

    @classmethod
    def decode(cls, value: str) -> "Cursor | None":
        try:
            urgency, micros, pk = (int(x) for x in value.split("."))
        except (ValueError, AttributeError):
            return None
        when = datetime.fromtimestamp(micros / 1_000_000, tz=dt_timezone.utc)
        return cls(urgency, when, pk)

    @classmethod
    def of(cls, m: Mention) -> "Cursor":
        return cls(m.urgency, m.fetched_at, m.pk)


def pending_queue() -> QuerySet[Mention]:
    return Mention.objects.filter(flagged=True, review=Mention.Review.PENDING)


def apply_filters(qs: QuerySet[Mention], form: QueueFilterForm) -> QuerySet[Mention]:
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data.get("level") == "none":
        qs = qs.filter(level="")
    elif data.get("level"):
        qs = qs.filter(level=data["level"])
    if data.get("sentiment"):
        qs = qs.filter(sentiment=data["sentiment"])
    if data.get("kind"):
        qs = qs.filter(source__kind=data["kind"])
    if data.get("section"):
        qs = qs.filter(section=data["section"])
    if data.get("plan"):
        plan = data["plan"].strip()
        if connection.vendor == "postgresql":
            qs = qs.filter(matched_plans__contains=[plan])  # jsonb @>, exact element
        else:
            # SQLite keeps the JSON text as Django dumped it (ASCII-escaped): match the quoted element.
            qs = qs.filter(matched_plans__icontains=json.dumps(plan))
    since = form.since()
    if since:
        qs = qs.filter(fetched_at__gte=since)
    if data.get("q"):
        term = data["q"].strip()
        qs = qs.filter(Q(title__icontains=term) | Q(text__icontains=term))
    return qs


def seek(qs: QuerySet[Mention], after: Cursor | None, before: Cursor | None) -> tuple[list[Mention], bool, bool]:
    """One page in queue order, plus whether a next / previous page exists."""
    order = ("-urgency", "-fetched_at", "-id")
    if before is not None:
        c = before
        newer = Q(urgency__gt=c.urgency) | Q(urgency=c.urgency, fetched_at__gt=c.fetched_at) | Q(
            urgency=c.urgency, fetched_at=c.fetched_at, id__gt=c.id)
        rows = list(qs.filter(newer).order_by("urgency", "fetched_at", "id")[: PAGE_SIZE + 1])
        has_prev = len(rows) > PAGE_SIZE
        return list(reversed(rows[:PAGE_SIZE])), True, has_prev
    if after is not None:
        c = after
        older = Q(urgency__lt=c.urgency) | Q(urgency=c.urgency, fetched_at__lt=c.fetched_at) | Q(
            urgency=c.urgency, fetched_at=c.fetched_at, id__lt=c.id)
        qs = qs.filter(older)
    rows = list(qs.order_by(*order)[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, after is not None


def _with_related(qs: QuerySet[Mention]) -> QuerySet[Mention]:
    return qs.select_related("source", "section", "event").defer("raw_gz")


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@review_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    qs = _with_related(apply_filters(pending_queue(), form))
    after = Cursor.decode(request.GET.get("after", ""))
    before = Cursor.decode(request.GET.get("before", ""))
    rows, has_next, has_prev = seek(qs, after, before)
    newest = Mention.objects.aggregate(top=Max("id"))["top"] or 0
    base = _query_without(request, "after", "before")
    count, more = pending_count()
    context = {
        "form": form, "rows": rows, "count": count, "count_more": more,
        "next_url": f"?{base}&after={Cursor.of(rows[-1]).encode()}" if rows and has_next else "",
        "prev_url": f"?{base}&before={Cursor.of(rows[0]).encode()}" if rows and has_prev else "",
        "first_url": f"?{base}" if has_prev else "",
        "poll_url": f"{reverse('queue_new')}?{base}", "since": newest,
        "levels": Level.objects.all(), "sections": Section.objects.all(),
        "dismiss_reasons": DISMISS_REASONS, "filtered": bool(base),
    }
    return render(request, "response/queue.html", context)


@review_required
def queue_new(request: HttpRequest) -> HttpResponse:
    """Rows newer than `since` (an id) matching the same filters, as an HTML fragment."""
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        since = 0
    form = QueueFilterForm(request.GET or None)
    qs = _with_related(apply_filters(pending_queue(), form)).filter(id__gt=since)
    rows = list(qs.order_by("-urgency", "-fetched_at", "-id")[:PAGE_SIZE])
    response = render(request, "response/_queue_rows.html", {"rows": rows, "new": True})
    response["X-New-Count"] = str(len(rows))
    response["X-Since"] = str(max([since, *(m.pk for m in rows)]))
    response["Cache-Control"] = "no-store"
    return response

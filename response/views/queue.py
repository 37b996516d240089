"""The review queue: flagged, unreviewed mentions, most urgent first.

Paging is keyset ("seek") pagination on (urgency, fetched_at, id) — the queue index — so page 500
costs the same as page 1 and no COUNT(*) runs over millions of rows. New items are fetched by a
small polling endpoint with two cursors: ids above the newest one the page has seen (rows stored
since), and `analysed_at` after the page was loaded (rows stored earlier but judged — and so
flagged — only since; judgement sets `flagged` and `analysed_at` in the same save).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from response.forms import DISMISS_REASONS, QueueFilterForm
from response.models import Level, Mention, SavedFilter, Section
from response.services.bulk import BULK_LIMIT
from response.services.search_index import text_match
from response.views.access import review_required

PAGE_SIZE = 50
POLL_LIMIT = 50
COUNT_CAP = 10_000
# A filter the queue's index does not cover (level, section, sentiment, text) is counted by reading
# each matching row: at a million mentions counting to 10,000 cost 100-450 ms a page, most of the
# page. Past a thousand the exact figure does not change what a duty officer does (a bulk action
# takes 500 at most): "1000+ 条符合筛选".
FILTERED_COUNT_CAP = 1_000


def _micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def _from_micros(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value or "") / 1_000_000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class Cursor:
    urgency: int
    fetched_at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.urgency}.{_micros(self.fetched_at)}.{self.id}"

    @classmethod
    def decode(cls, value: str) -> Cursor | None:
        try:
            urgency, micros, pk = (int(x) for x in value.split("."))
        except (ValueError, AttributeError):
            return None
        when = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
        return cls(urgency, when, pk)

    @classmethod
    def of(cls, m: Mention) -> Cursor:
        return cls(m.urgency, m.fetched_at, m.pk)


def pending_queue() -> QuerySet[Mention]:
    # One row per story: reposts wait behind their event's lead copy (services/leads.py).
    return Mention.objects.filter(flagged=True, review=Mention.Review.PENDING, event_lead=True)


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
        qs = qs.filter(text_match(term))
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
    # Taken before the rows are read: anything judged after this instant is the poll's business.
    loaded_at = timezone.now()
    form = QueueFilterForm(request.GET or None)
    qs = _with_related(apply_filters(pending_queue(), form))
    after = Cursor.decode(request.GET.get("after", ""))
    before = Cursor.decode(request.GET.get("before", ""))
    rows, has_next, has_prev = seek(qs, after, before)
    newest = Mention.objects.aggregate(top=Max("id"))["top"] or 0
    base = _query_without(request, "after", "before")
    # The header counts what this filter shows, not the whole queue (it said 12 over 3 rows).
    count, more = filtered_count(qs, FILTERED_COUNT_CAP if base else COUNT_CAP)
    context = {
        "form": form, "rows": rows, "count": count, "count_more": more,
        "next_url": f"?{base}&after={Cursor.of(rows[-1]).encode()}" if rows and has_next else "",
        "prev_url": f"?{base}&before={Cursor.of(rows[0]).encode()}" if rows and has_prev else "",
        "first_url": f"?{base}" if has_prev else "",
        "poll_url": f"{reverse('queue_new')}?{base}", "since": newest,
        "analysed_since": _micros(loaded_at),
        "levels": Level.objects.all(), "sections": Section.objects.all(),
        "dismiss_reasons": DISMISS_REASONS, "filtered": bool(base),
        "filter_query": base, "bulk_url": reverse("queue_bulk"), "bulk_limit": BULK_LIMIT,
        "saved_filters": SavedFilter.objects.filter(user=request.user, scope=SavedFilter.Scope.QUEUE),
    }
    return render(request, "response/queue.html", context)


def filtered_count(qs: QuerySet[Mention], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Rows matching the page's filters, counted up to `cap` like `pending_count`."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def new_rows(qs: QuerySet[Mention], since_id: int, analysed_after: datetime | None) -> QuerySet[Mention]:
    """Pending rows stored after `since_id` or judged after `analysed_after`.

    `qs` is the pending queue (flagged, review=pending), so the database walks the `queue_idx`
    prefix — the few thousand unreviewed flagged rows, not the millions of mentions — and tests
    both cursors on those; no scan of `analysed_at` over the whole table is needed.
    """
    newer = Q(id__gt=since_id)
    if analysed_after is not None:
        newer |= Q(analysed_at__gt=analysed_after)
    return qs.filter(newer)


@review_required
def queue_new(request: HttpRequest) -> HttpResponse:
    """Rows new to the page (see `new_rows`) matching the same filters, as an HTML fragment.

    Headers carry the advanced cursors (X-Since: id, X-Analysed-Since: microseconds). When more
    than POLL_LIMIT rows arrived the cursors are not advanced and X-Reload asks for a full reload,
    so no row can fall between two polls.
    """
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        since = 0
    analysed_after = _from_micros(request.GET.get("analysed"))
    form = QueueFilterForm(request.GET or None)
    qs = new_rows(_with_related(apply_filters(pending_queue(), form)), since, analysed_after)
    rows = list(qs.order_by("-urgency", "-fetched_at", "-id")[: POLL_LIMIT + 1])
    overflow = len(rows) > POLL_LIMIT
    if overflow:
        rows = []
    response = render(request, "response/_queue_rows.html", {"rows": rows, "new": True})
    response["X-New-Count"] = str(len(rows))
    response["X-Since"] = str(max([since, *(m.pk for m in rows)]))
    judged = [m.analysed_at for m in rows if m.analysed_at] + ([analysed_after] if analysed_after else [])
    response["X-Analysed-Since"] = str(_micros(max(judged))) if judged else request.GET.get("analysed", "")
    response["X-Reload"] = "1" if overflow else "0"
    response["Cache-Control"] = "no-store"
    return response

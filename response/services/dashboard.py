"""Figures for the dashboard: small aggregate queries, each bounded by a time window so they
stay fast with millions of mentions (they use the fetched_at / opened_at indexes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from response.models import (
    Case,
    CaseClock,
    Clock,
    Event,
    Mention,
    Section,
    Sentiment,
    Source,
    SpikeAlert,
)
from response.services.business_rules import running_states


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def volume_by_day(days: int = 14, now: datetime | None = None) -> list[dict]:
    """Mentions per local day and sentiment for the last `days` days, oldest first, gaps as zero."""
    now = now or timezone.now()
    today = timezone.localtime(now, _tz()).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=_tz())
    rows = (
        Mention.objects.filter(fetched_at__gte=since)
        .annotate(day=TruncDate("fetched_at", tzinfo=_tz()))
        .values("day", "sentiment").annotate(n=Count("id")).order_by()
    )
    table: dict[date, dict] = {
        first + timedelta(days=i): {"day": first + timedelta(days=i), "total": 0,
                                    **{s.value: 0 for s in Sentiment}}
        for i in range(days)
    }
    for row in rows:
        slot = table.get(row["day"])
        if slot is None:
            continue
        key = row["sentiment"] if row["sentiment"] in slot else Sentiment.NEUTRAL.value
        slot[key] += row["n"]
        slot["total"] += row["n"]
    return list(table.values())


def by_source_kind(days: int = 14, now: datetime | None = None) -> list[tuple[str, int]]:
    since = (now or timezone.now()) - timedelta(days=days)
    labels = dict(Source.Kind.choices)
    rows = (
        Mention.objects.filter(fetched_at__gte=since).values("source__kind")
        .annotate(n=Count("id")).order_by("-n")
    )
    return [(labels.get(r["source__kind"], r["source__kind"]), r["n"]) for r in rows]


@dataclass
class SectionLoad:
    section: Section
    open: int
    overdue: int


def cases_by_section(now: datetime | None = None) -> list[SectionLoad]:
    """Open cases per section and how many of them have an open clock past due."""
    now = now or timezone.now()
    overdue_ids = set(
        CaseClock.objects.filter(stopped_at__isnull=True, due_at__lt=now, case__state__in=running_states())
        .values_list("case_id", flat=True)
    )
    counts: dict[int, list[int]] = {}
    for case_id, section_id in Case.objects.filter(state__in=running_states()).values_list("id", "section_id"):
        slot = counts.setdefault(section_id, [0, 0])
        slot[0] += 1
        slot[1] += case_id in overdue_ids
    return [SectionLoad(s, *counts.get(s.pk, [0, 0])) for s in Section.objects.all()]


def watched_mentions() -> QuerySet[Mention]:
    """Mentions the bureau watches: matched a 监测方案, or came in as a 12345 ticket. A national
    story that matched no plan is only crawled, not ours, and must not top the hot events."""
    return Mention.objects.exclude(matched_plans=[]) | Mention.objects.filter(source__kind=Source.Kind.HOTLINE)


def top_events(days: int = 7, limit: int = 8, now: datetime | None = None) -> list[Event]:
    """The biggest watched stories of the window, each with `lead_id`: the copy that stands for
    it (the queue's lead while pending, else its most urgent copy), for the link."""
    since = (now or timezone.now()) - timedelta(days=days)
    watched = watched_mentions().filter(event=OuterRef("pk"))
    events = list(Event.objects.filter(last_seen__gte=since).filter(Exists(watched))
                  .order_by("-size", "-max_urgency")[:limit])
    for event in events:
        lead = (watched_mentions().filter(event=event).order_by("-event_lead", "-urgency", "fetched_at", "id")
                .values_list("id", flat=True).first())
        event.lead_id = lead
    return events


def recent_spikes(days: int = 7, limit: int = 10, now: datetime | None = None) -> list[SpikeAlert]:
    since = (now or timezone.now()) - timedelta(days=days)
    return list(SpikeAlert.objects.filter(hour__gte=since).order_by("-hour")[:limit])


@dataclass
class OnTime:
    clock: str
    label: str
    met: int
    late: int
    running_overdue: int

    @property
    def total(self) -> int:
        # An overdue clock still running is already late: leaving it out would overstate the rate
        # (the same rule as `yuqing stats`).
        return self.met + self.late + self.running_overdue

    @property
    def rate(self) -> float | None:
        return self.met / self.total if self.total else None


def on_time_rates(days: int = 30, now: datetime | None = None) -> list[OnTime]:
    """Share of clocks stopped in time among those that fell due in the window, per clock kind."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    out = []
    for clock in Clock:
        base = CaseClock.objects.filter(clock=clock.value)
        finished = base.filter(stopped_at__isnull=False, stopped_at__gte=since)
        met = finished.filter(stopped_at__lte=F("due_at")).count()
        late = finished.count() - met
        running = base.filter(stopped_at__isnull=True, due_at__lt=now, case__state__in=running_states()).count()
        out.append(OnTime(clock.value, clock.label, met, late, running))
    return out


@dataclass
class SourceHealth:
    source: Source
    status: str  # blind | failing | stale | ok | disabled
    label: str


def source_health(now: datetime | None = None) -> list[SourceHealth]:
    """Every source with a verdict; blind and failing first so nobody misses them."""
    now = now or timezone.now()
    out = []
    for src in Source.objects.all():
        if not src.enabled:
            status, label = "disabled", "已停用"
        elif src.blind_reason:
            status, label = "blind", f"失明：{src.blind_reason}"
        elif src.consecutive_failures:
            status, label = "failing", f"连续失败 {src.consecutive_failures} 次"
        elif src.last_success_at is None or (
            now - src.last_success_at > timedelta(minutes=max(src.schedule_minutes, 60) * 3)
        ):
            status, label = "stale", "长时间未成功采集"
        else:
            status, label = "ok", "正常"
        out.append(SourceHealth(src, status, label))
    rank = {"blind": 0, "failing": 1, "stale": 2, "ok": 3, "disabled": 4}
    out.sort(key=lambda h: (rank[h.status], h.source.slug))
    return out


def pending_count(cap: int = 10_000) -> tuple[int, bool]:
    """Stories (event leads) awaiting review, counted up to `cap` (an exact COUNT over millions is slow)."""
    n = (Mention.objects.filter(flagged=True, review=Mention.Review.PENDING, event_lead=True)
         .order_by()[: cap + 1].count())
    return min(n, cap), n > cap


def summary(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "volume": volume_by_day(14, now),
        "kinds": by_source_kind(14, now),
        "sections": cases_by_section(now),
        "events": top_events(7, 8, now),
        "spikes": recent_spikes(7, 10, now),
        "on_time": on_time_rates(30, now),
        "health": source_health(now),
        "pending": pending_count(),
        "negative_share": _negative_share(now),
    }


# Every figure above is bureau-wide, so everyone allowed onto the dashboard shares one scope; the
# key still names the scope so a per-section dashboard can never be served someone else's figures.
CACHE_SECONDS = 60
CACHE_PREFIX = "yuqing:dashboard:v1:"
BUREAU_SCOPE = "bureau"


def cache_key(scope: str = BUREAU_SCOPE) -> str:
    return f"{CACHE_PREFIX}{scope}"


def cached_summary(scope: str = BUREAU_SCOPE) -> dict:
    """`summary()` recomputed at most once a minute per scope: at a million mentions the figures
    take ~0.5 s, and duty screens are reloaded far more often than the figures meaningfully move."""
    key = cache_key(scope)
    data = cache.get(key)
    if data is None:
        data = summary()
        data["computed_at"] = timezone.now()
        cache.set(key, data, CACHE_SECONDS)
    return data


def forget_cached(scope: str = BUREAU_SCOPE) -> None:
    cache.delete(cache_key(scope))


def _negative_share(now: datetime) -> float | None:
    since = now - timedelta(days=1)
    agg = Mention.objects.filter(fetched_at__gte=since).aggregate(
        total=Count("id"), neg=Count("id", filter=Q(sentiment=Sentiment.NEGATIVE))
    )
    return agg["neg"] / agg["total"] if agg["total"] else None

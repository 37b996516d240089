"""A story's spread: every copy of one event (or of one case's items) in time order, who published
first, how far it reached (national … self-media), which outlets carried it, how sentiment moved.

Shared by the story page and the 舆情专报. Times are when a copy was published, or when it was
collected if the page gave no time.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils import timezone

from response.models import Case, Event, KeywordPlan, Mention, Reach, Sentiment
from response.services.digest.charts import cjk_font, stacked_bars_png
from response.services.digest.gather import REACH_ORDER
from response.services.digest.text import one_line

REACH_COLOURS = {Reach.NATIONAL: "#8e1b1b", Reach.PROVINCIAL: "#d9534f", Reach.MUNICIPAL: "#f0ad4e",
                 Reach.COUNTY: "#5b9bd5", Reach.SELF_MEDIA: "#9aa5b1"}
SENTIMENT_ORDER = [(Sentiment.NEGATIVE, "#d9534f"), (Sentiment.NEUTRAL, "#9aa5b1"), (Sentiment.POSITIVE, "#2e7d32")]
UNLABELLED = "未研判"
# Hourly bars read well up to three days; beyond that days, beyond three months weeks.
HOURLY_SPAN = timedelta(hours=72)
DAILY_SPAN = timedelta(days=92)
MAX_OUTLETS = 10
# How a source kind reads in a sentence ("闽南日报（市级网站）"); the admin labels name the crawler.
KIND_PROSE = {"rss": "网站", "html": "网站", "search": "网站", "wechat": "微信公众号", "board": "留言板",
              "hotline": "12345 平台"}


@dataclass
class Copy:
    pk: int
    title: str
    source: str
    origin: str
    reach: str
    reach_label: str
    kind_label: str
    kind: str
    at: datetime
    url: str
    sentiment: str
    sentiment_label: str
    review_label: str

    @property
    def publisher(self) -> str:
        """Who published it: the outlet a syndicated page names (来源媒体), else the site."""
        return self.origin or self.source

    @property
    def medium(self) -> str:
        return self.reach_label + KIND_PROSE.get(self.kind, "")


@dataclass
class Outlet:
    name: str
    reach_label: str
    kind_label: str
    count: int
    first_at: datetime
    url: str


@dataclass
class Spread:
    title: str
    copies: list[Copy]
    plans: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    max_urgency: int = 0

    @property
    def first(self) -> Copy | None:
        return self.copies[0] if self.copies else None

    @property
    def last_at(self) -> datetime | None:
        return self.copies[-1].at if self.copies else None

    @property
    def source_count(self) -> int:
        return len({c.source for c in self.copies})

    @cached_property
    def by_reach(self) -> list[tuple[str, int, int]]:
        """(reach label, copies, distinct sources) for every reach, widest first, zeros kept."""
        copies = Counter(c.reach for c in self.copies)
        sources = {reach: {c.source for c in self.copies if c.reach == reach} for reach in copies}
        return [(Reach(r).label, copies.get(r, 0), len(sources.get(r, ()))) for r in REACH_ORDER]

    @cached_property
    def by_sentiment(self) -> dict[str, int]:
        counts = Counter(c.sentiment for c in self.copies)
        out = {Sentiment(s).label: counts.get(s, 0) for s, _ in SENTIMENT_ORDER}
        unlabelled = sum(n for s, n in counts.items() if s not in Sentiment.values)
        if unlabelled:
            out[UNLABELLED] = unlabelled
        return out

    @cached_property
    def outlets(self) -> list[Outlet]:
        """Main outlets: widest reach first, then the most copies, then who carried it earliest."""
        grouped: dict[str, list[Copy]] = {}
        for copy in self.copies:
            grouped.setdefault(copy.publisher, []).append(copy)
        rank = {Reach(r).label: i for i, r in enumerate(REACH_ORDER)}
        rows = [Outlet(name, items[0].reach_label, items[0].kind_label, len(items), items[0].at, items[0].url)
                for name, items in grouped.items()]
        rows.sort(key=lambda o: (rank.get(o.reach_label, 99), -o.count, o.first_at))
        return rows[:MAX_OUTLETS]

    # The time axis ------------------------------------------------------------------------------
    @cached_property
    def unit(self) -> str:
        if not self.copies:
            return "小时"
        span = self.copies[-1].at - self.copies[0].at
        return "小时" if span <= HOURLY_SPAN else "天" if span <= DAILY_SPAN else "周"

    def _bucket(self, moment: datetime) -> datetime:
        local = timezone.localtime(moment)
        if self.unit == "小时":
            return local.replace(minute=0, second=0, microsecond=0)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return day if self.unit == "天" else day - timedelta(days=day.weekday())

    @cached_property
    def buckets(self) -> list[datetime]:
        if not self.copies:
            return []
        step = {"小时": timedelta(hours=1), "天": timedelta(days=1), "周": timedelta(weeks=1)}[self.unit]
        first, last = self._bucket(self.copies[0].at), self._bucket(self.copies[-1].at)
        out, at = [], first
        while at <= last:
            out.append(at)
            # Re-bucket after each step so a daylight-saving change cannot drift the axis.
            at = self._bucket(at + step + timedelta(minutes=1))
        return out

    def labels(self) -> list[str]:
        out = []
        for i, at in enumerate(self.buckets):
            if self.unit == "小时":
                out.append(f"{at.month}/{at.day}\n{at:%H}时" if i == 0 or at.hour == 0 else f"{at:%H}时")
            else:
                out.append(f"{at.month}/{at.day}" + ("起" if self.unit == "周" else ""))
        return out

    def _series(self, key) -> dict[object, list[int]]:
        index = {at: i for i, at in enumerate(self.buckets)}
        out: dict[object, list[int]] = {}
        for copy in self.copies:
            out.setdefault(key(copy), [0] * len(self.buckets))[index[self._bucket(copy.at)]] += 1
        return out

    def reach_series(self) -> list[tuple[str, list[int], str]]:
        rows = self._series(lambda c: c.reach)
        return [(Reach(r).label, rows.get(r, [0] * len(self.buckets)), REACH_COLOURS[r]) for r in REACH_ORDER]

    def sentiment_series(self) -> list[tuple[str, list[int], str]]:
        rows = self._series(lambda c: c.sentiment if c.sentiment in Sentiment.values else "")
        out = [(Sentiment(s).label, rows.get(s, [0] * len(self.buckets)), colour) for s, colour in SENTIMENT_ORDER]
        if "" in rows:
            out.append((UNLABELLED, rows[""], "#d8dde3"))
        return out

    @property
    def peak(self) -> tuple[datetime, int] | None:
        totals = [sum(v) for v in zip(*(values for _, values, _ in self.reach_series()))]
        if not totals:
            return None
        i = max(range(len(totals)), key=lambda j: (totals[j], -j))
        return self.buckets[i], totals[i]

    def peak_label(self) -> str:
        peak = self.peak
        if peak is None:
            return ""
        at, n = peak
        when = f"{at.month}月{at.day}日{at:%H}时" if self.unit == "小时" else \
            f"{at.month}月{at.day}日" + ("当周" if self.unit == "周" else "")
        return f"{when}（{n}条）"

    def spread_png(self) -> bytes | None:
        """Copies per hour/day by source reach: the 传播情况 chart. None when there is nothing to draw
        or no Chinese font (a chart with empty boxes for labels is worse than none)."""
        if not self.copies or cjk_font() is None:
            return None
        return stacked_bars_png(self.labels(), self.reach_series())

    def sentiment_png(self) -> bytes | None:
        if not self.copies or cjk_font() is None:
            return None
        return stacked_bars_png(self.labels(), self.sentiment_series(), size=(6.4, 2.2))


def _copy(m: Mention) -> Copy:
    return Copy(
        pk=m.pk, title=one_line(m.title or m.text or "（无标题）", 80), source=one_line(m.source.name, 40),
        origin=one_line(m.origin, 40), reach=m.source.reach, reach_label=m.source.get_reach_display(),
        kind_label=m.source.get_kind_display(), kind=m.source.kind, at=m.published_at or m.fetched_at, url=m.url,
        sentiment=m.sentiment, sentiment_label=m.get_sentiment_display() or UNLABELLED,
        review_label=m.get_review_display(),
    )


def _places(mentions: list[Mention]) -> list[str]:
    """Where the story happened: terms matched by watch plans of the 属地 category."""
    place_plans = set(KeywordPlan.objects.filter(category=KeywordPlan.Category.PLACE).values_list("name", flat=True))
    seen: Counter[str] = Counter()
    for m in mentions:
        for hit in m.keywords or ():
            if isinstance(hit, dict) and hit.get("plan") in place_plans and hit.get("term"):
                seen[str(hit["term"])] += 1
    return [term for term, _ in seen.most_common(5)]


def spread_of(mentions: Iterable[Mention], title: str = "") -> Spread:
    items = sorted(mentions, key=lambda m: (m.published_at or m.fetched_at, m.pk))
    plans: Counter[str] = Counter(p for m in items for p in (m.matched_plans or ()))
    lead = max(items, key=lambda m: (m.urgency, -m.pk), default=None)
    return Spread(
        title=one_line(title or (items[0].title if items else "") or "（无标题）", 120),
        copies=[_copy(m) for m in items], plans=[p for p, _ in plans.most_common()], places=_places(items),
        reasons=[one_line(r, 200) for r in (lead.urgency_reasons or [])] if lead else [],
        max_urgency=lead.urgency if lead else 0,
    )


def _mentions(qs: QuerySet) -> list[Mention]:
    return list(qs.select_related("source").defer("raw_gz").distinct())


def event_spread(event: Event) -> Spread:
    """Every copy of the event except what a duty officer dismissed (not about the bureau)."""
    return spread_of(_mentions(event.mentions.exclude(review=Mention.Review.DISMISSED)), event.title)


def case_spread(case: Case) -> Spread:
    """The case's own items plus the other (not dismissed) copies of its event."""
    qs = Mention.objects.filter(cases=case)
    if case.event_id:
        qs = Mention.objects.filter(Q(cases=case) | (Q(event_id=case.event_id) & ~Q(review=Mention.Review.DISMISSED)))
    return spread_of(_mentions(qs), case.title)

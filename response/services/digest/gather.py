"""Everything a weekly digest says, gathered for one week and one scope (the bureau or one section).

Data only: no HTML, no mail. Figures are computed as they stood at the end of the week where the
records allow it (clocks, cases); source health is the current state, as no history is kept.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from response.models import (
    Case,
    CaseClock,
    Clock,
    Mention,
    Reach,
    Section,
    Sentiment,
    Source,
    SpikeAlert,
)

from .period import Week, local_zone
from .text import one_line

BUREAU = "bureau"
TOP_EVENTS = 5
TOP_NEGATIVE = 5
MAX_OVERDUE = 10
TITLE_CHARS = 60
LINE_CHARS = 120
# How far a source carries a story: a national outlet counts more than a county site.
REACH_WEIGHT = {Reach.NATIONAL: 5.0, Reach.PROVINCIAL: 3.0, Reach.MUNICIPAL: 2.0,
                Reach.COUNTY: 1.0, Reach.SELF_MEDIA: 1.0}
REACH_ORDER = [Reach.NATIONAL, Reach.PROVINCIAL, Reach.MUNICIPAL, Reach.COUNTY, Reach.SELF_MEDIA]


@dataclass(frozen=True)
class Scope:
    code: str  # "bureau" or a section code
    name: str
    section: Section | None = None

    @property
    def is_bureau(self) -> bool:
        return self.section is None


def scope_for(code: str | None) -> Scope:
    if not code or code == BUREAU:
        return Scope(BUREAU, "全局")
    section = Section.objects.get(code=code)
    return Scope(section.code, section.name, section)


@dataclass
class Volume:
    total: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    unlabelled: int = 0

    def share(self, part: int) -> float | None:
        return part / self.total if self.total else None

    @property
    def negative_share(self) -> float | None:
        return self.share(self.negative)


@dataclass
class EventLine:
    title: str
    summary: str
    link: str
    size: int
    source_count: int
    negative: int
    reach_score: float


@dataclass
class ItemLine:
    title: str
    source: str
    when: datetime | None
    score: float
    urgency: int
    section: str
    link: str


@dataclass
class SpikeLine:
    plan: str
    hour: datetime
    observed: int
    expected: float
    explanation: str
    causes: list[str]


@dataclass
class ClockRate:
    clock: str
    label: str
    due: int
    met: int

    @property
    def rate(self) -> float | None:
        return self.met / self.due if self.due else None


@dataclass
class OverdueLine:
    number: str
    title: str
    section: str
    clock: str
    due_at: datetime
    overdue_hours: float
    link: str


@dataclass
class CaseStats:
    opened: int = 0
    responded: int = 0
    closed: int = 0
    overdue_count: int = 0
    rates: list[ClockRate] = field(default_factory=list)
    overdue: list[OverdueLine] = field(default_factory=list)


@dataclass
class BlindSource:
    name: str
    reason: str
    since: datetime | None
    new_this_week: bool


@dataclass
class DigestData:
    week: Week
    scope: Scope
    bureau_name: str
    this_week: Volume
    last_week: Volume
    days: list[date]
    daily_this: list[int]
    daily_last: list[int]
    daily_negative: list[int]
    events: list[EventLine]
    negatives: list[ItemLine]
    spikes: list[SpikeLine]
    cases: CaseStats
    blind_sources: list[BlindSource]
    generated_at: datetime

    @property
    def is_empty(self) -> bool:
        return self.this_week.total == 0

    @property
    def has_chart(self) -> bool:
        return bool(self.this_week.total or self.last_week.total)


def link(name: str, pk: int) -> str:
    return urljoin(settings.YUQING_BASE_URL.rstrip("/") + "/", reverse(name, args=[pk]).lstrip("/"))


def relevant_mentions(scope: Scope) -> QuerySet:
    """Mentions that count as public opinion about the bureau: matched a watch plan, came from the
    hotline, or were confirmed by a duty officer; never what a duty officer dismissed."""
    qs = (Mention.objects.exclude(review=Mention.Review.DISMISSED)
          .filter(~Q(matched_plans=[]) | Q(source__kind=Source.Kind.HOTLINE) | Q(review=Mention.Review.CONFIRMED))
          .annotate(at=Coalesce("published_at", "fetched_at")))
    if scope.section is not None:
        # A section owns what was routed to it and what belongs to its cases (lead or co-owner).
        in_cases = Case.objects.filter(Q(section=scope.section) | Q(co_sections=scope.section)).values("mentions")
        qs = qs.filter(Q(section=scope.section) | Q(pk__in=in_cases))
    return qs


def scoped_cases(scope: Scope) -> QuerySet:
    qs = Case.objects.exclude(state=Case.State.DISMISSED)
    if scope.section is not None:
        ids = Case.objects.filter(Q(section=scope.section) | Q(co_sections=scope.section)).values("pk")
        qs = qs.filter(pk__in=ids)
    return qs


def _volume(rows: list[tuple[int, datetime, str]]) -> Volume:
    volume = Volume(total=len(rows))
    for _, _, sentiment in rows:
        if sentiment == Sentiment.NEGATIVE:
            volume.negative += 1
        elif sentiment == Sentiment.NEUTRAL:
            volume.neutral += 1
        elif sentiment == Sentiment.POSITIVE:
            volume.positive += 1
        else:
            volume.unlabelled += 1
    return volume


def _daily(rows: list[tuple[int, datetime, str]], days: list[date], *, negative_only: bool = False) -> list[int]:
    index = {day: i for i, day in enumerate(days)}
    counts = [0] * len(days)
    zone = local_zone()
    for _, at, sentiment in rows:
        i = index.get(timezone.localtime(at, zone).date())
        if i is not None and (not negative_only or sentiment == Sentiment.NEGATIVE):
            counts[i] += 1
    return counts


def _in(qs: QuerySet, week: Week) -> list[tuple[int, datetime, str]]:
    return list(qs.filter(at__gte=week.start, at__lt=week.end).values_list("pk", "at", "sentiment"))


def _fmt_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, local_zone())
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _events(mentions: QuerySet, week: Week, scope: Scope) -> list[EventLine]:
    rows = (mentions.filter(at__gte=week.start, at__lt=week.end, event__isnull=False)
            .select_related("event", "source").order_by("at", "pk"))
    grouped: dict[int, list[Mention]] = defaultdict(list)
    for mention in rows:
        grouped[mention.event_id].append(mention)
    lines = []
    for items in grouped.values():
        event = items[0].event
        sources = {m.source_id: m.source for m in items}
        score = sum(REACH_WEIGHT.get(s.reach, 1.0) * (s.weight or 1.0) for s in sources.values())
        widest = min((s.reach for s in sources.values()), key=lambda r: REACH_ORDER.index(r) if r in REACH_ORDER else 99)
        negative = sum(1 for m in items if m.sentiment == Sentiment.NEGATIVE)
        first = items[0]
        case = scoped_cases(scope).filter(Q(event=event) | Q(mentions__in=[m.pk for m in items])).first()
        summary = (f"{len(items)}条报道，{len(sources)}个来源（最高{Reach(widest).label}），负面{negative}条；"
                   f"首发：{one_line(first.origin or first.source.name, 20)} {_fmt_time(first.at)}")
        if case:
            summary += f"；已立案 {case.number}（{case.get_state_display()}）"
        # A section's digest names the story by its own first item: the event's title may come from
        # another section's report of it.
        title = (event.title if scope.is_bureau else "") or first.title or event.title or "（无标题）"
        lines.append(EventLine(
            title=one_line(title, TITLE_CHARS), summary=summary,
            link=link("case", case.pk) if case else link("mention", first.pk),
            size=len(items), source_count=len(sources), negative=negative, reach_score=score,
        ))
    lines.sort(key=lambda e: (-e.reach_score, -e.size, e.title))
    return lines[:TOP_EVENTS]


def _negatives(mentions: QuerySet, week: Week) -> list[ItemLine]:
    rows = list(mentions.filter(at__gte=week.start, at__lt=week.end, sentiment=Sentiment.NEGATIVE)
                .select_related("source", "section"))

    def score(m: Mention) -> float:
        try:
            return float((m.sentiment_scores or {}).get(Sentiment.NEGATIVE, 0.0))
        except (TypeError, ValueError):
            return 0.0

    rows.sort(key=lambda m: (-score(m), -m.urgency, m.pk))
    return [ItemLine(title=one_line(m.title or m.text or "（无标题）", TITLE_CHARS),
                     source=one_line(m.origin or m.source.name, 20), when=m.at, score=score(m),
                     urgency=m.urgency, section=m.section.name if m.section else "",
                     link=link("mention", m.pk)) for m in rows[:TOP_NEGATIVE]]


def _spike_causes(spike: SpikeAlert, keys: set[str] | None) -> list[str]:
    """The spike's top events as short lines; for a section only the events that are its own."""
    causes = []
    for entry in spike.top_events or []:
        key = str(entry.get("key")) if isinstance(entry, dict) else str(entry)
        if keys is not None and key not in keys:
            continue
        if isinstance(entry, dict):
            text = entry.get("title") or entry.get("key") or ""
            if entry.get("count"):
                text = f"{text}（{entry['count']}条）"
        else:
            text = str(entry)
        if text:
            causes.append(one_line(text, TITLE_CHARS))
    return causes[:3]


def _spike_keys(spike: SpikeAlert) -> set[str]:
    return {str(e.get("key")) if isinstance(e, dict) else str(e) for e in spike.top_events or []}


def _spikes(mentions: QuerySet, week: Week, scope: Scope) -> list[SpikeLine]:
    spikes = list(SpikeAlert.objects.filter(hour__gte=week.start, hour__lt=week.end).order_by("hour"))
    keys: set[str] | None = None
    if scope.section is not None:
        # Spikes are per watch plan, not per section: a section sees one only when its own events caused it,
        # and only those events among the causes.
        keys = set(mentions.filter(at__gte=week.start, at__lt=week.end, event__isnull=False)
                   .values_list("event__key", flat=True))
        spikes = [s for s in spikes if _spike_keys(s) & keys]
    return [SpikeLine(plan=one_line(s.plan, 30), hour=s.hour, observed=s.observed, expected=s.expected,
                      explanation=one_line(s.explanation, LINE_CHARS), causes=_spike_causes(s, keys))
            for s in spikes]


def _cases(scope: Scope, week: Week) -> CaseStats:
    cases = scoped_cases(scope)
    start, end = week.start, week.end
    stats = CaseStats(
        opened=cases.filter(opened_at__gte=start, opened_at__lt=end).count(),
        responded=cases.filter(responded_at__gte=start, responded_at__lt=end).count(),
        closed=cases.filter(closed_at__gte=start, closed_at__lt=end).count(),
    )
    clocks = CaseClock.objects.filter(case__in=cases.values("pk"))
    # Each clock is judged once, in the week it fell due: met when stopped by its deadline.
    for kind in Clock:
        due = clocks.filter(clock=kind, due_at__gte=start, due_at__lt=end)
        stats.rates.append(ClockRate(kind.value, kind.label, due.count(),
                                     sum(1 for c in due.only("stopped_at", "due_at") if c.met)))
    # Overdue as it stood at the week's end: not stopped by then, deadline already passed.
    overdue = (clocks.filter(due_at__lt=end).filter(Q(stopped_at__isnull=True) | Q(stopped_at__gte=end))
               .select_related("case", "case__section").order_by("due_at"))
    stats.overdue_count = overdue.values("case").distinct().count()
    for clock in overdue[:MAX_OVERDUE]:
        stats.overdue.append(OverdueLine(
            number=clock.case.number, title=one_line(clock.case.title, TITLE_CHARS),
            section=clock.case.section.name, clock=clock.get_clock_display(), due_at=clock.due_at,
            overdue_hours=(end - clock.due_at).total_seconds() / 3600, link=link("case", clock.case.pk),
        ))
    return stats


def _blind_sources(scope: Scope, week: Week) -> list[BlindSource]:
    if scope.section is not None:
        return []  # sources serve the whole bureau; their health is the office's business
    sources = (Source.objects.filter(enabled=True).exclude(blind_reason="")
               .filter(Q(blind_since__isnull=True) | Q(blind_since__lt=week.end)).order_by("blind_since", "slug"))
    return [BlindSource(name=one_line(s.name, 30), reason=one_line(s.blind_reason, LINE_CHARS),
                        since=s.blind_since, new_this_week=bool(s.blind_since and s.blind_since >= week.start))
            for s in sources]


def gather(week: Week, scope: Scope) -> DigestData:
    mentions = relevant_mentions(scope)
    last = week.shifted(-1)
    this_rows, last_rows = _in(mentions, week), _in(mentions, last)
    return DigestData(
        week=week, scope=scope, bureau_name=settings.YUQING_BUREAU_NAME,
        this_week=_volume(this_rows), last_week=_volume(last_rows), days=week.days,
        daily_this=_daily(this_rows, week.days), daily_last=_daily(last_rows, last.days),
        daily_negative=_daily(this_rows, week.days, negative_only=True),
        events=_events(mentions, week, scope), negatives=_negatives(mentions, week),
        spikes=_spikes(mentions, week, scope), cases=_cases(scope, week),
        blind_sources=_blind_sources(scope, week), generated_at=timezone.now(),
    )

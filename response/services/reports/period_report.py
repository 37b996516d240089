"""Period reports (周报/月报/年报/任意时段): volume and sentiment, top stories, cases by channel /
level / section / state, on-time rates per clock, the overdue list, source health and, for a whole
calendar year, the paragraph the year-end self-inspection report quotes.

The figures come from the code that already computes them: `services.stats.case_stats` (counts,
on-time rates, the year table, as `yuqing stats`) and the weekly digest's gatherers (relevant
mentions, top stories, overdue clocks, blind sources), called over the report's own period.
"""
from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from response.models import Case, Channel, Reach, Sentiment
from response.services import dashboard
from response.services.digest.charts import cjk_font, stacked_bars_png

# Module-level helpers of the digest's gatherer, called with this report's own period (a Span has
# the `start`/`end` they read from a Week).
from response.services.digest.gather import (
    REACH_ORDER,
    Scope,
    relevant_mentions,
    scope_for,
)
from response.services.digest.gather import _cases as digest_cases
from response.services.digest.gather import _events as digest_events
from response.services.digest.gather import _volume as digest_volume
from response.services.digest.period import Week
from response.services.digest.text import one_line
from response.services.stats import RATE_RULE, case_stats, period_bounds

from .document import Document, Heading, Image, Paragraph, Table, fmt_cell, fmt_time, percent
from .story import REACH_COLOURS, SENTIMENT_ORDER

MONTHLY_AFTER_DAYS = 120
WEEKLY_AFTER_DAYS = 31


@dataclass(frozen=True)
class Span:
    """[start, end) in local time: what the digest's gatherers read from a `Week`."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive, as people write periods

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("结束日期不能早于开始日期")

    @property
    def span(self) -> Span:
        return Span(*period_bounds(self.first, self.last))

    @property
    def is_year(self) -> bool:
        return (self.first.month, self.first.day, self.last.month, self.last.day) == (1, 1, 12, 31) \
            and self.first.year == self.last.year

    @property
    def is_month(self) -> bool:
        return (self.first.day == 1 and self.first.year == self.last.year and self.first.month == self.last.month
                and self.last.day == calendar.monthrange(self.last.year, self.last.month)[1])

    @property
    def is_week(self) -> bool:
        return self.first.weekday() == 0 and self.last == self.first + timedelta(days=6)

    @property
    def masthead(self) -> str:
        return "舆情年报" if self.is_year else "舆情月报" if self.is_month else "舆情周报" if self.is_week else "舆情报告"

    @property
    def label(self) -> str:
        if self.is_year:
            return f"{self.first.year}年度"
        if self.is_month:
            return f"{self.first.year}年{self.first.month}月"
        if self.is_week:
            return Week.containing(self.first).title
        return f"{_day(self.first)}至{_day(self.last)}"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _buckets(period: Period) -> tuple[str, list[date], list[str]]:
    """The chart's unit and the first day of each bar: days, weeks (Monday) or months."""
    days = (period.last - period.first).days + 1
    if days <= WEEKLY_AFTER_DAYS:
        firsts = [period.first + timedelta(days=i) for i in range(days)]
        return "日", firsts, [f"{d.month}/{d.day}" for d in firsts]
    if days <= MONTHLY_AFTER_DAYS:
        monday = period.first - timedelta(days=period.first.weekday())
        firsts = [monday + timedelta(weeks=i) for i in range((period.last - monday).days // 7 + 1)]
        return "周", firsts, [f"{d.month}/{d.day}起" for d in firsts]
    firsts, at = [], period.first.replace(day=1)
    while at <= period.last:
        firsts.append(at)
        at = (at + timedelta(days=32)).replace(day=1)
    return "月", firsts, [f"{d.year % 100}年{d.month}月" if d.month == 1 or i == 0 else f"{d.month}月"
                         for i, d in enumerate(firsts)]


def _bucket_index(firsts: list[date], day: date) -> int:
    lo, hi = 0, len(firsts) - 1
    while lo < hi:  # the last bucket starting on or before `day`
        mid = (lo + hi + 1) // 2
        if firsts[mid] <= day:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _section_cases(scope: Scope) -> QuerySet[Case] | None:
    """A section's cases (lead or co-owner), every state, as `yuqing stats` counts them; None = all."""
    if scope.section is None:
        return None
    own = Case.objects.filter(Q(section=scope.section) | Q(co_sections=scope.section)).values("pk")
    return Case.objects.filter(pk__in=own)


def _volume_part(doc: Document, period: Period, scope: Scope) -> None:
    span = period.span
    mentions = relevant_mentions(scope)
    rows = list(mentions.filter(at__gte=span.start, at__lt=span.end).values_list("source__reach", "at", "sentiment"))
    volume = digest_volume(rows)
    doc.add(Heading("一、舆情总体情况"))
    if not volume.total:
        doc.add(Paragraph(f"{period.label}未监测到相关舆情。"))
        return
    doc.add(Paragraph(
        f"{period.label}共监测到相关舆情{volume.total}条，其中负面{volume.negative}条（占比{percent(volume.negative_share)}），"
        f"中性{volume.neutral}条，正面{volume.positive}条" + (f"，未研判{volume.unlabelled}条" if volume.unlabelled else "")
        + "。"))
    reach_counts = Counter(r for r, _, _ in rows)
    doc.add(Paragraph("按来源影响力：" + "、".join(f"{Reach(r).label}{reach_counts[r]}条"
                                            for r in REACH_ORDER if reach_counts.get(r)) + "。"))
    if cjk_font() is None:
        return
    unit, firsts, labels = _buckets(period)
    by_reach = {r: [0] * len(firsts) for r in REACH_ORDER}
    by_sentiment = {s: [0] * len(firsts) for s, _ in SENTIMENT_ORDER}
    for reach, at, sentiment in rows:
        i = _bucket_index(firsts, timezone.localtime(at).date())
        if reach in by_reach:
            by_reach[reach][i] += 1
        if sentiment in by_sentiment:
            by_sentiment[sentiment][i] += 1
    doc.add(Image(stacked_bars_png(labels, [(Reach(r).label, v, REACH_COLOURS[r]) for r, v in by_reach.items()]),
                  f"图1 舆情声量（按来源影响力，每{unit}条数）"))
    doc.add(Image(stacked_bars_png(labels, [(Sentiment(s).label, by_sentiment[s], c) for s, c in SENTIMENT_ORDER],
                                   size=(6.4, 2.2)), f"图2 情感倾向（每{unit}条数）"))


def _stories_part(doc: Document, period: Period, scope: Scope) -> None:
    doc.add(Heading("二、重点舆情"))
    events = digest_events(relevant_mentions(scope), period.span, scope)
    if not events:
        doc.add(Paragraph("本期无多来源传播的重点舆情事件。"))
        return
    doc.add(Table(["序号", "事件", "条数", "来源数", "负面", "概况"],
                  [[str(i), e.title, str(e.size), str(e.source_count), str(e.negative), e.summary]
                   for i, e in enumerate(events, 1)],
                  caption="表1 重点舆情事件（按传播范围排序）", widths=[0.6, 3, 0.7, 0.8, 0.7, 4.2]))


def _count_rows(counts: dict[str, int]) -> list[list[str]]:
    rows = [[k, str(v)] for k, v in counts.items() if v]
    return [*rows, ["合计", str(sum(counts.values()))]]


def _cases_part(doc: Document, period: Period, scope: Scope, stats: dict, now: datetime) -> None:
    doc.add(Heading("三、案件办理情况"))
    # Overdue as it stands at the period's end, or now for a period still running.
    as_of = Span(period.span.start, min(period.span.end, now))
    flow = digest_cases(scope, as_of)
    overdue = (f"有{flow.overdue_count}件案件存在超期未完成的时限" if flow.overdue_count
               else "无超期未完成的时限")
    doc.add(Paragraph(f"本期新立案{stats['total']}件；期内回应{flow.responded}件、办结{flow.closed}件；"
                      f"截至{fmt_time(as_of.end)}，{overdue}。"))
    doc.add(Heading("（一）案件分类统计", level=2))
    for key, title, n in (("by_channel", "按渠道", 2), ("by_level", "按级别", 3), ("by_section", "按科室", 4),
                          ("by_state", "按状态", 5)):
        doc.add(Table([title.removeprefix("按"), "件数"], _count_rows(stats[key]), caption=f"表{n} {title}统计",
                      widths=[3, 1]))
    doc.add(Heading("（二）按时办理情况", level=2))
    rows = [[label, str(r["total"]), str(r["met"]), str(r["late"]), str(r["overdue_running"]), str(r["judged"]),
             percent(r["rate"])] for label, r in stats["on_time"].items()]
    doc.add(Table(["时限", "总数", "按时", "超时", "进行中已逾期", "计入", "按时率"], rows, caption="表6 各时限按时率"))
    doc.add(Paragraph(RATE_RULE, note=True))
    doc.add(Heading("（三）超期未办结清单", level=2))
    if flow.overdue:
        doc.add(Table(["案件编号", "标题", "承办科室", "时限", "到期", "已超期"],
                      [[o.number, o.title, o.section, o.clock, fmt_cell(o.due_at), _hours(o.overdue_hours)]
                       for o in flow.overdue], caption="表7 超期未完成的时限", widths=[1.8, 3.4, 1.4, 0.8, 2, 1.2]))
        more = flow.overdue_count - len({o.number for o in flow.overdue})
        if more > 0:
            doc.add(Paragraph(f"另有{more}件超期案件未列出，详见案件看板。", note=True))
    else:
        doc.add(Paragraph("无超期未完成的时限。"))


def _hours(hours: float) -> str:
    days, rest = divmod(int(hours), 24)
    return f"{days}天{rest}小时" if days else f"{max(rest, 1)}小时"


def _sources(doc: Document, scope: Scope, now: datetime) -> None:
    if scope.section is not None:
        return  # sources serve the whole bureau: their health is the office's business
    doc.add(Heading("四、采集源运行情况"))
    health = dashboard.source_health(now)
    counts = Counter(h.status for h in health)
    doc.add(Paragraph(f"截至{fmt_time(now)}，共配置采集源{len(health)}个，正常{counts['ok']}个，"
                      f"失明{counts['blind']}个，连续失败{counts['failing']}个，长时间未成功{counts['stale']}个，"
                      f"已停用{counts['disabled']}个。"))
    trouble = [h for h in health if h.status in ("blind", "failing", "stale")]
    if trouble:
        doc.add(Table(["采集源", "类型", "状态", "最近成功"],
                      [[one_line(h.source.name, 30), h.source.get_kind_display(), one_line(h.label, 60),
                        fmt_cell(h.source.last_success_at) if h.source.last_success_at else "从未"] for h in trouble],
                      caption="表8 需关注的采集源", widths=[2, 1.6, 3, 2]))


def year_paragraph(period: Period, scope: Scope, stats: dict) -> str:
    """The sentence the year-end self-inspection report quotes (政务服务开展情况), ready to paste."""
    year = stats["year_table"]
    who = "我局" if scope.section is None else scope.name
    opinion = stats["by_channel"].get(Channel.OPINION.label, 0)
    handled = sum(v["handled"] for v in year.values())
    received = sum(v["received"] for v in year.values())
    rates = stats["on_time"]
    return (f"{period.first.year}年，{who}共办理网上留言{year['网上留言']['received']}件、"
            f"领导信箱{year['领导信箱']['received']}件，“12345”政务平台转办的投诉咨询建议件"
            f"{year['12345转办件']['received']}件，截至统计时点已办理{handled}件（共{received}件）；"
            f"监测处置网络舆情{opinion}件。回应{_rate_phrase(rates['回应'])}，办结{_rate_phrase(rates['办结'])}。")


def _rate_phrase(row: dict) -> str:
    if row["rate"] is None:
        return "时限均未到期、暂无按时率"
    return f"按时率{percent(row['rate'])}（{row['met']}/{row['judged']}件）"


def _year(doc: Document, period: Period, scope: Scope, stats: dict) -> None:
    doc.add(Heading("五、年度办理情况" if scope.section is None else "四、年度办理情况"))
    year = stats["year_table"]
    rows = [[k, str(v["received"]), str(v["handled"])] for k, v in year.items()]
    rows.append(["合计", str(sum(v["received"] for v in year.values())), str(sum(v["handled"] for v in year.values()))])
    doc.add(Table(["类别", "收到（件）", "已办理（件）"], rows, caption="表9 年度办理情况"))
    doc.add(Paragraph(year_paragraph(period, scope, stats)))
    doc.add(Paragraph("以上段落可直接用于年度政务公开工作自查报告；已办理指已回应或已办结。", note=True))


def period_document(first: date, last: date, section: str | None = None, now: datetime | None = None) -> Document:
    now = now or timezone.now()
    period = Period(first, last)
    scope = scope_for(section)
    stats = case_stats(first, last, now, within=_section_cases(scope))
    who = settings.YUQING_BUREAU_NAME + ("" if scope.section is None else scope.name)
    name = f"舆情报告-{first:%Y%m%d}-{last:%Y%m%d}" + ("" if scope.section is None else f"-{scope.code}")
    doc = Document(masthead=period.masthead, title=f"{who}{period.label}舆情报告",
                   bureau=settings.YUQING_BUREAU_NAME, generated_at=now, filename=name,
                   reference=f"统计时段：{_day(first)}—{_day(last)}")
    _volume_part(doc, period, scope)
    _stories_part(doc, period, scope)
    _cases_part(doc, period, scope, stats, now)
    _sources(doc, scope, now)
    if period.is_year:
        _year(doc, period, scope, stats)
    return doc

"""Render gathered digest data into a subject, an HTML body (inline CSS, tables) and a plain-text body.

Crawled text reaches the templates only through Django's autoescaping (HTML) and is already flattened
and capped by gather; images travel by Content-ID and become data: URIs only in the preview.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .charts import trend_png
from .gather import DigestData, Volume
from .period import local_zone
from .text import one_line

TREND_CID = "trend@yuqing"
EMPTY_WEEK = "本周未监测到相关舆情"


@dataclass
class Rendered:
    subject: str
    html: str
    text: str
    images: dict[str, bytes] = field(default_factory=dict)  # Content-ID (without <>) → PNG bytes

    def preview_html(self) -> str:
        """The HTML with every cid: image inlined as a data: URI, for viewing in a browser."""
        html = self.html
        for cid, png in self.images.items():
            html = html.replace(f"cid:{cid}", "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
        return html


def subject_for(data: DigestData) -> str:
    who = one_line(data.bureau_name, 30)
    if not data.scope.is_bureau:
        who = f"{who}·{one_line(data.scope.name, 30)}"
    return f"【{who}】舆情周报 {data.week.title}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def delta(now: int, before: int) -> str:
    """'较上周 +12（+35%）' — the change a reader looks for first."""
    if now == before:
        return "与上周持平"
    diff = now - before
    if before == 0:
        return f"较上周 +{diff}（上周为0）"
    return f"较上周 {diff:+d}（{diff / before * 100:+.0f}%）"


def _kpis(this: Volume, last: Volume) -> list[dict]:
    return [
        {"label": "舆情总量", "value": this.total, "note": delta(this.total, last.total), "color": "#1f5fa8"},
        {"label": "负面", "value": this.negative,
         # Kept to one line so the four cards stay level; the sentence below carries the comparison.
         "note": f"占比 {percent(this.negative_share)}，上周 {last.negative}", "color": "#c9302c"},
        {"label": "中性", "value": this.neutral, "note": f"占比 {percent(this.share(this.neutral))}",
         "color": "#5b6770"},
        {"label": "正面", "value": this.positive, "note": f"占比 {percent(this.share(this.positive))}",
         "color": "#2e7d32"},
    ]


def _duration(hours: float) -> str:
    days, rest = divmod(int(hours), 24)
    return f"{days}天{rest}小时" if days else f"{max(rest, 1)}小时"


def context_for(data: DigestData, *, chart_src: str | None) -> dict:
    zone = local_zone()
    cases = data.cases
    return {
        "d": data,
        "subject": subject_for(data),
        "bureau": one_line(data.bureau_name, 30),
        "scope_label": "全局" if data.scope.is_bureau else one_line(data.scope.name, 30),
        "empty_week": EMPTY_WEEK,
        "kpis": _kpis(data.this_week, data.last_week),
        "volume_sentence": (
            f"本周监测到相关舆情 {data.this_week.total} 条，{delta(data.this_week.total, data.last_week.total)}；"
            f"其中负面 {data.this_week.negative} 条（占比 {percent(data.this_week.negative_share)}），"
            f"上周负面 {data.last_week.negative} 条。"
        ),
        "chart_src": chart_src,
        "daily_rows": [
            {"day": f"{d.month}/{d.day}", "this": t, "last": lw, "negative": n}
            for d, t, lw, n in zip(data.days, data.daily_this, data.daily_last, data.daily_negative)
        ],
        "negatives": [
            {"item": item, "when": timezone.localtime(item.when, zone).strftime("%m-%d %H:%M") if item.when else "",
             "score": percent(item.score) if item.score else ""}
            for item in data.negatives
        ],
        "spikes": [
            {"spike": s, "when": timezone.localtime(s.hour, zone).strftime("%m月%d日 %H时"),
             "expected": f"{s.expected:.1f}"}
            for s in data.spikes
        ],
        "case_kpis": [
            {"label": "新立案", "value": cases.opened}, {"label": "已回应", "value": cases.responded},
            {"label": "已办结", "value": cases.closed}, {"label": "超期未办", "value": cases.overdue_count},
        ],
        "rates": [{"r": r, "rate": percent(r.rate)} for r in cases.rates],
        "any_due": any(r.due for r in cases.rates),
        "overdue": [
            {"o": o, "due": timezone.localtime(o.due_at, zone).strftime("%m-%d %H:%M"),
             "late": _duration(o.overdue_hours)}
            for o in cases.overdue
        ],
        "overdue_more": max(cases.overdue_count - len({o.number for o in cases.overdue}), 0),
        "blind": [
            {"s": s, "since": timezone.localtime(s.since, zone).strftime("%m-%d %H:%M") if s.since else "未知"}
            for s in data.blind_sources
        ],
        "base_url": settings.YUQING_BASE_URL.rstrip("/") + "/",
        "generated": timezone.localtime(data.generated_at, zone).strftime("%Y-%m-%d %H:%M"),
    }


def render(data: DigestData, *, chart: bool = True) -> Rendered:
    images: dict[str, bytes] = {}
    if chart and data.has_chart:
        images[TREND_CID] = trend_png(data.days, data.daily_this, data.daily_last, data.daily_negative)
    context = context_for(data, chart_src=f"cid:{TREND_CID}" if images else None)
    return Rendered(
        subject=context["subject"],
        html=render_to_string("digest/digest.html", context),
        text=render_to_string("digest/digest.txt", context),
        images=images,
    )

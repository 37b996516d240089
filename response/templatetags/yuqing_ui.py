"""Template helpers for the duty officers' screens: navigation, highlights, countdowns, SVG charts.

Everything that builds HTML here escapes its inputs with `format_html`/`escape`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from response.services import highlight
from response.views.access import nav_items as _nav_items

register = template.Library()

SENTIMENT_COLOURS = {"negative": "#c0392b", "neutral": "#8a94a6", "positive": "#2e8b57"}


@register.simple_tag
def nav_items(user) -> list[tuple[str, str]]:
    from response import roles

    items = [*_nav_items(user), ("search", "全局搜索")]
    if roles.manages_digest(user):
        items.append(("digest_preview", "周报预览"))
    return items


@register.simple_tag
def snippet(m) -> SafeString:
    return highlight.snippet(m.title, m.text, m.keywords)


@register.simple_tag
def title_html(m) -> SafeString:
    return highlight.highlight_parts(m.title, "", m.keywords)[0]


def remaining_text(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        span = f"{days}天{hours}小时"
    elif hours:
        span = f"{hours}小时{minutes}分"
    else:
        span = f"{minutes}分钟"
    return f"已超时 {span}" if delta.total_seconds() < 0 else f"剩余 {span}"


def due_state(due: datetime, now: datetime, started: datetime | None = None) -> str:
    left = (due - now).total_seconds()
    if left < 0:
        return "over"
    total = (due - started).total_seconds() if started else 0
    if left < 2 * 3600 or (total > 0 and left / total < 0.25):
        return "soon"
    return "ok"


@register.filter
def when(value: datetime | None) -> str:
    """A moment in local time as "01-05 09:00" within the current year and "2027-01-05 09:00"
    otherwise, so a due time next January is not read as last January's."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    fmt = "%m-%d %H:%M" if local.year == timezone.localdate().year else "%Y-%m-%d %H:%M"
    return local.strftime(fmt)


@register.simple_tag
def due_badge(due: datetime | None, started: datetime | None = None, stopped: datetime | None = None) -> SafeString:
    """A countdown coloured by remaining time; the page's script keeps it ticking."""
    if due is None:
        return mark_safe('<span class="due due-none">无时限</span>')
    if stopped is not None:
        met = stopped <= due
        return format_html('<span class="due {}">{}</span>', "due-met" if met else "due-late",
                           "按时完成" if met else f"超时完成（{remaining_text(stopped - due)[4:]}）")
    now = timezone.now()
    local = timezone.localtime(due)
    return format_html(
        '<span class="due due-{}" data-due="{}" data-start="{}" title="到期 {}">{}</span>',
        due_state(due, now, started), due.isoformat(), started.isoformat() if started else "",
        local.strftime("%Y-%m-%d %H:%M"), remaining_text(due - now),
    )


SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}


@register.filter
def sentiment_label(value: str) -> str:
    return SENTIMENT_LABELS.get(value, value)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, 0) if mapping else 0


@register.simple_tag
def volume_chart(rows: list[dict], width: int = 1000, height: int = 220) -> SafeString:
    """Stacked bars of mentions per day by sentiment, as inline SVG."""
    if not rows:
        return mark_safe("")
    pad_l, pad_b, pad_t = 40, 22, 10
    peak = max(r["total"] for r in rows) or 1
    bar_w = (width - pad_l) / len(rows)
    scale = (height - pad_b - pad_t) / peak
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="每日声量与情感">']
    parts.append(f'<text x="{pad_l - 6}" y="{pad_t + 4}" text-anchor="end" class="axis">{peak}</text>')
    parts.append(f'<text x="{pad_l - 6}" y="{height - pad_b}" text-anchor="end" class="axis">0</text>')
    for i, row in enumerate(rows):
        x = pad_l + i * bar_w + 2
        y = height - pad_b
        for key in ("negative", "neutral", "positive"):
            h = row.get(key, 0) * scale
            if h <= 0:
                continue
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
                f'fill="{SENTIMENT_COLOURS[key]}"><title>{escape(row["day"].strftime("%m-%d"))} '
                f'{ {"negative": "负面", "neutral": "中性", "positive": "正面"}[key]} {row.get(key, 0)}</title></rect>'
            )
        parts.append(
            f'<text x="{x + (bar_w - 4) / 2:.1f}" y="{height - 6}" text-anchor="middle" class="axis">'
            f'{row["day"].strftime("%m-%d")}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@register.simple_tag
def hbar_chart(pairs: list[tuple], width: int = 480, colour: str = "#1d3557") -> SafeString:
    """Horizontal bars for (label, value) pairs; labels are escaped."""
    if not pairs:
        return mark_safe('<p class="muted">暂无数据</p>')
    row_h, label_w = 24, 120
    peak = max(v for _, v in pairs) or 1
    height = row_h * len(pairs)
    parts = [f'<svg class="chart hbar" viewBox="0 0 {width} {height}" role="img" style="max-width:{width}px">']
    for i, (label, value) in enumerate(pairs):
        y = i * row_h
        w = (width - label_w - 50) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" class="label">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{escape(colour)}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" class="axis">{int(value)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


@register.filter
def safe_url(value: str) -> str:
    """Crawled or typed links go into href only if they are web links; `javascript:` etc. become '#'."""
    url = (value or "").strip()
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        return url
    return "#"


@register.filter
def audit_label(action: str) -> str:
    """The Chinese name of an audit action."""
    from response.services.audit import action_label

    return action_label(action)

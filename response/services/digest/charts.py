"""The digest's trend chart: daily volume this week against last week, negative items as bars.

Rendered with matplotlib's Agg backend (no display on a worker). Chinese labels need a CJK font;
when none is installed the chart falls back to English labels rather than showing empty boxes.
"""
from __future__ import annotations

import io
import logging
from datetime import date
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

# Debian's fonts-noto-cjk first; other common locations after it.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei")
WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BLUE, GREY, RED = "#1f5fa8", "#9aa5b1", "#d9534f"


def _installed(families: tuple[str, ...]) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in families if name in names), None)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """A Simplified-Chinese font family, registering a known file if needed; None if there is none.

    The SC face is asked for by name: a .ttc's first face is often the Japanese one, whose glyph
    forms differ for some Han characters.
    """
    found = _installed(CJK_FAMILIES)
    if found:
        return found
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError) as exc:  # a broken font file must not break the digest
                logger.warning("digest.font_unusable path=%s error=%s", path, exc)
                continue
            return _installed(CJK_FAMILIES) or font_manager.FontProperties(fname=path).get_name()
    return None


def trend_png(days: list[date], this_week: list[int], last_week: list[int], negative: list[int],
              *, font: str | None = "auto") -> bytes:
    """A 640×240 px (rendered at 2× for sharp display) PNG of the week's daily trend."""
    family = cjk_font() if font == "auto" else font
    chinese = family is not None
    labels = [f"{d.month}/{d.day}\n{'周' + WEEKDAYS_ZH[d.weekday()] if chinese else WEEKDAYS_EN[d.weekday()]}"
              for d in days]
    rc = {"font.family": [family] if chinese else ["DejaVu Sans"], "font.size": 9, "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(6.4, 2.4), dpi=200)
        ax = fig.add_subplot()
        x = range(len(days))
        ax.bar(x, negative, width=0.5, color=RED, alpha=0.35, label="本周负面" if chinese else "Negative")
        ax.plot(x, last_week, color=GREY, linestyle="--", marker="o", markersize=3, linewidth=1.2,
                label="上周" if chinese else "Last week")
        ax.plot(x, this_week, color=BLUE, marker="o", markersize=4, linewidth=2,
                label="本周" if chinese else "This week")
        for i, value in enumerate(this_week):
            ax.annotate(str(value), (i, value), textcoords="offset points", xytext=(0, 5),
                        ha="center", fontsize=8, color=BLUE)
        ax.set_xticks(list(x), labels)
        top = max([*this_week, *last_week, *negative, 1])
        ax.set_ylim(0, top * 1.25 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#e5e8eb", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", ncol=3, frameon=False, fontsize=8)
        fig.tight_layout(pad=0.6)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def stacked_bars_png(labels: list[str], series: list[tuple[str, list[int], str]], *,
                     size: tuple[float, float] = (6.4, 2.6), font: str | None = "auto") -> bytes:
    """Stacked bars, one stack per label (an hour, a day, a week…), one colour per series, with
    the stack's total above it. Used by the 舆情专报 (copies by source reach) and the period
    reports (volume by sentiment); series names are shown as given, so callers pass Chinese
    names only when `cjk_font()` found a font."""
    family = cjk_font() if font == "auto" else font
    rc = {"font.family": [family] if family else ["DejaVu Sans"], "font.size": 8, "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=size, dpi=200)
        ax = fig.add_subplot()
        x = list(range(len(labels)))
        bottom = [0] * len(labels)
        for name, values, colour in series:
            if not any(values):
                continue  # an empty series would only crowd the legend
            ax.bar(x, values, bottom=bottom, width=0.7, color=colour, label=name, linewidth=0)
            bottom = [b + v for b, v in zip(bottom, values)]
        # Label every stack when they fit; on long axes only the peaks would be readable anyway.
        step = max(1, len(labels) // 16)
        for i, total in enumerate(bottom):
            if total and (len(labels) <= 24 or total == max(bottom)):
                ax.annotate(str(total), (i, total), textcoords="offset points", xytext=(0, 3),
                            ha="center", fontsize=7, color="#333333")
        ax.set_xticks(x[::step], labels[::step])
        ax.set_xlim(-0.6, max(len(labels) - 0.4, 0.6))
        ax.set_ylim(0, max([*bottom, 1]) * 1.22 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#e5e8eb", linewidth=0.6)
        ax.set_axisbelow(True)
        if any(any(values) for _, values, _ in series):
            ax.legend(loc="upper left", ncol=len(series), frameon=False, fontsize=7)
        fig.tight_layout(pad=0.6)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()

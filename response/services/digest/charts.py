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

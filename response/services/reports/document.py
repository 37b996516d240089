"""A report as plain blocks (headings, paragraphs, tables, images), written once and rendered twice:
by the DOCX writer (python-docx) and by the PDF writer (WeasyPrint over an HTML template).

Keeping the content in one neutral shape means the 舆情专报 a leader reads in Word and the PDF
that is printed and filed say exactly the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

# The marking every internal report carries (内部资料), in header and masthead.
CLASSIFICATION = "内部资料 注意保存"

# Font families, most wanted first. Government documents (GB/T 9704) set titles in 方正小标宋,
# first-level headings in 黑体, second-level in 楷体 and body text in 仿宋; the office PCs that open
# the DOCX have them. The PDF is rendered here, where usually only Noto CJK is installed: the CSS
# lists the same families and falls back to Noto Serif / Sans CJK SC, which WeasyPrint embeds.
TITLE_FONTS = ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong",
               "Noto Serif CJK SC")
HEADING_FONTS = ("黑体", "SimHei", "Noto Sans CJK SC")
SUBHEADING_FONTS = ("楷体_GB2312", "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC")
BODY_FONTS = ("仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC")
MASTHEAD_RED = "C00000"


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: 一、… (黑体); 2: （一）… (楷体)


@dataclass
class Paragraph:
    text: str
    note: bool = False  # a small explanatory line (口径说明), not body text


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    # Relative column widths; None = equal.
    widths: list[float] | None = None


@dataclass
class Image:
    png: bytes
    caption: str
    width_cm: float = 15.5


Block = Heading | Paragraph | Table | Image


@dataclass
class Document:
    """One report. `masthead` is the red banner (舆情专报, 舆情周报 …), `title` the document's own title."""

    masthead: str
    title: str
    bureau: str
    generated_at: datetime
    filename: str  # without extension
    reference: str = ""  # e.g. the case number, shown under the masthead
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    @property
    def generated_label(self) -> str:
        return timezone.localtime(self.generated_at).strftime("%Y年%m月%d日 %H:%M")

    @property
    def date_label(self) -> str:
        local = timezone.localtime(self.generated_at)
        return f"{local.year}年{local.month}月{local.day}日"

    def headings(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Heading)]


def fmt_time(moment: datetime | None) -> str:
    """How times read in a sentence: 2026年12月1日09:30 (local time)."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def fmt_cell(moment: datetime | None) -> str:
    """How times read in a table cell, where width is short: 2026-12-01 09:30."""
    return "—" if moment is None else timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"

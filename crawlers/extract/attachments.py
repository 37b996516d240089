"""Attachment lines of a notice (``附件：1.报名表.docx``) that the body extractor dropped.

A 通知公告 lists its attachments as links inside the body; trafilatura reads a paragraph that
is all link as navigation and drops it, so the notice loses what it asks readers to fill in.
We put back leaf blocks whose text names a document file and that sit between the body's
first and last lines on the page, or an "附件：" line straight after the last one, in page order. The separate "附件下载" box that templates add
after the body lies outside that span and is not body.
"""

from __future__ import annotations

import re

from parsel import Selector

_FILE_LINE_RE = re.compile(
    r"^(?:附件\s*\d*\s*[:：]?\s*)?[^\n]{0,80}?\.(?:docx?|xlsx?|et|wps|pdf|ofd|pptx?|zip|rar|7z|txt)$",
    re.IGNORECASE,
)
_LEAF_XPATH = (
    "//*[self::p or self::li or self::td or self::div]"
    "[not(.//p or .//li or .//td or .//div)]"
)
_SPACE_RE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE_RE.sub("", text)


def _right_after(page: str, end: int, at: int, squashed: str) -> bool:
    """An "附件：…" line printed straight after the body's last line (the notice's own
    attachment list, as opposed to a separate 附件下载 box with its own heading)."""
    return squashed.startswith("附件") and 0 <= at - end <= 2


def restore_attachment_lines(sel: Selector, page_text: str, text: str, body_start: int,
                             body_end: int) -> str:
    """``text`` with attachment lines found on the page between the body's ends put back."""
    if not text or body_start < 0:
        return text
    page = _squash(page_text)
    start = len(_squash(page_text[:body_start]))
    end = len(_squash(page_text[:body_end]))
    have = _squash(text)
    extra: list[tuple[int, str]] = []
    for node in sel.xpath(_LEAF_XPATH):
        line = _SPACE_RE.sub(" ", "".join(node.xpath(".//text()").getall())).strip()
        squashed = _squash(line)
        if not _FILE_LINE_RE.match(line) or squashed in have:
            continue
        at = page.find(squashed, start)
        if at >= 0 and (at + len(squashed) <= end or _right_after(page, end, at, squashed)):
            extra.append((at, line))
    if not extra:
        return text
    placed: list[tuple[int, str]] = []
    cursor = start
    for line in text.split("\n"):
        at = page.find(_squash(line)[:12], cursor)
        cursor = at if at >= 0 else cursor
        placed.append((cursor, line))
    merged = sorted(placed + extra, key=lambda item: item[0])  # stable: body order kept
    return "\n".join(line for _, line in merged)

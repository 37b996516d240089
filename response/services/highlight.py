"""Keyword highlighting for crawled (hostile) text: escape first, then wrap the matched spans.

`Mention.keywords` holds `[{plan, term, start, end}]` offsets into `title + "\\n" + text`, the
string the judgement service hands to the keyword matcher (which folds width/case without
changing length, so offsets line up with the stored text). Offsets are checked against the text
before use: a span that no longer matches its term (text edited, model re-run on another
normalisation) is dropped rather than highlighting the wrong characters.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from analysis.text import fold


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    plan: str
    term: str


def full_text(title: str, text: str) -> str:
    """The exact string keyword offsets refer to."""
    return f"{title}\n{text}"


def valid_spans(text: str, hits: Iterable[dict]) -> list[Span]:
    """Spans inside `text` whose characters still fold to the hit's term, sorted, overlaps merged."""
    spans: list[Span] = []
    for hit in hits or ():
        try:
            start, end = int(hit["start"]), int(hit["end"])
            term, plan = str(hit.get("term", "")), str(hit.get("plan", ""))
        except (KeyError, TypeError, ValueError):
            continue
        if not (0 <= start < end <= len(text)):
            continue
        if term and fold(text[start:end]) != fold(term):
            continue
        spans.append(Span(start, end, plan, term))
    spans.sort(key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    for span in spans:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.plan, last.term)
            continue
        merged.append(span)
    return merged


def shift(spans: Iterable[Span], offset: int, length: int) -> list[Span]:
    """Spans moved into a substring starting at `offset` of `length` chars (clipped to it)."""
    out = []
    for s in spans:
        start, end = max(s.start - offset, 0), min(s.end - offset, length)
        if start < end:
            out.append(Span(start, end, s.plan, s.term))
    return out


def render(text: str, spans: Iterable[Span]) -> SafeString:
    """HTML for `text` with every span wrapped in <mark>; every piece of text is escaped."""
    parts: list[str] = []
    pos = 0
    for s in spans:
        if s.start < pos:
            continue
        parts.append(escape(text[pos:s.start]))
        label = escape(f"监测方案：{s.plan}" if s.plan else "关键词")
        parts.append(f'<mark class="kw" title="{label}">{escape(text[s.start:s.end])}</mark>')
        pos = s.end
    parts.append(escape(text[pos:]))
    return mark_safe("".join(parts))


def highlight_parts(title: str, text: str, hits: Iterable[dict]) -> tuple[SafeString, SafeString]:
    """(title HTML, body HTML) with keyword highlights, from offsets into title + "\\n" + text."""
    spans = valid_spans(full_text(title, text), hits)
    body_offset = len(title) + 1
    return (
        render(title, shift(spans, 0, len(title))),
        render(text, shift(spans, body_offset, len(text))),
    )


def snippet(title: str, text: str, hits: Iterable[dict], width: int = 70) -> SafeString:
    """A short escaped excerpt of the body around its first keyword hit (or its start)."""
    spans = shift(valid_spans(full_text(title, text), hits), len(title) + 1, len(text))
    first = spans[0].start if spans else 0
    start = max(first - width // 3, 0)
    end = min(start + width, len(text))
    piece = text[start:end].replace("\n", " ")
    html = render(piece, shift(spans, start, end - start))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(f"{prefix}{html}{suffix}")

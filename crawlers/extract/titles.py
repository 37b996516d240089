"""Which text on a page is the article's headline.

``<title>`` carries site and column names (``…_工作动态_漳州市农业农村局``, ``广西民宗委 - 工作动态
- …``) and sometimes drops the headline's column prefix (``【铸牢共同体 中华一家亲】``); ``<h1>`` is
the headline on most templates but the site logo on others. We therefore collect the page's
heading-like elements and keep the one sharing the longest run of characters with ``<title>``
/ ``og:title``: the logo shares a few characters, the headline shares most of them.
"""

from __future__ import annotations

import re

from parsel import Selector
from w3lib.html import remove_tags, replace_entities

_TITLE_SEP = re.compile(r"\s*(?:[_|｜]|\s[-–—]+\s|——|--|(?<=[\u3400-\u9fff）)》」”])-(?=[\u3400-\u9fff]))\s*")
_SPACE_RE = re.compile(r"\s+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_HEADING_XPATH = (
    "//h1 | //h2 | //h3"
    " | //*[(contains(@class,'title') or contains(@id,'title') or contains(@class,'tit')"
    " or contains(@class,'headline') or contains(@class,'biaoti') or contains(@class,'bt'))"
    " and not(self::title) and not(self::meta) and not(self::html) and not(self::body)]"
)
_MIN_SHARED = 4


def _squash(text: str) -> str:
    return _SPACE_RE.sub(" ", text or "").strip()


def plain_title(value: str | None) -> str:
    """A title meta's text: CMSs store the headline's markup in ``ArticleTitle``/``og:title``
    (``<font color=red>…</font>``, escaped once or twice); tags and entities are not title."""
    text = value or ""
    for _ in range(2):
        text = remove_tags(replace_entities(text))
    return _squash(text)


def is_site_name(text: str, site_names: list[str] | tuple[str, ...]) -> bool:
    """Whether ``text`` is only the site's name (the logo, a bare ``<title>``), perhaps with a
    short greeting (``北岸新闻网欢迎您``) — never the headline."""
    squashed = _SPACE_RE.sub("", text or "")
    for name in site_names:
        name = _SPACE_RE.sub("", name or "")
        if len(name) >= 2 and squashed and (
            squashed in name or (name in squashed and len(squashed) - len(name) <= 4)
        ):
            return True
    return False


def clean_title(title: str, *, site_name: str | None = None, heading: str | None = None) -> str:
    """Strip site and column names (``…_漳州市司法局``, ``… - 新华网``) from a page title.

    A heading contained in the title is the cleanest answer; otherwise the title is split at
    its separators and the part with the most Chinese characters that is not the site name
    wins (sites put their name first or last; column and site names are short).
    """
    title = _squash(title)
    if heading:
        heading = _squash(heading)
        if len(heading) >= 4 and heading in title:
            return heading
    parts = [p for p in _TITLE_SEP.split(title) if p and p.strip()]
    if len(parts) <= 1:
        return title
    if site_name:
        parts = [p for p in parts if not (p in site_name or site_name in p)] or parts
    return max(parts, key=lambda p: (len(_CJK_RE.findall(p)), -parts.index(p)))


def _longest_shared(a: str, b: str) -> int:
    """Length of the longest common substring (headlines are short: O(n·m) is fine)."""
    best = 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, 1):
            if ch == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def heading_candidates(sel: Selector, limit: int = 60) -> list[str]:
    """Texts of heading-like elements (h1-h3, ``*title*`` classes) in page order."""
    texts: list[str] = []
    for node in sel.xpath(_HEADING_XPATH)[:limit]:
        text = _squash(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))
        if 4 <= len(text) <= 150 and text not in texts:
            texts.append(text)
    return texts


def choose_title(sel: Selector, *, page_titles: list[str], site_name: str | None = None,
                 site_names: tuple[str, ...] = (), page_text: str = "", body_start: int = -1
                 ) -> str:
    """The headline: the heading most like ``<title>``/``og:title``, else the cleaned title,
    else (no usable title) the heading nearest above the body. The site's name (logo, a bare
    ``<title>``, ``og:site_name``) is never the headline."""
    names = tuple(n for n in (*site_names, site_name) if n)
    page_titles = [t for t in (plain_title(t) for t in page_titles)
                   if t and not is_site_name(t, names)]
    reference = " ".join(page_titles)
    best, best_score = "", 0
    candidates = [t for t in heading_candidates(sel) if not is_site_name(t, names)]
    for text in candidates:
        score = _longest_shared(text, reference) if reference else 0
        # A heading must share a real run of the title and be mostly that run; among equal
        # runs the shorter element is the tighter one (a wrapper also holds the info bar).
        if score >= _MIN_SHARED and score >= 0.5 * len(text) and (
            score > best_score or (score == best_score and len(text) < len(best))
        ):
            best, best_score = text, score
    if best:
        return best
    for raw in page_titles:
        title = clean_title(raw, site_name=site_name)
        if title and not is_site_name(title, names):
            return title
    return nearest_heading(candidates, page_text, body_start)


def nearest_heading(candidates: list[str], page_text: str, body_start: int) -> str:
    """The heading printed last before the body starts (a headline sits right above its
    article; logos and column names come earlier), else the first heading."""
    if body_start > 0:
        placed = [(page_text.rfind(text, 0, body_start), text) for text in candidates]
        placed = [(at, text) for at, text in placed if at >= 0 and len(text) >= 6]
        if placed:
            return max(placed)[1]
    return candidates[0] if candidates else ""

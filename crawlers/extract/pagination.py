"""Continuation pages of one multi-page article (``xxx_2.html``, ``?page=2``).

News and government CMSs split long articles over pages and put a pager after the body
(``第1页 2 3 下一页 共3页``). A continuation is recognised by its URL *shape relative to page 1*,
never by the pager text alone: ``/news/1130123.html`` continues as ``/news/1130123_2.html`` or
``-2.html`` (same directory, same full name plus a page number, same extension), or as the same
path and query plus a page parameter (``?id=5&page=2``). That keeps out "下一篇" (another
article: another name), list pagination (``index_1.html`` is not the article's name) and
pager links of a list page that happen to sit on the article page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawlers.extract.canonical import host_of

__all__ = ["continuation_links", "drop_continuations", "page_number"]

# Anchor texts a pager uses: a page number, "第2页", "下一页", arrows.
_PAGER_TEXT_RE = re.compile(
    r"^[\[【(（]?\s*(?:\d{1,2}|第\s*\d{1,2}\s*页|下一页|下页|后一页|下一頁|next(?:\s+page)?|>|›|»|>>)"
    r"\s*[\]】)）]?$",
    re.IGNORECASE,
)
_PAGE_PARAMS = ("page", "p", "pn", "pageno", "page_no", "curpage", "pageindex", "cp")
_PATH_RE = re.compile(r"^(?P<base>.*/[^/]+?)(?P<ext>\.[A-Za-z]{2,6})?$")
_MAX_PAGE = 99
_EXT_RE = re.compile(r"\.[A-Za-z]{2,6}\Z")
_NUMBER_RE = re.compile(r"[_-](\d{1,2})")
_NUMBERED_RE = (re.compile(r"[_-]\d\Z"), re.compile(r"[_-]\d\d\Z"))


def page_number(url: str, first_url: str) -> int | None:
    """Which page of the article at ``first_url`` the URL is (1 for page 1 itself), or None
    when it is not one of that article's pages."""
    page, first = urlsplit(url), urlsplit(first_url)
    if host_of(url) != host_of(first_url) or page.scheme not in ("http", "https"):
        return None
    first_query = sorted(parse_qsl(first.query, keep_blank_values=True))
    query = parse_qsl(page.query, keep_blank_values=True)
    if page.path == first.path:
        if sorted(query) == first_query:
            return 1
        params = [(k, v) for k, v in query if k.lower() in _PAGE_PARAMS]
        rest = sorted((k, v) for k, v in query if k.lower() not in _PAGE_PARAMS)
        if len(params) == 1 and params[0][1].isdigit() and rest == first_query:
            number = int(params[0][1])
            return number if 1 <= number <= _MAX_PAGE else None
        return None
    match = _PATH_RE.match(first.path)
    if not match or sorted(query) != first_query:
        return None
    base, ext = match["base"], match["ext"] or ""
    # Literal prefix/suffix tests: a regex built per pair would be compiled afresh per call.
    middle = page.path[len(base): len(page.path) - len(ext)]
    fits = (len(page.path) >= len(base) + len(ext) + 2 and page.path.startswith(base)
            and page.path.endswith(ext))
    suffix = _NUMBER_RE.fullmatch(middle) if fits else None
    # "_1" is page 2 on TRS sites and page 1 nowhere: the order is what matters, so any
    # numbered page comes after the unnumbered first one.
    return int(suffix[1]) + 1 if suffix else None


def _page_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    return host_of(url), parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def _first_page_keys(url: str) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Keys of every URL that ``url`` could be a later page of.

    The inverse of ``page_number``'s two shapes: drop the page parameter, or drop the
    ``_N``/``-N`` before the extension. A superset on purpose: ``page_number`` still decides.
    """
    parts = urlsplit(url)
    host, path = host_of(url), parts.path
    query = parse_qsl(parts.query, keep_blank_values=True)
    keys = []
    rest = tuple(sorted((k, v) for k, v in query if k.lower() not in _PAGE_PARAMS))
    if len(rest) < len(query):
        keys.append((host, path, rest))
    full = tuple(sorted(query))
    ext_match = _EXT_RE.search(path)
    for ext in {"", ext_match[0] if ext_match else ""}:
        stem = path[: len(path) - len(ext)]
        for numbered in _NUMBERED_RE:
            if match := numbered.search(stem):
                keys.append((host, stem[: match.start()] + ext, full))
    return keys


def drop_continuations(urls: list[str]) -> list[str]:
    """``urls`` without those that are page 2+ of another URL in the list, in order.

    A list page may link an article's page 2 beside page 1; the continuation is read through
    page 1's pager. Linear in the number of links: an archive page lists ten thousand.
    """
    by_key: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[str]] = {}
    for url in urls:
        by_key.setdefault(_page_key(url), []).append(url)
    kept = []
    for url in urls:
        firsts = (other for key in _first_page_keys(url) for other in by_key.get(key, ()))
        if not any(other != url and (page_number(url, other) or 0) > 1 for other in firsts):
            kept.append(url)
    return kept


def continuation_links(html: str, url: str, first_url: str) -> list[tuple[int, str]]:
    """``(page number, absolute URL)`` of the article's other pages linked from a pager on
    ``html`` (the page at ``url``), in page order, without page 1 and duplicates."""
    sel = Selector(text=html)
    found: dict[int, str] = {}
    anchors = sel.xpath("//a[@href]")
    for anchor in anchors:
        text = re.sub(r"\s+", " ", " ".join(anchor.xpath(".//text()").getall())).strip()
        if not _PAGER_TEXT_RE.match(text) and anchor.attrib.get("rel") != "next":
            continue
        href = anchor.attrib["href"].strip()
        if href.lower().startswith(("javascript:", "#", "mailto:")):
            continue
        target = urljoin(url, href).split("#", 1)[0]
        number = page_number(target, first_url)
        if number is not None and number > 1:
            found.setdefault(number, target)
    return sorted(found.items())

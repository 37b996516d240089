"""List-page link discovery: which links are articles, and where the next page is.

Without selectors we keep same-host links whose anchor text reads like a headline and
that are not inside navigation/header/footer blocks; the next page is the link labelled
下一页 (or rel=next), or the page the TRS ``createPageHTML`` script would generate.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawlers.extract.canonical import canonicalize, host_of
from crawlers.extract.selectors import select_all

_NEXT_TEXTS = ("下一页", "下页", "后一页", "下一頁", "next", "next page", ">", "›", "»", ">>")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
_BLOCK_CONTAINERS = (
    "ancestor::nav or ancestor::header or ancestor::footer or "
    "ancestor::*[contains(@class,'nav') or contains(@class,'footer') or contains(@class,'header')"
    " or contains(@class,'menu') or contains(@class,'crumb') or contains(@class,'location')"
    " or contains(@class,'page') or contains(@id,'nav') or contains(@id,'footer')]"
)
_NOT_ARTICLE_EXT = re.compile(r"\.(?:jpg|jpeg|png|gif|pdf|docx?|xlsx?|zip|rar|css|js|mp4)$", re.IGNORECASE)
_CREATE_PAGE_RE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)


def _anchor_text(anchor: Selector) -> str:
    text = " ".join(anchor.xpath(".//text()").getall()).strip()
    return re.sub(r"\s+", " ", text) or (anchor.attrib.get("title") or "").strip()


def _usable(href: str | None) -> bool:
    return bool(href) and not href.strip().lower().startswith(_SKIP_SCHEMES)


def discover_links(
    html: str,
    base_url: str,
    *,
    allowed_hosts: set[str] | None = None,
    selector: str | None = None,
    min_text: int = 6,
) -> list[str]:
    """Absolute article URLs on a list page, in page order, without duplicates.

    ``selector`` (CSS or XPath, matching ``a`` elements or their containers) overrides the
    heuristics. Links to other hosts are never returned unless ``allowed_hosts`` names them.
    """
    sel = Selector(text=html)
    hosts = {h.lower() for h in (allowed_hosts or set())} | {host_of(base_url)}
    page = canonicalize(base_url)
    if selector:
        anchors = []
        for node in select_all(sel, selector):
            anchors.extend([node] if node.root.tag == "a" else node.xpath(".//a[@href]"))
        strict = False
    else:
        anchors = sel.xpath(f"//a[@href][not({_BLOCK_CONTAINERS})]")
        strict = True
    found: list[str] = []
    seen: set[str] = set()
    for anchor in anchors:
        href = anchor.attrib.get("href")
        if not _usable(href):
            continue
        url = urljoin(base_url, href.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or host_of(url) not in hosts:
            continue
        if _NOT_ARTICLE_EXT.search(parts.path):
            continue
        if strict:
            text = _anchor_text(anchor)
            # Headlines are sentences; menu entries are two to four characters.
            if len(text) < min_text or text in _NEXT_TEXTS:
                continue
            if parts.path in ("", "/") or parts.path.endswith("/"):
                continue  # section index, not an article
        key = canonicalize(url)
        if key == page or key in seen:
            continue
        seen.add(key)
        found.append(url)
    return found


def next_page(html: str, base_url: str, *, selector: str | None = None) -> str | None:
    """URL of the next list page, or None on the last page."""
    sel = Selector(text=html)
    if selector:
        nodes = select_all(sel, selector)
        href = nodes[0].attrib.get("href") if nodes else None
        return urljoin(base_url, href) if _usable(href) else None
    rel = sel.xpath("//a[@rel='next']/@href|//link[@rel='next']/@href").get()
    if _usable(rel):
        return urljoin(base_url, rel)
    for anchor in sel.xpath("//a[@href]"):
        text = _anchor_text(anchor).strip().lower()
        if text in _NEXT_TEXTS:
            href = anchor.attrib.get("href")
            if _usable(href):
                target = urljoin(base_url, href)
                return None if canonicalize(target) == canonicalize(base_url) else target
    script = _CREATE_PAGE_RE.search(html)
    if script:
        total, current, stem, ext = int(script[1]), int(script[2]), script[3], script[4]
        if current + 1 < total:
            return urljoin(base_url, f"{stem}_{current + 1}.{ext}")
    return None

"""Article pages → title, body, publish time, author, origin outlet, canonical URL.

trafilatura finds the body of an unknown template; the source's selectors (CSS or XPath)
override any field when a site defeats the heuristics. Chinese government CMSs (TRS, Hanweb)
publish ``ArticleTitle``/``PubDate``/``ContentSource`` meta tags, which we trust first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import trafilatura
from parsel import Selector

from crawlers.extract.antibot import visible_text
from crawlers.extract.canonical import canonicalize, host_of
from crawlers.extract.dates import find_publish_time, parse_datetime
from crawlers.extract.selectors import select_text

_TITLE_SEP = re.compile(r"\s*(?:[_|｜]|\s[-–—]+\s|——|--)\s*")
_ORIGIN_RE = re.compile(r"(?:来源|稿源|信息来源|文章来源)\s*[:：]\s*([^\s|｜<>【】\[\]()（）]{2,30})")
_AUTHOR_RE = re.compile(
    r"(?:作者|记者|撰稿|文\s*/|责任编辑|编辑)\s*[:：]?\s*([\u3400-\u9fff·]{2,8})"
)
_META_DATE = ("PubDate", "pubdate", "publishdate", "article:published_time", "og:release_date",
              "firstpublishedtime", "publish_time", "datePublished")
_META_TITLE = ("ArticleTitle", "og:title", "twitter:title")
_META_ORIGIN = ("ContentSource", "source", "article:author_org")
_META_SITE = ("SiteName", "og:site_name", "application-name")
_META_AUTHOR = ("author", "article:author", "Author")


def _meta(sel: Selector, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = sel.xpath(
            f"//meta[@name='{name}' or @property='{name}' or @itemprop='{name}']/@content"
        ).get()
        if value and value.strip():
            return value.strip()
    return None


def clean_title(title: str, *, site_name: str | None = None, heading: str | None = None) -> str:
    """Strip site suffixes (``…_漳州市司法局``, ``… - 新华网``) from a page title.

    A heading (h1) contained in the title is the cleanest answer; otherwise trailing
    separator-delimited parts are dropped while they look like site or channel names.
    """
    title = re.sub(r"\s+", " ", title or "").strip()
    if heading:
        heading = re.sub(r"\s+", " ", heading).strip()
        if len(heading) >= 4 and heading in title:
            return heading
    parts = [p for p in _TITLE_SEP.split(title) if p]
    while len(parts) > 1:
        last = parts[-1]
        if (site_name and (last in site_name or site_name in last)) or len(last) <= 20:
            parts.pop()
        else:
            break
    return parts[0] if parts else title


def _heading(sel: Selector) -> str | None:
    for xpath in ("//h1", "//*[contains(@class,'title') and not(self::title)][1]", "//h2"):
        for node in sel.xpath(xpath)[:3]:
            text = " ".join(node.xpath(".//text()").getall()).strip()
            if 4 <= len(text) <= 120:
                return text
    return None


def _canonical(sel: Selector, url: str) -> str:
    for link in (sel.xpath("//link[@rel='canonical']/@href").get(),
                 _meta(sel, ("og:url",))):
        if link and link.strip():
            candidate = canonicalize(link, url)
            # A canonical link to another host is either syndication or an attack: ignore it.
            if host_of(candidate) == host_of(url):
                return candidate
    return canonicalize(url)


def _trafilatura(html: str, url: str) -> dict[str, Any]:
    # Old Chinese sites lay pages out with tables; extracting tables first turns the whole
    # layout (breadcrumbs included) into "| … |" rows, so tables are only a second try.
    data: dict[str, Any] = {}
    for tables in (False, True):
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=tables,
            favor_recall=True, deduplicate=False,
        )
        if doc is None:
            continue
        raw = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        data = {k: v for k, v in raw.items() if isinstance(v, str) and v.strip()}
        if len(data.get("text", "")) >= 100:
            break
    return data


_BOILERPLATE_RE = re.compile(
    r"版权所有|Copyright|ICP备|责任编辑|打印本页|关闭窗口|分享到|扫一扫|网站地图|联系我们", re.IGNORECASE
)


def _strip_boilerplate(text: str, title: str) -> str:
    """Drop the headline trafilatura repeats as the first line and footer lines at the end."""
    lines = text.split("\n")
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]
    while lines and (not lines[-1].strip() or
                     (len(lines[-1]) < 120 and _BOILERPLATE_RE.search(lines[-1]))):
        lines.pop()
    return "\n".join(lines).strip()


def extract_article(
    html: str,
    url: str,
    *,
    selectors: dict[str, str] | None = None,
    site_name: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Extract an article. Returns ``title, text, published_at (datetime|None), author, origin,
    canonical_url, parse_error`` — never raises for a bad page; ``parse_error`` says what failed.
    """
    selectors = selectors or {}
    sel = Selector(text=html or "<html></html>")
    found = _trafilatura(html, url) if html and html.strip() else {}
    page_text = visible_text(html)

    raw_title = sel.xpath("//title/text()").get() or ""
    site = _meta(sel, _META_SITE) or site_name
    title = (select_text(sel, selectors.get("title"))
             or _meta(sel, ("ArticleTitle",))
             or clean_title(raw_title, site_name=site, heading=_heading(sel))
             or _meta(sel, _META_TITLE[1:])
             or found.get("title") or "")
    title = clean_title(title, site_name=site) if "_" in title or "|" in title else title

    text = select_text(sel, selectors.get("body") or selectors.get("text")) or found.get("text") or ""

    published: datetime | None = None
    if expr := selectors.get("published_at") or selectors.get("date"):
        published = parse_datetime(select_text(sel, expr), now=now)
    published = (published
                 or parse_datetime(_meta(sel, _META_DATE), now=now)
                 or find_publish_time(page_text, now=now)
                 or parse_datetime(found.get("date"), now=now))

    origin_match = _ORIGIN_RE.search(page_text)
    origin = (select_text(sel, selectors.get("origin"))
              or _meta(sel, _META_ORIGIN)
              or (origin_match.group(1) if origin_match else None)
              or site or "")
    author_match = _AUTHOR_RE.search(page_text)
    author = (select_text(sel, selectors.get("author"))
              or _meta(sel, _META_AUTHOR)
              or (author_match.group(1).strip() if author_match else None)
              or "")

    text = _strip_boilerplate(text, title)
    parse_error = None
    if not re.search(r"\w{2}", text):  # empty, or only replacement characters/punctuation
        parse_error = "未能提取正文"
    elif not title:
        parse_error = "未能提取标题"
    return {
        "title": title.strip(),
        "text": text.strip(),
        "published_at": published,
        "author": author.strip(),
        "origin": origin.strip(),
        "canonical_url": _canonical(sel, url),
        "parse_error": parse_error,
    }

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
from crawlers.extract.attachments import restore_attachment_lines
from crawlers.extract.boilerplate import clean_body
from crawlers.extract.canonical import canonicalize, host_of
from crawlers.extract.dates import (
    date_from_url,
    iter_dates,
    labelled_date,
    parse_datetime,
    yearless_date,
)
from crawlers.extract.selectors import select_text
from crawlers.extract.titles import choose_title, clean_title
from crawlers.extract.wechat import extract_wechat, is_wechat_article, wechat_publish_time

__all__ = ["clean_title", "extract_article", "origin_value"]

# "来源：" value only: it ends at whitespace, punctuation or the next label (作者/编辑/浏览…),
# which templates often run straight on ("来源：央视新闻客户端作者：王小二"). A CJK character
# before the label means another word ("数据来源：") in the body, not the page's source.
_ORIGIN_RE = re.compile(
    r"(?<![\u3400-\u9fff])(?:信息|文章|新闻|稿件)?(?:来源|來源|稿源|出处|出處)\s*[:：]\s*"
    r"([^\s|｜<>【】\[\]()（）:：,，;；]{2,40}?)"
    r"(?=$|[\s|｜【\[(（,，;；]|作者|作\s者|记者|記者|编辑|編輯|责任|責任|责编|浏览|瀏覽|点击|點擊"
    r"|阅读|閱讀|字号|字號|字体|字體|发布|發佈|發布|时间|時間|日期|分享|打印)"
)
_AUTHOR_RE = re.compile(
    r"(?:作者|记者|撰稿|文\s*/)\s*[:：]?\s*([\u3400-\u9fff·]{2,8})"
)
_META_DATE = ("PubDate", "pubdate", "publishdate", "article:published_time", "og:release_date",
              "firstpublishedtime", "publish_time", "datePublished")
_META_TITLE = ("ArticleTitle", "og:title", "twitter:title")
# 搜狐 names the publishing account (the outlet) in "mediaid".
_META_ORIGIN = ("ContentSource", "source", "article:author_org", "mediaid")
_META_SITE = ("SiteName", "og:site_name", "application-name")
_META_AUTHOR = ("author", "article:author", "Author")
# How far before the headline a header date may sit (新华网 prints it above the <h1>).
_BEFORE_TITLE = 200


def _meta(sel: Selector, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = sel.xpath(
            f"//meta[@name='{name}' or @property='{name}' or @itemprop='{name}']/@content"
        ).get()
        if value and value.strip():
            return value.strip()
    return None


def origin_value(text: str | None) -> str | None:
    """The outlet named by a ``来源：`` label in ``text``, or None."""
    match = _ORIGIN_RE.search(text or "")
    return match.group(1) if match else None


def _locate(page_text: str, title: str, body: str) -> tuple[int, int, int]:
    """Offsets in the page text of the headline, the body's start and the body's end."""
    lines = [line for line in body.split("\n") if line.strip()]
    start = page_text.find(lines[0][:12]) if lines else -1
    end = len(page_text)
    if lines and start >= 0:
        tail = lines[-1][-12:]
        found = page_text.find(tail, start)
        end = found + len(tail) if found >= 0 else end
    limit = start if start >= 0 else len(page_text)
    heading = page_text.rfind(title[:20], 0, limit) if title else -1
    if start < 0:
        start = heading + 400 if heading >= 0 else 0
    return heading, start, end


def _header_date(page_text: str, heading: int, body_start: int, now: datetime | None,
                 url: str = "") -> datetime | None:
    """The date printed with the headline: labelled first, then the first after the headline,
    then the nearest before it, then a year-less "09-17 20:05" after it (year from the URL's
    day or the clock). Dates in lists after the body never get here."""
    if heading < 0:
        return None
    after = page_text[heading:body_start]
    if value := labelled_date(after, now=now):
        return value
    if found := iter_dates(after, now=now):
        return found[0][1]
    before = iter_dates(page_text[max(0, heading - _BEFORE_TITLE) : heading], now=now)
    if before:
        return before[-1][1]
    return yearless_date(after, year_hint=date_from_url(url, now=now), now=now)


# Unlabelled outlet names by the headline: 新浪 `<a class="source">`, 腾讯 `a.media-name`,
# 光明网 `span.m-con-source` ("来源：" inside). Only short texts without digits qualify, so a
# wrapper holding the date ("date-source") is skipped for its child.
_SOURCE_XPATH = (
    "//*[contains(@class,'source') or contains(@id,'source') or contains(@class,'media-name')"
    " or contains(@class,'media_name')][not(self::meta) and not(self::body)]"
)
_ORIGIN_NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·]{2,20}$")


def _source_element(sel: Selector, header_text: str) -> str | None:
    for node in sel.xpath(_SOURCE_XPATH):
        text = re.sub(r"\s+", "", "".join(node.xpath(".//text()[not(ancestor::script)]").getall()))
        name = origin_value(text) or text
        if _ORIGIN_NAME_RE.match(name) and name in header_text:
            return name
    return None


def _choose_date(meta_raw: str | None, header: datetime | None, now: datetime | None
                 ) -> datetime | None:
    meta = parse_datetime(meta_raw, now=now)
    if meta is None:
        return header
    # A date-only meta (PubDate "2023-10-11") loses to the header's time on the same day.
    meta_has_time = bool(meta_raw and re.search(r"\d{1,2}:\d{2}", meta_raw))
    if header is not None and not meta_has_time and header.date() == meta.date():
        return header
    return meta


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


def _wechat(html: str, url: str, now: datetime | None) -> dict[str, Any]:
    # A WeChat article reached through a generic source (a link on a news page) keeps its
    # data in fixed places that trafilatura does not know; the account is the origin.
    data = extract_wechat(html, url, now=now)
    data["text"] = clean_body(data.get("text") or "", data.get("title") or "")
    data.pop("account", None)
    if not data["text"] and data["parse_error"] is None:
        data["parse_error"] = "未能提取正文"
    return data


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

    Without selectors: title = the heading most like ``<title>`` (``ArticleTitle`` meta first);
    body = trafilatura minus furniture lines (``crawlers.extract.boilerplate``); publish time =
    selector, else meta (unless date-only and the header gives the time), else the date by the
    headline, else a labelled date before the body's end, else the URL path, else htmldate;
    origin = ``ContentSource``/``source`` meta, else the ``来源：`` label nearest the headline,
    else any such label, else the site's name.
    """
    selectors = selectors or {}
    if html and is_wechat_article(html) and not selectors:
        data = _wechat(html, url, now)
        data["origin"] = data["origin"] or site_name or ""
        return data
    sel = Selector(text=html or "<html></html>")
    found = _trafilatura(html, url) if html and html.strip() else {}
    page_text = visible_text(html)

    site = _meta(sel, _META_SITE) or site_name
    title = (select_text(sel, selectors.get("title"))
             or _meta(sel, ("ArticleTitle",))
             or choose_title(sel, page_titles=[sel.xpath("//title/text()").get() or "",
                                               _meta(sel, _META_TITLE[1:]) or ""],
                             site_name=site)
             or found.get("title") or "")
    title = re.sub(r"\s+", " ", title).strip()

    text = select_text(sel, selectors.get("body") or selectors.get("text")) or found.get("text") or ""
    text = clean_body(text, title)
    heading, body_start, body_end = _locate(page_text, title, text)
    if not selectors.get("body") and not selectors.get("text"):
        text = restore_attachment_lines(sel, page_text, text, body_start, body_end)
    header_text = page_text[max(0, heading):body_start] if heading >= 0 else ""

    published: datetime | None = None
    if expr := selectors.get("published_at") or selectors.get("date"):
        published = parse_datetime(select_text(sel, expr), now=now)
    published = (published
                 or _choose_date(_meta(sel, _META_DATE),
                                 _header_date(page_text, heading, body_start, now, url), now)
                 or wechat_publish_time(html or "", now=now)
                 or labelled_date(page_text[:body_end], now=now)
                 or date_from_url(url, now=now)
                 or parse_datetime(found.get("date"), now=now))

    meta_origin = _meta(sel, _META_ORIGIN)
    origin = (select_text(sel, selectors.get("origin"))
              or (origin_value(meta_origin) or meta_origin if meta_origin else None)
              or origin_value(header_text)
              or _source_element(sel, header_text)
              or origin_value(page_text[:body_end])
              or site or "")
    author_match = _AUTHOR_RE.search(header_text or page_text)
    author = (select_text(sel, selectors.get("author"))
              or _meta(sel, _META_AUTHOR)
              or (author_match.group(1).strip() if author_match else None)
              or "")

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

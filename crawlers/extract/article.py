"""Article pages → title, body, publish time, author, origin outlet, canonical URL.

trafilatura finds the body of an unknown template; the source's selectors (CSS or XPath)
override any field when a site defeats the heuristics. Chinese government CMSs (TRS, Hanweb)
publish ``ArticleTitle``/``PubDate``/``ContentSource`` meta tags, which we trust first.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import trafilatura
from parsel import Selector

from crawlers.extract.antibot import visible_text
from crawlers.extract.attachments import restore_attachment_lines
from crawlers.extract.boilerplate import clean_body
from crawlers.extract.canonical import canonicalize, site_of
from crawlers.extract.dates import (
    date_from_url,
    iter_dates,
    labelled_date,
    parse_datetime,
    yearless_date,
)
from crawlers.extract.density import densest_text
from crawlers.extract.selectors import select_text
from crawlers.extract.titles import choose_title, clean_title, is_site_name, plain_title
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
# Publish-time meta names, best first, compared case-insensitively (PubDate/pubdate/PUBDATE).
_META_DATE = ("pubdate", "publishdate", "publish_date", "publish-date", "publishtime",
              "publish_time", "pubtime", "article:published_time", "og:published_time",
              "og:release_date", "datepublished", "firstpublishedtime", "article:published",
              "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.created", "sailthru.date",
              "parsely-pub-date", "weibo:article:create_at", "apub:time", "releasedate",
              "datecreated", "createdate", "created", "date")
# Any other meta naming a publish/release/creation time ("xx:pub_time") is a structured date
# too, below the known names; modification and expiry times are not.
_META_DATE_HINT = re.compile(r"publish|pub_?time|pub_?date|release|creat", re.IGNORECASE)
_META_DATE_NOT = re.compile(r"modif|updat|expir|edit", re.IGNORECASE)
_JSONLD_DATE = ("datePublished", "dateCreated", "uploadDate")
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


def _meta_date(sel: Selector, now: datetime | None) -> str | None:
    """The best-named publish-time meta that parses, as written."""
    ranked: list[tuple[int, int, str]] = []
    for order, node in enumerate(sel.xpath("//meta[@content]")):
        attrib = node.attrib
        key = (attrib.get("name") or attrib.get("property") or attrib.get("itemprop")
               or attrib.get("http-equiv") or "").strip().lower()
        content = attrib.get("content", "").strip()
        if not key or not content:
            continue
        if key in _META_DATE:
            rank = _META_DATE.index(key)
        elif _META_DATE_HINT.search(key) and not _META_DATE_NOT.search(key):
            rank = len(_META_DATE)
        else:
            continue
        ranked.append((rank, order, content))
    for _, _, content in sorted(ranked):
        if parse_datetime(content, now=now) is not None:
            return content
    return None


def _jsonld_date(sel: Selector) -> str | None:
    """``datePublished`` from the page's JSON-LD (``@graph`` and lists included)."""
    def walk(value: Any, key: str) -> str | None:
        if isinstance(value, dict):
            if isinstance(value.get(key), str):
                return value[key]
            values = list(value.values())
        elif isinstance(value, list):
            values = value
        else:
            return None
        for item in values:
            if found := walk(item, key):
                return found
        return None

    for raw in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for key in _JSONLD_DATE:
            if found := walk(data, key):
                return found
    return None


def origin_value(text: str | None) -> str | None:
    """The outlet named by a ``来源：`` label in ``text``, or None."""
    match = _ORIGIN_RE.search(text or "")
    return match.group(1) if match else None


def _locate(page_text: str, title: str, body: str) -> tuple[int, int, int]:
    """Offsets in the page text of the headline, the body's start and the body's end.

    The body starts at its first sentence: a short line left above it (an account name, a
    column) belongs to the header, so the header's date is still found between the two."""
    lines = [line for line in body.split("\n") if line.strip()]
    first = next((line for line in lines if _SENTENCE_LINE_RE.search(line)), lines[0] if lines else "")
    start = page_text.find(first[:12]) if lines else -1
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
                 url: str = "", year_hint: datetime | None = None) -> datetime | None:
    """The date printed with the headline: labelled first, then the first after the headline,
    then the nearest before it, then a year-less "09-17 20:05" after it (year from a full date
    elsewhere — meta, URL — or the clock, never in the future). ``page_text`` is the text
    without links and sidebars, so other articles' dates never get here."""
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
    return yearless_date(after, year_hint=year_hint or date_from_url(url, now=now), now=now)


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
            # A canonical link to another site is either syndication or an attack: ignore it;
            # the site's own www/mobile twin (m.sohu.com → www.sohu.com) is the same article.
            if site_of(candidate) == site_of(url):
                return candidate
    return canonicalize(url)


_BODY_MIN = 100
_SENTENCE_LINE_RE = re.compile(r"[，。！？；,;!?]")


def _sentence_chars(text: str) -> int:
    return sum(len(line) for line in text.split("\n") if _SENTENCE_LINE_RE.search(line))


def _body(html: str, url: str, link_texts: frozenset[str]) -> tuple[str, dict[str, Any]]:
    """The raw body text and trafilatura's other fields (its title, if any).

    trafilatura runs without metadata: its htmldate guess reads any date on the page (archive
    links, sidebars), and a wrong date is worse than none; our own date rules decide.

    Old Chinese sites lay pages out with tables; extracting tables first turns the whole
    layout (breadcrumbs included) into "| … |" rows, so tables are only a second try. Each try
    is judged AFTER cleaning: a table page's first try can return 100 characters of tabs and
    info bar that the cleaner then empties. When neither try leaves a body, the block holding
    the page's sentences (``crawlers.extract.density``) competes, and the candidate whose
    cleaned text has the most sentence characters wins.
    """
    found: dict[str, Any] = {}
    tried: list[str] = []
    for tables in (False, True):
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=False, include_comments=False, include_tables=tables,
            favor_recall=True, deduplicate=False,
        )
        if doc is None:
            continue
        raw = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        data = {k: v for k, v in raw.items() if isinstance(v, str) and v.strip()}
        found = found or data
        text = data.get("text", "")
        if len(clean_body(text, link_texts=link_texts)) >= _BODY_MIN:
            return text, data
        tried.append(text)
    tried.append(densest_text(html))
    best = max(tried, key=lambda t: _sentence_chars(clean_body(t, link_texts=link_texts)))
    return best, found


# An included header that ends with "</body></html>" before the article: parsers stop the
# document there (trafilatura then sees only the header's menu).
_END_TAGS_RE = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)


def _join_early_end(html: str) -> str:
    match = _END_TAGS_RE.search(html)
    if match and len(re.sub(r"<[^>]*>|\s", "", html[match.end():])) > 40:
        return _END_TAGS_RE.sub("", html)
    return html


def _link_texts(sel: Selector) -> frozenset[str]:
    texts = (re.sub(r"\s+", "", "".join(a.xpath(".//text()").getall())) for a in sel.xpath("//a"))
    return frozenset(t for t in texts if len(t) >= 2)


def _wechat(html: str, url: str, now: datetime | None) -> dict[str, Any]:
    # A WeChat article reached through a generic source (a link on a news page) keeps its
    # data in fixed places that trafilatura does not know; the account is the origin.
    data = extract_wechat(html, url, now=now)
    data["text"] = clean_body(data.get("text") or "", data.get("title") or "",
                              link_texts=_link_texts(Selector(text=html)))
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
    feed_date: datetime | str | None = None,
) -> dict[str, Any]:
    """Extract an article. Returns ``title, text, published_at (datetime|None), author, origin,
    canonical_url, parse_error`` — never raises for a bad page; ``parse_error`` says what failed.

    Without selectors: title = ``ArticleTitle`` meta, else the heading most like ``<title>``,
    else the heading right above the body — markup stripped, never the site's name; body =
    trafilatura (or the page's sentence block when that leaves nothing after cleaning) minus
    furniture lines (``crawlers.extract.boilerplate``); publish time = selector, else a
    structured date (meta under any publish-time name, JSON-LD ``datePublished``, the feed
    entry's ``feed_date``) unless it is date-only and the header gives the time, else the date
    by the headline, else WeChat's ``var ct``, else a labelled date before the body's end, else
    the URL path — dates in links, link lists and sidebars never count, and no date is better
    than a wrong one; origin = ``ContentSource``/``source`` meta, else the ``来源：`` label
    nearest the headline, else any such label, else the site's name.
    """
    selectors = selectors or {}
    if html and is_wechat_article(html) and not selectors:
        data = _wechat(html, url, now)
        data["origin"] = data["origin"] or site_name or ""
        return data
    html = _join_early_end(html or "")
    sel = Selector(text=html or "<html></html>")
    links = _link_texts(sel)
    raw_text, found = _body(html, url, links) if html.strip() else ("", {})
    page_text = visible_text(html)

    site_names = tuple(n for n in (_meta(sel, _META_SITE), site_name) if n)
    site = site_names[0] if site_names else None
    text = select_text(sel, selectors.get("body") or selectors.get("text")) or raw_text
    hint = next((line for line in text.split("\n") if _SENTENCE_LINE_RE.search(line)), "")
    body_hint = page_text.find(re.sub(r"\s+", " ", hint).strip()[:12]) if hint else -1
    meta_title = plain_title(_meta(sel, ("ArticleTitle",)))
    fallback_title = plain_title(found.get("title"))
    title = (select_text(sel, selectors.get("title"))
             or (meta_title if not is_site_name(meta_title, site_names) else "")
             or choose_title(sel, page_titles=[sel.xpath("//title/text()").get() or "",
                                               _meta(sel, _META_TITLE[1:]) or ""],
                             site_name=site, site_names=site_names, page_text=page_text,
                             body_start=body_hint)
             or (fallback_title if not is_site_name(fallback_title, site_names) else ""))
    title = re.sub(r"\s+", " ", title).strip()

    text = clean_body(text, title, link_texts=links)
    # The site's name above the first paragraph is the logo or an info-table cell.
    lines = text.split("\n")
    while len(lines) > 1 and len(lines[0]) <= 30 and is_site_name(lines[0], site_names):
        lines.pop(0)
    text = "\n".join(lines)
    heading, body_start, body_end = _locate(page_text, title, text)
    if not selectors.get("body") and not selectors.get("text"):
        text = restore_attachment_lines(sel, page_text, text, body_start, body_end)
    header_text = page_text[max(0, heading):body_start] if heading >= 0 else ""

    published: datetime | None = None
    if expr := selectors.get("published_at") or selectors.get("date"):
        published = parse_datetime(select_text(sel, expr), now=now)
    if published is None:
        published = _published(html, sel, url, title, text, now, feed_date)

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


def _published(html: str, sel: Selector, url: str, title: str, text: str, now: datetime | None,
               feed_date: datetime | str | None) -> datetime | None:
    """The publish time: structured dates and the headline's date block before free text."""
    structured_raw = _meta_date(sel, now) or _jsonld_date(sel)
    if structured_raw is None and feed_date is not None:
        structured_raw = feed_date.isoformat() if isinstance(feed_date, datetime) else feed_date
    structured = parse_datetime(structured_raw, now=now)
    # Other articles' dates (links, link lists, sidebars, footers) are out of this text.
    own_text = visible_text(html, without_other_articles=True)
    heading, body_start, body_end = _locate(own_text, title, text)
    header = _header_date(own_text, heading, body_start, now, url,
                          year_hint=structured or date_from_url(url, now=now))
    return (_choose_date(structured_raw, header, now)
            or wechat_publish_time(html, now=now)
            or labelled_date(own_text[:body_end], now=now)
            or date_from_url(url, now=now))

"""RSS/Atom feeds (feedparser): each new entry becomes an item.

Entries on the feed's own host (or the source's ``allowed_domains``) are fetched for the
full article; entries elsewhere, or when the feed already carries the full text
(``prefer_feed_content``), are built from the feed itself so we never follow a feed off-site.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from crawlers.extract.antibot import visible_text
from crawlers.extract.article import extract_article
from crawlers.extract.canonical import canonicalize
from crawlers.extract.dates import parse_datetime, to_iso
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.pages import ArticlePagesMixin

logger = logging.getLogger(__name__)

FULL_TEXT_MIN_CHARS = 300


def looks_like_feed(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf" in head


def entry_info(entry: Any) -> dict[str, Any]:
    """The useful fields of one feedparser entry, with its HTML content."""
    content = ""
    if entry.get("content"):
        content = max((c.get("value", "") for c in entry["content"]), key=len)
    summary = entry.get("summary", "") or ""
    html = content if len(content) >= len(summary) else summary
    published = None
    for key in ("published", "updated", "created"):
        if entry.get(key):
            published = parse_datetime(entry[key])
            if published:
                break
    return {
        "link": entry.get("link") or entry.get("id") or "",
        "title": re.sub(r"\s+", " ", entry.get("title", "") or "").strip(),
        "published_at": to_iso(published),
        "author": entry.get("author", "") or "",
        "html": html,
        "text": visible_text(f"<div>{html}</div>") if html else "",
    }


class FeedMixin:
    """Feed fetching and entry handling shared by the rss and wechat spiders."""

    prefer_feed_content_default = False

    async def start(self: Any) -> AsyncIterator[scrapy.Request]:
        yield self.conditional_request(self.start_url, self.parse_start, meta={"start": True})

    def parse_start(self: Any, response: Response) -> Iterator[Any]:
        return self.parse_feed(response)

    def parse_feed(self: Any, response: Response) -> Iterator[Any]:
        if self.not_modified(response):
            return
        feed = feedparser.parse(response.body, response_headers={
            "content-type": (response.headers.get("Content-Type") or b"").decode("latin-1")})
        if not feed.entries:
            why = str(feed.get("bozo_exception", "")) or "没有条目"
            self.failures.append({"url": response.url, "error": f"订阅源无法解析：{why}"[:300]})
            logger.warning("crawl.feed_empty source=%s url=%s %s", self.slug, response.url, why)
            return
        prefer_feed = bool(self.option("prefer_feed_content", self.prefer_feed_content_default))
        for entry in feed.entries:
            info = entry_info(entry)
            link = info["link"]
            if not link.startswith(("http://", "https://")) or self.is_seen(link):
                continue
            full_in_feed = len(info["text"]) >= FULL_TEXT_MIN_CHARS
            if (prefer_feed and full_in_feed) or not self.host_allowed(link):
                yield self.item_from_entry(info)
            elif self.can_request_article():
                yield self.article_request(link, self.parse_article, entry=info)

    def item_from_entry(self: Any, info: dict[str, Any]) -> dict[str, Any]:
        data = {
            "title": info["title"], "text": info["text"], "published_at": info["published_at"],
            "author": info["author"], "canonical_url": canonicalize(info["link"]),
            "parse_error": None if info["text"] else "订阅条目没有正文",
            "extra": {"from_feed": True},
        }
        return self.build_item(None, data, "utf-8", url=info["link"],
                               raw=info["html"].encode("utf-8"))

    def merge_entry(self: Any, data: dict[str, Any], response: Response) -> dict[str, Any]:
        """Fill what the page lacked from the feed entry (the feed is often cleaner)."""
        entry = response.meta.get("entry") or {}
        for key in ("title", "published_at", "author"):
            if not data.get(key) and entry.get(key):
                data[key] = entry[key]
        if not (data.get("text") or "").strip() and entry.get("text"):
            data["text"] = entry["text"]
        if data.get("parse_error") and data.get("title") and (data.get("text") or "").strip():
            data["parse_error"] = None  # the entry supplied what the page lacked
        return data


class RssSpider(ArticlePagesMixin, FeedMixin, SourceSpider):
    """Articles announced by an RSS/Atom feed."""

    name = "rss"
    kind = "rss"

    def extract(self, text: str, response: Response) -> dict[str, Any]:
        data = extract_article(text, response.url, selectors=self.selectors,
                               site_name=self.source.get("name"),
                               feed_date=(response.meta.get("entry") or {}).get("published_at"))
        return self.merge_entry(data, response)

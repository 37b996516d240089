"""Keyword search sources: a site's search page, queried for every watch term.

The source's ``url`` is a template such as ``http://so.example.cn/s?q={query}&page={page}``.
For each query in ``settings["queries"]`` (the Django side fills it with the watch plans'
positive terms) the spider fetches result pages 1 … ``max_pages`` (default 2), follows the
result links to the articles and extracts them as the html spider does (multi-page articles
included). Without ``{page}`` in the template the result page's own "下一页" link is followed.

Deduplication is by canonical URL: an article stored in an earlier run (the source's state),
one already stored by another source (``source["known_urls"]``) or one already found by an
earlier query of this run is never fetched again. A results page that is a captcha or
verification wall makes the source blind; a results page with no results is a normal answer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Response

from crawlers.extract.antibot import detect_block
from crawlers.extract.article import extract_article
from crawlers.extract.canonical import canonicalize, host_of
from crawlers.extract.encoding import normalize_encoding
from crawlers.extract.links import discover_links, next_page
from crawlers.extract.pagination import drop_continuations
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.pages import ArticlePagesMixin

logger = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 2
# A ceiling whatever the source says: each page is one request per query to someone's search box.
MAX_PAGES_CEILING = 10
DEFAULT_MAX_QUERIES = 50
# Selector keys that describe the results page, not the article pages.
RESULT_SELECTOR_KEYS = ("results", "next_page", "links")
NO_QUERIES = "没有可搜索的关键词：请启用监测方案，或在采集参数中设置 queries"


def fill_template(template: str, query: str, page: int, encoding: str | None = None) -> str:
    """The search URL for ``query`` and ``page``; the query is percent-encoded in ``encoding``
    (GBK sites expect ``%CB%BE…`` for 司…, not UTF-8 bytes)."""
    codec = normalize_encoding(encoding) or "utf-8"
    try:
        encoded = quote(query, safe="", encoding=codec, errors="strict")
    except (LookupError, UnicodeEncodeError):
        # A character the site's codec lacks: UTF-8 is what browsers fall back to as well.
        encoded = quote(query, safe="", encoding="utf-8")
    return template.replace("{query}", encoded).replace("{page}", str(page))


class SearchSpider(ArticlePagesMixin, SourceSpider):
    """Articles found by searching a site for every watch term."""

    name = "search"
    kind = "search"

    def __init__(self, source: dict[str, Any], state: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(source, state, **kwargs)
        limit = int(self.options.get("max_queries", DEFAULT_MAX_QUERIES))
        queries = [str(q).strip() for q in self.options.get("queries") or []]
        unique = list(dict.fromkeys(q for q in queries if q))
        self.queries = unique[:limit]
        self.article_selectors = {k: v for k, v in self.selectors.items()
                                  if k not in RESULT_SELECTOR_KEYS}
        # What counts as "new" for paging is fixed at the start, so the order in which the
        # queries' pages come back cannot change how deep each query is read.
        self.seen_before = set(self.seen)
        self.known = {canonicalize(u) for u in source.get("known_urls") or [] if u}
        self.requested: set[str] = set()
        self.first_page_failures: list[str] = []
        self.config_error: str | None = None
        template = urlsplit(fill_template(self.start_url, "q", 1))
        self.search_page = (host_of(self.start_url), template.path)
        self.counts.update(queries=len(self.queries), queries_dropped=len(unique) - len(self.queries),
                           result_pages=0, results=0, empty_results=0, duplicate_results=0,
                           known_elsewhere=0)

    # --- options -------------------------------------------------------------------------------
    @property
    def max_pages(self) -> int:
        return max(1, min(int(self.option("max_pages", DEFAULT_MAX_PAGES)), MAX_PAGES_CEILING))

    @property
    def query_encoding(self) -> str | None:
        return self.options.get("query_encoding") or self.source.get("encoding") or None

    def page_value(self, number: int) -> int:
        """What ``{page}`` becomes for result page ``number`` (1-based): sites count from 0 or
        1, some by offset (``pn=0,10,20``)."""
        first = int(self.options.get("first_page", 1))
        step = int(self.options.get("page_step", 1))
        return first + (number - 1) * step

    # --- requests ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.queries:
            self.config_error = NO_QUERIES
            logger.warning("crawl.search_no_queries source=%s", self.slug)
            return
        for query in self.queries:
            yield self.results_request(query, 1)

    def results_request(self, query: str, number: int, url: str | None = None,
                        earlier: list[str] | None = None) -> scrapy.Request:
        target = url or fill_template(self.start_url, query, self.page_value(number),
                                      self.query_encoding)
        return scrapy.Request(target, callback=self.parse_results, errback=self.on_error,
                              meta={"query": query, "result_page": number,
                                    "query_links": earlier or []})

    def record_failure(self, request: scrapy.Request | None, url: str, message: str, *,
                       filtered: bool = False) -> None:
        super().record_failure(request, url, message, filtered=filtered)
        if request is not None and request.meta.get("result_page") == 1:
            self.first_page_failures.append(message)

    def closed(self, reason: str) -> None:
        # No query got a results page at all: the search itself is unreachable (down,
        # forbidden by robots.txt, …), which is what a failed start URL means for other kinds.
        if self.queries and not self.counts["result_pages"] and self.first_page_failures:
            self.start_failed = self.first_page_failures[0]

    # --- results pages -------------------------------------------------------------------------
    def result_links(self, html: str, url: str) -> list[str]:
        selector = self.selectors.get("results") or self.selectors.get("links")
        links = discover_links(html, url, allowed_hosts=self.allowed_hosts, selector=selector)
        # Links back to the search page itself ("相关搜索", other sort orders) are not results.
        return [link for link in links
                if (host_of(link), urlsplit(link).path) != self.search_page]

    def results_wall(self, html: str, response: Response, query: str, found: bool) -> str | None:
        if found and (self.selectors.get("results") or self.selectors.get("links")):
            return None  # the configured result list is there: results, not a wall
        # The page echoes the query (搜索"验证码诈骗"的结果): the echo is not a wall's wording.
        return detect_block(html.replace(query, ""), response.url)

    def parse_results(self, response: Response) -> Iterator[scrapy.Request]:
        query = response.meta["query"]
        number = response.meta.get("result_page", 1)
        self.counts["pages"] += 1
        self.counts["result_pages"] += 1
        text, _ = self.decode(response)
        links = drop_continuations(self.result_links(text, response.url))
        if reason := self.results_wall(text, response, query, bool(links)):
            self.mark_blind(reason, response.url)
        if not links:
            # Nobody wrote about it today: a normal answer, not a failure or a wall.
            self.counts["empty_results"] += 1
            logger.info("crawl.search_empty source=%s query=%s page=%s", self.slug, query, number)
            return
        self.counts["results"] += len(links)
        earlier = set(response.meta.get("query_links") or [])
        fresh = False
        for link in links:
            key = canonicalize(link)
            if key not in self.seen_before and key not in self.known and key not in earlier:
                fresh = True
            if key in self.requested:
                self.counts["duplicate_results"] += 1
                continue
            if key in self.known:
                self.counts["known_elsewhere"] += 1
                continue
            if self.is_seen(link):
                continue
            if not self.can_request_article():
                logger.info("crawl.article_budget_reached source=%s", self.slug)
                return
            self.requested.add(key)
            yield self.article_request(link, self.parse_article, query=query)
        # The next page only while this one brought something not stored before and not a
        # repeat of this query's earlier pages (a site ignoring the page number).
        if not fresh or number >= self.max_pages:
            return
        seen_here = [*earlier, *(canonicalize(link) for link in links)]
        if "{page}" in self.start_url:
            yield self.results_request(query, number + 1, earlier=seen_here)
            return
        target = next_page(text, response.url, selector=self.selectors.get("next_page"))
        if target and self.host_allowed(target):
            yield self.results_request(query, number + 1, url=target, earlier=seen_here)

    # --- articles ------------------------------------------------------------------------------
    def extract(self, text: str, response: Response) -> dict[str, Any]:
        data = extract_article(text, response.url, selectors=self.article_selectors,
                               site_name=self.source.get("name"))
        query = response.meta.get("query")
        if query:
            # Which watch term found it: the duty officer sees why a search source stored it.
            data["extra"] = {**(data.get("extra") or {}), "search_query": query}
        return data

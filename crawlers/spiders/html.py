"""News/government sites: HTML list pages → article pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.extract.article import extract_article
from crawlers.extract.links import discover_links, next_page
from crawlers.extract.pagination import drop_continuations
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.pages import ArticlePagesMixin

logger = logging.getLogger(__name__)


class ListPageMixin:
    """List-page walking shared by the html and board spiders.

    Pagination stops at the first page that contains an already-stored article: everything
    older was stored by an earlier run.
    """

    async def start(self: Any) -> AsyncIterator[scrapy.Request]:
        yield self.conditional_request(self.start_url, self.parse_list,
                                       meta={"list_page": 1, "start": True})

    def parse_list(self: Any, response: Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        text, _ = self.decode(response)
        if reason := self.block_reason(text, response):
            self.mark_blind(reason, response.url)
        links = discover_links(text, response.url, allowed_hosts=self.allowed_hosts,
                               selector=self.selectors.get("links"))
        if not links:
            logger.warning("crawl.no_links source=%s url=%s", self.slug, response.url)
            self.failures.append({"url": response.url, "error": "列表页未发现文章链接"})
        # A list that links an article's page 2 beside page 1: the continuation is read
        # through page 1's pager, never as an article of its own.
        links = drop_continuations(links)
        new = [url for url in links if not self.is_seen(url)]
        for url in new:
            if not self.can_request_article():
                logger.info("crawl.article_budget_reached source=%s", self.slug)
                return
            yield self.article_request(url, self.parse_article)
        page = response.meta.get("list_page", 1)
        if new and len(new) == len(links) and page < int(self.option("max_list_pages", 5)):
            target = next_page(text, response.url, selector=self.selectors.get("next_page"))
            if target and self.host_allowed(target):
                yield self.conditional_request(target, self.parse_list,
                                               meta={"list_page": page + 1})


class HtmlSpider(ArticlePagesMixin, ListPageMixin, SourceSpider):
    """Articles found through a news list page, extracted by trafilatura or selectors;
    a multi-page article is followed through its pager and emitted as one item."""

    name = "html"
    kind = "html"

    def extract(self, text: str, response: Response) -> dict[str, Any]:
        return extract_article(text, response.url, selectors=self.selectors,
                               site_name=self.source.get("name"))

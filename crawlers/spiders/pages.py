"""Following a multi-page article's own continuation pages and emitting ONE item.

Page 1 is extracted as usual; while its pager links to a later page of the *same* article
(``crawlers.extract.pagination``), that page is fetched and its body appended. The item keeps
page 1's title, date, origin, canonical URL and raw bytes; its text is the bodies in page
order. At most ``max_article_pages`` pages (10), no page twice, each counted in
``stats["pages"]`` and ``stats["continuation_pages"]``. A continuation that fails, is a wall or
repeats an earlier page ends the chain and the item is emitted with what was read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.extract.article import extract_article
from crawlers.extract.boilerplate import clean_body
from crawlers.extract.canonical import canonicalize
from crawlers.extract.pagination import continuation_links, page_number

logger = logging.getLogger(__name__)

MAX_ARTICLE_PAGES = 10


class ArticlePagesMixin:
    """Mixed into spiders whose articles may be split over pages (html, rss)."""

    def finish_article(self: Any, text: str, response: Response, data: dict[str, Any],
                       encoding: str) -> Iterator[Any]:
        chain = {"first": response, "data": data, "encoding": encoding,
                 "texts": [data.get("text") or ""], "urls": [response.url],
                 "visited": [canonicalize(response.url)], "number": 1}
        if data.get("parse_error"):
            yield self._emit(chain)
            return
        yield self._next_or_emit(chain, text, response.url)

    # --- the chain ----------------------------------------------------------------------------
    def _next_or_emit(self: Any, chain: dict[str, Any], html: str, url: str) -> Any:
        limit = min(int(self.option("max_article_pages", MAX_ARTICLE_PAGES)), MAX_ARTICLE_PAGES)
        if len(chain["urls"]) < limit:
            first_url = chain["first"].url
            for number, target in continuation_links(html, url, first_url):
                if number > chain["number"] and canonicalize(target) not in chain["visited"]:
                    # dont_filter: cycles are prevented by ``visited``; the dupe filter would
                    # silently drop the request (and the whole article with it).
                    return scrapy.Request(target, callback=self.parse_continuation,
                                          errback=self.continuation_failed, dont_filter=True,
                                          meta={"article_chain": chain, "page_number": number})
        return self._emit(chain)

    def parse_continuation(self: Any, response: Response) -> Iterator[Any]:
        chain = response.meta["article_chain"]
        self.counts["pages"] += 1
        self.counts["continuation_pages"] = self.counts.get("continuation_pages", 0) + 1
        text, _ = self.decode(response)
        first_data = chain["data"]
        landed = page_number(response.url, chain["first"].url)
        if self.block_reason(text, response) or landed is None:
            # A wall or a redirect elsewhere: page 1 is still a good item.
            self._note_failure(response.url, "续页无法读取（验证页面或跳转到其他页面）")
            yield self._emit(chain)
            return
        try:
            page = extract_article(text, response.url, selectors=self.selectors,
                                   site_name=self.source.get("name"))
        except Exception as exc:  # a bad continuation must not lose page 1
            logger.exception("crawl.continuation_parse_failed url=%s", response.url)
            page = {"text": "", "parse_error": str(exc)}
        body = (page.get("text") or "").strip()
        # clean_body only drops a headline it recognises; page 1's title is the one to match.
        if body and first_data.get("title"):
            body = clean_body(body, first_data["title"])
        chain["visited"].append(canonicalize(response.url))
        if not body or body in chain["texts"]:
            # An empty page, or a site ignoring the page number: stop, do not repeat text.
            yield self._emit(chain)
            return
        chain["texts"].append(body)
        chain["urls"].append(response.url)
        chain["number"] = response.meta.get("page_number", chain["number"] + 1)
        yield self._next_or_emit(chain, text, response.url)

    def continuation_failed(self: Any, failure: Failure) -> Iterator[Any]:
        self.on_error(failure)
        request = getattr(failure, "request", None)
        if request is not None and "article_chain" in request.meta:
            yield self._emit(request.meta["article_chain"])

    def _note_failure(self: Any, url: str, error: str) -> None:
        self.counts["errors"] += 1
        if len(self.failures) < 20:
            self.failures.append({"url": url, "error": error})
        logger.warning("crawl.continuation_failed source=%s url=%s %s", self.slug, url, error)

    def _emit(self: Any, chain: dict[str, Any]) -> dict[str, Any]:
        data = dict(chain["data"])
        if len(chain["texts"]) > 1:
            data["text"] = "\n".join(t for t in chain["texts"] if t)
            extra = dict(data.get("extra") or {})
            extra["pages"] = len(chain["texts"])
            data["extra"] = extra
        item = self.build_item(chain["first"], data, chain["encoding"])
        # Continuation URLs are part of this item: never fetch or emit them on their own.
        self.mark_seen(*chain["urls"][1:])
        return item

"""Government message boards / leader mailboxes: list pages → message detail pages.

A message answered later must reach us again, so unanswered messages are kept in the
state (``pending``) and re-fetched on later runs; the item is emitted again, with the same
canonical URL, once a reply appears.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.extract.board import extract_board
from crawlers.extract.canonical import canonicalize
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.html import ListPageMixin

MAX_PENDING = 500
RECHECK_PER_RUN = 30


class BoardSpider(ListPageMixin, SourceSpider):
    name = "board"
    kind = "board"

    def __init__(self, source: dict[str, Any], state: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(source, state, **kwargs)
        self.pending: dict[str, None] = dict.fromkeys((state or {}).get("pending") or [])

    async def start(self) -> AsyncIterator[scrapy.Request]:
        async for request in super().start():
            yield request
        for url in list(self.pending)[-RECHECK_PER_RUN:]:
            yield self.article_request(url, self.parse_article, recheck=True)

    def extract(self, text: str, response: Response) -> dict[str, Any]:
        return extract_board(text, response.url, selectors=self.selectors)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        for item in super().parse_article(response):
            key = canonicalize(response.meta.get("listed_url") or response.url)
            answered = bool(item["extra"].get("reply"))
            if answered:
                self.pending.pop(key, None)
            elif response.meta.get("recheck"):
                self.counts["items"] -= 1  # still unanswered: nothing new to hand on
                continue
            else:
                self.pending[key] = None
            yield item

    def export_state(self) -> dict[str, Any]:
        state = super().export_state()
        state["pending"] = list(self.pending)[-MAX_PENDING:]
        return state

"""Downloader middlewares."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

logger = logging.getLogger(__name__)


class RetryBackoffMiddleware:
    """Wait ``base * 2**(n-1)`` seconds (capped) before the n-th retry of a request.

    Scrapy's RetryMiddleware re-schedules failed requests immediately; hammering a site that
    just answered 503 is impolite and usually fails again.
    """

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE", 2.0),
                   crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    async def process_request(self, request: Request) -> None:
        attempt = int(request.meta.get("retry_times", 0))
        if attempt <= 0 or self.base <= 0:
            return
        delay = min(self.base * 2 ** (attempt - 1), self.cap)
        logger.info("crawl.retry_backoff %s attempt=%d delay=%.1fs", request.url, attempt, delay)
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return

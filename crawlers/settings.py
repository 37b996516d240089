"""Scrapy settings for yuqing's crawlers.

Politeness and safety limits live here; per-environment knobs come from the environment
(``YUQING_CRAWL_*``) and per-source ones from the source's ``settings`` dict (applied by
``crawlers.run``).
"""

from __future__ import annotations

import os


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


BOT_NAME = "yuqing"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# ASCII only: a header with raw UTF-8 bytes is invalid HTTP and strict servers reject it.
USER_AGENT = "yuqing/0.1 (+public-opinion monitor of a government bureau; contact via the bureau)"
ROBOTSTXT_OBEY = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}

# Politeness: one site at a time per domain, a delay between requests, AutoThrottle on top.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = _env_float("YUQING_CRAWL_DELAY", 1.0)
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = os.environ.get("YUQING_CRAWL_AUTOTHROTTLE", "1") not in ("0", "false", "")
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY or 1.0
AUTOTHROTTLE_MAX_DELAY = _env_float("YUQING_CRAWL_MAX_DELAY", 30.0)
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Hostile input bounds: slow pages, huge pages, redirect loops.
DOWNLOAD_TIMEOUT = _env_float("YUQING_CRAWL_TIMEOUT", 30.0)
DOWNLOAD_MAXSIZE = int(_env_float("YUQING_CRAWL_MAXSIZE", 10 * 1024 * 1024))
DOWNLOAD_WARNSIZE = DOWNLOAD_MAXSIZE // 4
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 5
DEPTH_LIMIT = 6
URLLENGTH_LIMIT = 2083

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Exponential backoff before a retried request (crawlers.middlewares.RetryBackoffMiddleware).
RETRY_BACKOFF_BASE = _env_float("YUQING_CRAWL_BACKOFF", 2.0)
RETRY_BACKOFF_MAX = 60.0

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.RetryBackoffMiddleware": 560,
}

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("YUQING_CRAWL_LOG_LEVEL", "INFO")

# Item limits (see docs/CONTRACTS.md): body text and raw page size kept per item.
YUQING_TEXT_MAX_CHARS = 200_000
YUQING_RAW_MAX_BYTES = 5 * 1024 * 1024
YUQING_SEEN_MAX = 5000
YUQING_MAX_LIST_PAGES = 5
YUQING_MAX_ARTICLES = 200

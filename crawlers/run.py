"""Run one source's crawl in this process (a fresh one: Twisted's reactor cannot restart).

    python -m crawlers.run --source SRC.json --state STATE.json --out ITEMS.jsonl \
        --result RESULT.json [--close-after SECONDS]

Items are written one JSON object per line as they are scraped (so a killed crawl still
leaves what it found); the result file holds the new state, stats, error and blind reason.
Callers use ``crawlers.runner.run_crawl``, which spawns this module.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers.hotline import read_tickets
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.board import BoardSpider
from crawlers.spiders.html import HtmlSpider
from crawlers.spiders.rss import RssSpider
from crawlers.spiders.search import SearchSpider
from crawlers.spiders.wechat import WechatSpider

logger = logging.getLogger(__name__)

SPIDERS: dict[str, type[SourceSpider]] = {
    "rss": RssSpider, "html": HtmlSpider, "wechat": WechatSpider, "board": BoardSpider,
    "search": SearchSpider,
}
# Scrapy settings a source may override (tests and slow sites); anything else is ignored so
# a source row cannot switch off robots.txt or the size caps' existence.
OVERRIDABLE = {
    "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE",
    "RETRY_TIMES", "RETRY_BACKOFF_BASE", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_MAX_DELAY",
    "CONCURRENT_REQUESTS_PER_DOMAIN", "REDIRECT_MAX_TIMES", "LOG_LEVEL", "DEPTH_LIMIT",
    "RANDOMIZE_DOWNLOAD_DELAY",
}


def build_settings(source: dict[str, Any], close_after: float | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    for key, value in (source.get("settings") or {}).items():
        if key in OVERRIDABLE:
            settings.set(key, value, priority="cmdline")
        elif key.isupper():
            logger.warning("crawl.setting_ignored %s", key)
    if close_after:
        settings.set("CLOSESPIDER_TIMEOUT", close_after, priority="cmdline")
    return settings


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def crawl_site(source: dict[str, Any], state: dict[str, Any], out: Path,
               close_after: float | None = None) -> dict[str, Any]:
    """Run the spider for ``source['kind']``; return ``{state, stats, error, blind}``."""
    spider_cls = SPIDERS[source["kind"]]
    process = CrawlerProcess(build_settings(source, close_after), install_root_handler=True)
    crawler = process.create_crawler(spider_cls)
    finish: dict[str, str] = {}
    with out.open("w", encoding="utf-8") as sink:
        def on_item(item: dict[str, Any], **_: Any) -> None:
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
            sink.flush()

        def on_closed(reason: str, **_: Any) -> None:
            finish["reason"] = reason

        crawler.signals.connect(on_item, signal=signals.item_scraped)
        crawler.signals.connect(on_closed, signal=signals.spider_closed)
        process.crawl(crawler, source=source, state=state)
        process.start()
    spider: SourceSpider = crawler.spider  # type: ignore[assignment]
    reason = finish.get("reason", "unknown")
    error = None
    if getattr(spider, "config_error", None):  # e.g. a search source with nothing to search
        error = spider.config_error
    elif spider.start_failed:
        error = f"起始地址抓取失败：{spider.start_failed}"
    elif reason not in ("finished", "blind"):
        error = f"抓取提前结束：{reason}"
    stats = dict(spider.counts)
    # Off-host redirects are dropped by OffsiteMiddleware at scheduling time, without reaching
    # the spider's errback: take its count from Scrapy's stats.
    stats.update(finish_reason=reason, failures=spider.failures,
                 offsite_filtered=int(crawler.stats.get_value("offsite/filtered", 0) or 0),
                 robots_forbidden=int(crawler.stats.get_value(
                     "robotstxt/forbidden", 0) or 0))
    return {"state": spider.export_state(), "stats": stats, "error": error,
            "blind": spider.blind}


def crawl_hotline(source: dict[str, Any], state: dict[str, Any], out: Path) -> dict[str, Any]:
    """A hotline "source" is an export file; new tickets become items."""
    url = source["url"]
    path = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else Path(url)
    seen = dict.fromkeys(state.get("seen") or [])
    count = 0
    with out.open("w", encoding="utf-8") as sink:
        for ticket in read_tickets(path):
            key = f"hotline:{source['slug']}:{ticket['ticket_no']}"
            if key in seen:
                continue
            seen[key] = None
            count += 1
            item = {
                "source": source["slug"], "kind": "hotline", "url": key, "canonical_url": key,
                "title": ticket["title"], "text": str(ticket["content"]),
                "published_at": ticket["transferred_at"] or ticket["received_at"],
                "author": "", "origin": "12345",
                "fetched_at": datetime.now(UTC).isoformat(),
                "raw_gz_b64": base64.b64encode(gzip.compress(
                    json.dumps(ticket, ensure_ascii=False).encode("utf-8"))).decode("ascii"),
                "encoding": "utf-8",
                "extra": {k: v for k, v in ticket.items() if k not in ("title", "content")},
                "parse_error": None,
            }
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    return {"state": {"seen": list(seen)[-20000:]},
            "stats": {"pages": 1, "items": count, "not_modified": 0, "errors": 0},
            "error": None, "blind": None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="运行一个信息源的抓取")
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--state", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--close-after", type=float, default=None,
                        help="seconds after which the spider closes itself gracefully")
    args = parser.parse_args(argv)
    source = json.loads(args.source.read_text(encoding="utf-8"))
    state = {}
    if args.state and args.state.exists():
        state = json.loads(args.state.read_text(encoding="utf-8") or "{}")
    if source.get("kind") == "hotline":
        result = crawl_hotline(source, state, args.out)
    elif source.get("kind") in SPIDERS:
        result = crawl_site(source, state, args.out, args.close_after)
    else:
        result = {"state": state, "stats": {}, "error": f"未知的信息源类型：{source.get('kind')}",
                  "blind": None}
    _write_json(args.result, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

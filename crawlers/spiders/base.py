"""Shared behaviour of every source spider.

A spider is built from a Source dict and the incremental state its previous run returned.
It fetches list pages/feeds with conditional GET, skips URLs it has already stored, turns
article pages into crawl items (docs/CONTRACTS.md), keeps every failure bounded and
logged, and stops with a *blind* reason when the site shows a verification wall.
"""

from __future__ import annotations

import base64
import gzip
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.extract.antibot import detect_block
from crawlers.extract.canonical import canonicalize, host_of
from crawlers.extract.dates import to_iso
from crawlers.extract.encoding import decode_page

logger = logging.getLogger(__name__)

MAX_FAILURES_KEPT = 20
MAX_VALIDATORS_KEPT = 200
_SIZE_IN_MESSAGE = re.compile(r"max(?:imum)? size \((\d+)|DOWNLOAD_MAXSIZE \((\d+)")


def _megabytes(message: str) -> str:
    found = _SIZE_IN_MESSAGE.search(message)
    size = next((g for g in found.groups() if g), None) if found else None
    return f"（{int(size) / 1048576:g} MB）" if size else ""


def failure_reason(failure: Failure, message: str) -> str:
    """The Chinese reason a duty officer reads for a failed request; the technical message
    follows it for the engineer."""
    if failure.check(DownloadCancelledError) and "max size" in message:
        reason = f"页面超过大小上限{_megabytes(message)}，已停止下载"
    elif failure.check(DownloadCancelledError):
        # Scrapy cancels a body that outgrows the cap mid-stream without a message; the
        # crawl's own end cancels downloads the same way.
        reason = "下载被中止（页面超过大小上限或抓取已结束）"
    elif failure.check(IgnoreRequest) and "decompression" in message:
        reason = f"解压后超过大小上限{_megabytes(message)}，已拒绝（疑似压缩炸弹）"
    elif failure.check(DownloadTimeoutError):
        reason = "下载超时，页面未在规定时间内传完"
    elif failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        reason = "连接被拒绝"
    elif failure.check(CannotResolveHostError):
        reason = "域名无法解析"
    elif failure.check(ResponseDataLossError):
        reason = "页面数据不完整（连接中断）"
    elif failure.check(HttpError):
        reason = f"服务器返回错误状态码 {failure.value.response.status}"
    else:
        reason = "请求失败"
    return f"{reason}：{message}"[:300]


def _meta(response: Response | None) -> dict[str, Any] | None:
    """The response's request meta, or None for a response built without a request."""
    if response is None:
        return None
    try:
        return response.meta
    except AttributeError:
        return None


class SourceSpider(scrapy.Spider):
    """Base class: subclasses implement ``start`` and ``extract``."""

    name = "base"
    kind = ""
    #: hosts a kind always needs besides the source's own (e.g. mp.weixin.qq.com)
    extra_domains: tuple[str, ...] = ()

    def __init__(self, source: dict[str, Any], state: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.slug: str = source["slug"]
        self.start_url: str = source["url"]
        self.selectors: dict[str, str] = dict(source.get("selectors") or {})
        # Lower-case keys of source.settings are spider options; upper-case ones are Scrapy
        # settings applied by crawlers.run.
        self.options: dict[str, Any] = {
            k: v for k, v in (source.get("settings") or {}).items() if not k.isupper()
        }
        state = state or {}
        self.seen: dict[str, None] = dict.fromkeys(state.get("seen") or [])
        self.validators: dict[str, dict[str, str]] = dict(state.get("validators") or {})
        self.allowed_domains = list(dict.fromkeys(
            [host_of(self.start_url), *self.options.get("allowed_domains", []),
             *self.extra_domains]
        ))
        self.blind: str | None = None
        self.failures: list[dict[str, str]] = []
        self.counts = {"pages": 0, "not_modified": 0, "errors": 0, "filtered": 0,
                       "articles_requested": 0, "items": 0}
        self.start_failed: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # A redirect back to a URL already fetched is dropped by the scheduler's duplicate
        # filter without reaching any errback: without this the page would vanish silently.
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        return spider

    # --- options -------------------------------------------------------------------------
    def option(self, key: str, default: Any) -> Any:
        """A spider option from the source, else the project setting ``YUQING_<KEY>``."""
        if key in self.options:
            return self.options[key]
        settings = getattr(self, "settings", None)
        return settings.get(f"YUQING_{key.upper()}", default) if settings else default

    @property
    def allowed_hosts(self) -> set[str]:
        return set(self.allowed_domains)

    def host_allowed(self, url: str) -> bool:
        host = host_of(url)
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    # --- incremental state -----------------------------------------------------------------
    def is_seen(self, url: str) -> bool:
        return canonicalize(url) in self.seen

    def mark_seen(self, *urls: str) -> None:
        for url in urls:
            if url:
                key = canonicalize(url)
                self.seen.pop(key, None)  # re-insert so the most recent stay when trimming
                self.seen[key] = None

    def can_request_article(self) -> bool:
        return self.counts["articles_requested"] < int(self.option("max_articles", 200))

    def conditional_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A GET carrying If-None-Match / If-Modified-Since from the previous run."""
        headers = dict(kwargs.pop("headers", {}) or {})
        known = self.validators.get(canonicalize(url), {})
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        meta = dict(kwargs.pop("meta", {}) or {})
        meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=headers,
                              meta=meta, **kwargs)

    def article_request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        self.counts["articles_requested"] += 1
        return scrapy.Request(url, callback=callback, errback=self.on_error,
                              meta={"listed_url": url, **meta})

    def not_modified(self, response: Response) -> bool:
        """Record a 304 (nothing new since last run) and say whether it was one."""
        self.counts["pages"] += 1
        if response.status != 304:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                self.validators[canonicalize(response.url)] = {
                    k: v.decode("latin-1") for k, v in
                    (("etag", etag), ("last_modified", modified)) if v
                }
            return False
        self.counts["not_modified"] += 1
        logger.info("crawl.not_modified %s", response.url)
        return True

    def export_state(self) -> dict[str, Any]:
        seen_max = int(self.option("seen_max", 5000))
        validators = dict(list(self.validators.items())[-MAX_VALIDATORS_KEPT:])
        return {"seen": list(self.seen)[-seen_max:], "validators": validators}

    # --- decoding, blocking, failures --------------------------------------------------------
    def decode(self, response: Response) -> tuple[str, str]:
        """``(text, codec)``; what could not be decoded is noted on the response's meta and
        shows in its item (``extra.encoding_note``, and ``parse_error`` when only guessed)."""
        decoded = decode_page(response.body, response.headers.get("Content-Type"),
                              self.source.get("encoding"))
        if decoded.note:
            logger.warning("crawl.encoding source=%s url=%s %s", self.slug, response.url,
                           decoded.note)
            meta = _meta(response)
            if meta is not None:
                meta["encoding_note"] = decoded.note
                meta["encoding_reliable"] = decoded.reliable
        return decoded.text, decoded.codec

    def block_reason(self, text: str, response: Response) -> str | None:
        return detect_block(text, response.url)

    def mark_blind(self, reason: str, url: str) -> None:
        """Stop the crawl: the site is showing a wall, not content."""
        self.blind = reason
        logger.warning("crawl.blind source=%s url=%s reason=%s", self.slug, url, reason)
        raise CloseSpider("blind")

    def on_dropped(self, request: scrapy.Request, **_: Any) -> None:
        """Record a redirect that came back to a URL of its own chain (A → B → A, A → A)."""
        chain = list(request.meta.get("redirect_urls") or [])
        if chain and canonicalize(request.url) in {canonicalize(u) for u in chain}:
            self.record_failure(request, chain[0], f"重定向循环：{chain[0]}")

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        message = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]
        if request is not None and failure.check(IgnoreRequest) and "redirections" in message:
            # Requests exempt from the duplicate filter loop until REDIRECT_MAX_TIMES.
            chain = [*(request.meta.get("redirect_urls") or []), request.url]
            url = chain[0]
            looped = len({canonicalize(u) for u in chain}) < len(chain)
            message = f"重定向循环：{url}" if looped else f"重定向次数超过上限：{url}"
        filtered = failure.check(IgnoreRequest) and any(
            word in message for word in ("offsite", "robots.txt")
        )
        if not filtered and not message.startswith("重定向"):
            message = failure_reason(failure, message)
        self.record_failure(request, url, message, filtered=bool(filtered))

    def record_failure(self, request: scrapy.Request | None, url: str, message: str, *,
                       filtered: bool = False) -> None:
        """Count a failed request and keep it (bounded) in the stats' ``failures``."""
        self.counts["filtered" if filtered else "errors"] += 1
        if request is not None and request.meta.get("start"):
            self.start_failed = message
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append({"url": url, "error": message})
        log = logger.info if filtered else logger.warning
        log("crawl.request_failed source=%s url=%s error=%s", self.slug, url, message)

    # --- items --------------------------------------------------------------------------------
    def build_item(self, response: Response | None, data: dict[str, Any], encoding: str,
                   *, url: str | None = None, raw: bytes | None = None) -> dict[str, Any]:
        """Assemble one crawl item (docs/CONTRACTS.md) and remember its URLs as seen."""
        url = url or (response.url if response is not None else self.start_url)
        raw = raw if raw is not None else (response.body if response is not None else b"")
        raw_max = int(self.option("raw_max_bytes", 5 * 1024 * 1024))
        text_max = int(self.option("text_max_chars", 200_000))
        text = data.get("text") or ""
        extra = dict(data.get("extra") or {})
        if data.get("account"):
            extra.setdefault("account", data["account"])
        if len(raw) > raw_max:
            extra["raw_truncated"] = True
        if len(text) > text_max:
            extra["text_truncated"] = True
        published = data.get("published_at")
        canonical = data.get("canonical_url") or canonicalize(url)
        meta = _meta(response) or {}
        listed = meta.get("listed_url")
        parse_error = data.get("parse_error")
        if meta.get("encoding_note"):
            extra.setdefault("encoding_note", meta["encoding_note"])
            if not meta.get("encoding_reliable", True) and not parse_error:
                parse_error = meta["encoding_note"]
        self.mark_seen(canonical, url, listed or "")
        self.counts["items"] += 1
        return {
            "source": self.slug,
            "kind": self.kind,
            "url": url,
            "canonical_url": canonical,
            "title": (data.get("title") or "")[:500],
            "text": text[:text_max],
            "published_at": to_iso(published) if isinstance(published, datetime) else published,
            "author": (data.get("author") or "")[:200],
            "origin": (data.get("origin") or self.source.get("name") or "")[:200],
            "fetched_at": datetime.now(UTC).isoformat(),
            "raw_gz_b64": base64.b64encode(gzip.compress(raw[:raw_max])).decode("ascii"),
            "encoding": encoding,
            "extra": extra,
            "parse_error": parse_error,
        }

    def extract(self, text: str, response: Response) -> dict[str, Any]:
        raise NotImplementedError

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        """Decode, refuse walls, extract; a page that cannot be parsed is kept and flagged."""
        self.counts["pages"] += 1
        text, encoding = self.decode(response)
        reason = self.block_reason(text, response)
        if reason:
            self.mark_blind(reason, response.url)
        data = self.safe_extract(text, response)
        yield from self.finish_article(text, response, data, encoding)

    def safe_extract(self, text: str, response: Response) -> dict[str, Any]:
        try:
            return self.extract(text, response)
        except Exception as exc:  # hostile pages must not stop the crawl; keep the raw page
            logger.exception("crawl.parse_failed source=%s url=%s", self.slug, response.url)
            return {"parse_error": f"解析失败：{type(exc).__name__}: {exc}"[:300]}

    def finish_article(self, text: str, response: Response, data: dict[str, Any],
                       encoding: str) -> Iterator[Any]:
        """Turn an extracted page into its item (spiders that follow pages override this)."""
        yield self.build_item(response, data, encoding)

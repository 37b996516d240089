"""`yuqing sources capture URL --out DIR`: save one page as a test fixture.

When a site changes its template, a maintainer (or the bureau) captures the page and adds it to
the tests: the body is saved byte for byte as the server sent it (after undoing gzip/deflate
transfer compression, as the crawler does), beside a JSON file with the response's status and
headers. ``crawlers.tests.responses.captured_response`` turns the pair back into the Scrapy
response the spiders see. The fetch uses the crawler's User-Agent, headers, timeout, redirect
limit and size cap (decompressed included), so a page that the crawler would refuse is refused.
It is one page asked for by a person, like opening it in a browser: robots.txt is not consulted.
"""
from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawlers import settings as crawl_settings
from crawlers.extract.encoding import decode_page

CHUNK = 64 * 1024
# Headers that describe the transfer, not the page: the saved body is already decompressed and
# its length is the file's. Cookies are a visitor's session and never belong in a repository.
DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "set-cookie",
                   "connection", "keep-alive"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PAGE_EXT = re.compile(r"\.(?:s?html?|jsp|aspx?|php|do|xml)$", re.IGNORECASE)
STEM_MAX = 80


class CaptureError(Exception):
    """The page could not be captured; the message is the Chinese reason."""


@dataclass
class Capture:
    url: str
    final_url: str
    status: int
    body_path: Path
    headers_path: Path
    size: int
    encoding: str
    encoding_note: str | None = None


def _extension(content_type: str, url: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if "html" in kind:
        return ".html"
    if "xml" in kind or "rss" in kind or "atom" in kind:
        return ".xml"
    if "json" in kind:
        return ".json"
    found = re.search(r"\.[A-Za-z0-9]{1,5}$", urlsplit(url).path)
    return found.group(0).lower() if found else ".html"


def fixture_stem(url: str) -> str:
    """A file name stem from the URL: host and path, unsafe characters as ``_``; a short hash of
    the whole URL is added when the query or a cut would otherwise make two pages collide."""
    parts = urlsplit(url)
    path = _PAGE_EXT.sub("", unquote(parts.path))
    stem = _UNSAFE.sub("_", f"{parts.hostname or 'page'}{path}").strip("._-") or "page"
    if parts.query or len(stem) > STEM_MAX:
        stem = f"{stem[:STEM_MAX].rstrip('._-')}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"
    return stem


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = int(crawl_settings.REDIRECT_MAX_TIMES)

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise CaptureError(f"重定向到了不支持的地址：{newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_capped(response: Any, limit: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise CaptureError(f"页面超过大小上限（{limit / 1048576:g} MB），已停止下载")
    chunks, size = [], 0
    while chunk := response.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise CaptureError(f"页面超过大小上限（{limit / 1048576:g} MB），已停止下载")
        chunks.append(chunk)
    return b"".join(chunks)


def _decompress(body: bytes, coding: str, limit: int) -> bytes:
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return body
    if coding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    elif coding == "deflate":
        # Servers send zlib-wrapped and raw deflate under the same name.
        decoder = zlib.decompressobj(zlib.MAX_WBITS if body[:1] == b"\x78" else -zlib.MAX_WBITS)
    else:
        raise CaptureError(f"不支持的内容压缩方式：{coding}")
    try:
        data = decoder.decompress(body, limit + 1)
    except zlib.error as exc:
        raise CaptureError(f"页面数据无法解压：{exc}") from exc
    if len(data) > limit or decoder.unconsumed_tail:
        raise CaptureError(f"解压后超过大小上限（{limit / 1048576:g} MB），已拒绝（疑似压缩炸弹）")
    return data


def _fetch(url: str, timeout: float, limit: int) -> tuple[str, int, list[tuple[str, str]], bytes]:
    headers = {**crawl_settings.DEFAULT_REQUEST_HEADERS, "User-Agent": crawl_settings.USER_AGENT,
               # What the crawler advertises too (minus brotli, which urllib cannot undo).
               "Accept-Encoding": "gzip, deflate"}
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(_LimitedRedirects)
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):
            raise CaptureError(f"重定向次数超过上限：{url}") from exc
        response = exc  # an error page is a page too (walls answer 403): keep it
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise CaptureError("下载超时，页面未在规定时间内传完") from exc
        if isinstance(reason, ConnectionRefusedError):
            raise CaptureError("连接被拒绝") from exc
        raise CaptureError(f"请求失败：{reason}") from exc
    with response:
        try:
            raw = _read_capped(response, limit)
        except TimeoutError as exc:
            raise CaptureError("下载超时，页面未在规定时间内传完") from exc
        body = _decompress(raw, response.headers.get("Content-Encoding") or "", limit)
        status = getattr(response, "status", None) or response.getcode()
        return response.geturl(), int(status), list(response.headers.items()), body


def capture_page(url: str, out_dir: Path | str, *, timeout: float | None = None,
                 max_bytes: int | None = None) -> Capture:
    """Fetch ``url`` once and save ``<stem>.<ext>`` (the body) and ``<stem>.headers.json`` in
    ``out_dir``. Raises CaptureError with the Chinese reason when nothing could be saved."""
    url = url.strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise CaptureError(f"只能保存 http:// 或 https:// 网址：{url}")
    limit = int(max_bytes or crawl_settings.DOWNLOAD_MAXSIZE)
    final_url, status, header_items, body = _fetch(
        url, float(timeout or crawl_settings.DOWNLOAD_TIMEOUT), limit)
    kept: dict[str, str] = {}
    for name, value in header_items:
        if name.lower() in DROPPED_HEADERS:
            continue
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    content_type = next((v for k, v in kept.items() if k.lower() == "content-type"), "")
    decoded = decode_page(body, content_type or None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = fixture_stem(url)
    body_path = out / f"{stem}{_extension(content_type, final_url)}"
    headers_path = out / f"{stem}.headers.json"
    body_path.write_bytes(body)
    record = {"url": url, "final_url": final_url, "status": status, "headers": kept,
              "body_file": body_path.name, "encoding": decoded.codec,
              "fetched_at": datetime.now(UTC).isoformat(timespec="seconds")}
    headers_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Capture(url, final_url, status, body_path, headers_path, len(body), decoded.codec, decoded.note)

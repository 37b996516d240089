"""A hostile site on 127.0.0.1 crawled through the real runner: nothing crashes, nothing leaks.

XSS payloads, a 50 MB page (announced and streamed), a gzip bomb, a page that never finishes,
5,000 nested <div>s and an XXE feed sit beside good articles. The good articles come out,
each bad page is a failure with a Chinese reason, memory stays bounded and no item carries
/etc/passwd. Redirect loops, 10,000 links and bad bytes are covered by test_redirect_loop,
test_hostile_lists and test_integration.
"""

from __future__ import annotations

import multiprocessing
import re
import resource
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawlers.runner import run_crawl
from crawlers.tests.site import Site
from crawlers.tests.test_integration import FAST, TITLES, article

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
ONERROR = '"><img src=x onerror=alert(1)>'
XSS_TITLE = f"市司法局关于{SCRIPT}律师执业投诉的答复{ONERROR}"
# The project's own size caps (10 MB), not the test suite's small ones: the point is that
# the shipped settings cut a 50 MB page and refuse a bomb.
HOSTILE = {k: v for k, v in FAST.items() if not k.startswith("DOWNLOAD_")}
HOSTILE.update(DOWNLOAD_TIMEOUT=2, RETRY_TIMES=0)
PASSWD = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace") \
    if Path("/etc/passwd").exists() else "root:x:0:0:root:/root:/bin/bash\n"
PASSWD_MARKERS = [line.split(":")[0] + ":x:" for line in PASSWD.splitlines()[:3] if line] or [
    "root:x:"]
BODY = "<p>市司法局召开全市人民调解工作会议，部署矛盾纠纷排查化解工作，要求各县区司法局落实责任。</p>"


def gzip_bomb() -> bytes:
    """~1 GB of zeros as ~1 MB of gzip, built in 1 MB steps (never 1 GB in memory here)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    parts = [packer.compress(zeros) for _ in range(1024)]
    return b"".join([*parts, packer.flush()])


def xss_article() -> str:
    page = article("a2").replace(TITLES["a2"], XSS_TITLE)
    return page.replace(
        "</head>", f'<meta name="description" content="{ONERROR}{SCRIPT}"></head>', 1
    ).replace("<body>", f"<body><p>{SCRIPT}</p><p>{ONERROR}</p>"
              '<a href="javascript:alert(1)">点击查看</a>', 1)


def deep_page() -> str:
    return ('<html><head><meta charset="utf-8"><title>层层嵌套的通知公告标题</title></head><body>'
            + "<div>" * 5000 + BODY * 20 + "</div>" * 5000 + "</body></html>")


def xxe_feed(base: str) -> str:
    text = "市司法局公布2024年度法律援助案件质量评估结果，&xxe;全市共评估案件一千二百件。" * 8
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>漳州市司法局 &xxe;</title><link>{base}/</link>
<item><title>法律援助质量评估结果公布&xxe;</title><link>{base}/feed/full.html</link>
<description>{text}</description><pubDate>Mon, 04 Mar 2024 09:00:00 +0800</pubDate></item>
<item><title>&xxe;</title><link>{base}/news/a3.html</link><description>&xxe;</description>
<pubDate>Mon, 04 Mar 2024 10:00:00 +0800</pubDate></item>
</channel></rss>"""


class HostileSite(Site):
    """The shared test site plus a huge page of unknown length (no Content-Length)."""

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/bad/stream"):
            return self._stream(h)
        return super().handle(h)

    def _stream(self, h: BaseHTTPRequestHandler) -> None:
        h.protocol_version = "HTTP/1.0"  # body ends when the connection closes
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        chunk = ("<p>" + "长" * 4000 + "</p>").encode("utf-8")
        try:
            for _ in range(50 * 1024 * 1024 // len(chunk)):
                if self.stop.is_set():
                    return
                h.wfile.write(chunk)
        except OSError:
            pass  # cut at the size cap


BAD_LINKS = {
    "/huge.html": "五十兆字节的超大页面标题",
    "/bad/stream.html": "没有长度且不断输出的页面标题",
    "/bad/bomb.html": "解压后有一千兆字节的页面标题",
    "/hang.html": "永远不会结束的页面标题",
    "/bad/deep.html": "五千层嵌套的通知公告标题",
    "/news/xss.html": "含有脚本注入内容的文章标题",
}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb()


@pytest.fixture
def site(bomb: bytes) -> Iterator[HostileSite]:
    with HostileSite() as s:
        s.add("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
        for key in TITLES:
            s.add(f"/news/{key}.html", article(key))
        s.add("/news/xss.html", xss_article())
        s.add("/bad/deep.html", deep_page())
        s.add("/bad/bomb.html", bomb, **{"Content-Encoding": "gzip"})
        s.add("/feed/full.html", article("a4"))
        s.add("/feed.xml", xxe_feed(s.base), content_type="application/rss+xml; charset=utf-8")
        rows = "".join(f'<li><a href="{path}">{title}</a><span>2024-03-04</span></li>'
                       for path, title in BAD_LINKS.items())
        rows += (f'<li><a href="/news/a1.html">{TITLES["a1"]}</a><span>2024-03-01</span></li>'
                 '<li><a href="javascript:alert(1)">脚本链接伪装成的文章标题</a></li>'
                 f'<li><a href="/news/a3.html">{SCRIPT}{ONERROR}</a></li>')
        s.add("/news/index.html",
              '<html><head><meta charset="utf-8"><title>工作动态_漳州市司法局</title></head>'
              f"<body><ul>{rows}</ul></body></html>")
        yield s


def source(site: Site, kind: str, path: str, **settings: object) -> dict:
    return {"slug": "zzsfj-hostile", "name": "漳州市司法局", "kind": kind,
            "url": site.base + path, "settings": {**HOSTILE, **settings}}


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def no_passwd(items: list[dict]) -> None:
    for item in items:
        blob = " ".join(str(item.get(k) or "") for k in ("title", "text", "author", "extra"))
        assert not any(marker in blob for marker in PASSWD_MARKERS), item["url"]


def _crawl_measured(src: dict) -> tuple[object, int]:
    """The crawl from a fresh process, with the largest resident size of that process's children:
    RUSAGE_CHILDREN of the test process would also count every earlier test's subprocesses."""
    result = run_crawl(src, {}, timeout=90)
    return result, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def test_hostile_list_page_good_articles_out_bad_pages_failed(site: HostileSite) -> None:
    started = time.monotonic()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result, child_rss_kib = pool.submit(_crawl_measured, source(site, "html", "/news/index.html")).result()
    elapsed = time.monotonic() - started
    assert elapsed < 60  # bounded by DOWNLOAD_TIMEOUT and the size caps, not the hard kill
    assert result.error is None and not result.crashed, result.log_tail
    by_path = {i["url"].removeprefix(site.base): i for i in result.items}
    assert {"/news/a1.html", "/news/a3.html"} <= set(by_path)
    assert TITLES["a1"] == by_path["/news/a1.html"]["title"]

    failures = {f["url"].removeprefix(site.base): f["error"] for f in result.stats["failures"]}
    for path in ("/huge.html", "/bad/stream.html", "/bad/bomb.html", "/hang.html"):
        assert path in failures, (path, failures)
        assert has_chinese(failures[path]), failures[path]
        assert path not in by_path
    assert failures["/huge.html"].startswith("页面超过大小上限")
    assert "超过大小上限" in failures["/bad/stream.html"]  # no Content-Length: cut mid-stream
    assert failures["/bad/bomb.html"].startswith("解压后超过大小上限")
    assert failures["/hang.html"].startswith("下载超时")
    # The bomb was refused while decompressing, not inflated to 1 GB in the crawl child.
    assert child_rss_kib < 600 * 1024

    # Deep nesting: an item (possibly flagged) or a failure, never a RecursionError crash.
    deep = by_path.get("/bad/deep.html")
    assert deep is not None or "/bad/deep.html" in failures
    if deep is not None and deep["parse_error"]:
        assert has_chinese(deep["parse_error"])
    assert "RecursionError" not in result.log_tail

    # XSS is data to the crawler (escaping is the UI's job), but a javascript: link is never
    # fetched as a page.
    assert "律师执业投诉的答复" in by_path["/news/xss.html"]["title"]
    assert not any("javascript" in p or "alert" in p for p in site.paths())
    no_passwd(result.items)


def test_xxe_feed_does_not_read_local_files(site: HostileSite) -> None:
    result = run_crawl(source(site, "rss", "/feed.xml", prefer_feed_content=True), {},
                       timeout=60)
    assert result.error is None and not result.crashed, result.log_tail
    by_path = {i["url"].removeprefix(site.base): i for i in result.items}
    assert set(by_path) == {"/feed/full.html", "/news/a3.html"}
    assert by_path["/feed/full.html"]["text"].startswith("市司法局公布2024年度法律援助")
    assert by_path["/news/a3.html"]["title"] == TITLES["a3"]
    no_passwd(result.items)
    assert not any(marker in result.log_tail for marker in PASSWD_MARKERS)

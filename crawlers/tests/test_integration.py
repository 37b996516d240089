"""Real crawls (run_crawl → subprocess → Scrapy) against a site served on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from crawlers.runner import run_crawl
from crawlers.tests.responses import FILES
from crawlers.tests.site import Site

pytestmark = pytest.mark.slow

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 3,
        "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.2, "DOWNLOAD_MAXSIZE": 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 512 * 1024, "RANDOMIZE_DOWNLOAD_DELAY": False}
ARTICLE = (FILES / "html_utf8_article.html").read_text(encoding="utf-8")
TITLES = {
    "a1": "市司法局召开全市法律援助工作推进会",
    "a2": "我市开展“宪法宣传周”普法进社区活动",
    "a3": "市公证处推出“最多跑一次”公证服务事项清单",
    "a4": "市司法局部署人民调解矛盾纠纷排查化解工作",
}


def article(key: str) -> str:
    # Same template as the saved government page, its own title and no rel=canonical.
    page = ARTICLE.replace("漳州市司法局2016年政务公开工作要点落实情况自查报告", TITLES[key])
    return page.replace('<link rel="canonical" href="/zwgk/gzdt/201612/t20161209_1384650.htm">', "")


def listing(keys: list[str], extra: str = "", next_href: str | None = None) -> str:
    links = "".join(f'<li><a href="{k}.html">{TITLES[k]}</a><span>2024-03-0{k[-1]}</span></li>'
                    for k in keys)
    pager = f'<div class="pages"><a href="{next_href}">下一页</a></div>' if next_href else ""
    return (f'<html><head><meta charset="utf-8"><title>工作动态_漳州市司法局</title></head><body>'
            f'<div class="nav"><a href="/">网站首页</a></div><ul>{links}{extra}</ul>{pager}'
            f"</body></html>")


@pytest.fixture
def decoy() -> Iterator[Site | None]:
    """A server on another loopback address: links to it are off-host and must not be fetched."""
    try:
        site = Site(host="127.0.0.2")
    except OSError:
        yield None
        return
    with site:
        yield site


@pytest.fixture
def site(decoy: Site | None) -> Iterator[Site]:
    offhost = decoy.base if decoy else "http://127.0.0.2:9"
    with Site() as s:
        s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        s.add("/news/index.html", listing(
            ["a1", "a2"], next_href="index_1.html",
            extra=f'<li><a href="/private/secret.html">内部资料目录不对外公开的文件</a></li>'
                  f'<li><a href="{offhost}/news/x.html">外站转载的一篇文章标题很长</a></li>'))
        s.add("/news/index_1.html", listing(["a3"]))
        for key in TITLES:
            s.add(f"/news/{key}.html", article(key))
        yield s


def source(site: Site, path: str = "/news/index.html", **settings: object) -> dict:
    return {"slug": "zzsfj-gzdt", "name": "漳州市司法局", "kind": "html",
            "url": site.base + path, "settings": {**FAST, **settings}}


def test_incremental_crawl_and_conditional_get(site: Site, decoy: Site | None) -> None:
    first = run_crawl(source(site), {}, timeout=60)
    assert first.error is None and first.blind is None
    assert sorted(i["title"] for i in first.items) == sorted(TITLES[k] for k in ("a1", "a2", "a3"))
    assert all(i["published_at"] == "2016-12-09T00:00:00+08:00" for i in first.items)
    assert "/private/secret.html" not in site.paths()  # robots.txt obeyed
    assert site.paths()[0] == "/robots.txt"
    assert site.requests[1]["headers"]["User-Agent"].startswith("yuqing/0.1")
    if decoy is not None:
        assert decoy.requests == []  # off-host link never followed
    assert first.stats["filtered"] >= 1  # the robots.txt refusal, logged

    # Second run: the list page answers 304 to the validators we stored; nothing is fetched.
    site.requests.clear()
    second = run_crawl(source(site), first.state, timeout=60)
    assert second.items == [] and second.error is None
    assert second.stats["not_modified"] == 1
    list_request = next(r for r in site.requests if r["path"] == "/news/index.html")
    assert list_request["headers"]["If-None-Match"]
    assert list_request["headers"]["If-Modified-Since"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert [p for p in site.paths() if p.startswith("/news/a")] == []

    # A new article appears: only it is fetched, and pagination stops at known items.
    site.add("/news/index.html", listing(["a4", "a1", "a2"], next_href="index_1.html"))
    site.requests.clear()
    third = run_crawl(source(site), second.state, timeout=60)
    assert [i["title"] for i in third.items] == [TITLES["a4"]]
    assert [p for p in site.paths() if p.startswith("/news/")] == [
        "/news/index.html", "/news/a4.html"]


def test_hostile_pages_end_in_bounded_logged_failures(site: Site, decoy: Site | None) -> None:
    offhost = decoy.base if decoy else "http://127.0.0.2:9"
    bad = ('<li><a href="/huge.html">五十兆字节的超大页面标题</a></li>'
           '<li><a href="/hang.html">永远不会结束的页面标题</a></li>'
           '<li><a href="/loop.html">重定向循环的页面标题</a></li>'
           '<li><a href="/bad/invalid.html">含有无效字节的页面标题</a></li>'
           f'<li><a href="{offhost}/bad/offhost.html">跳到其他主机的链接标题</a></li>'
           '<li><a href="/bad/away.html">重定向到其他主机的页面标题</a></li>')
    site.add("/bad/away.html", b"", status=302, Location=f"{offhost}/bad/away-target.html")
    site.add("/bad/index.html", listing(["a1"], extra=bad).replace('href="a1', 'href="/news/a1'))
    site.add("/bad/invalid.html", b"<html><head><title>\xe6\x97\xa0\xff\xfe</title></head><body>"
             + "<p>市司法局通报律师执业违规问题的处理结果。</p>".encode() * 20
             + b"\x80\x81\xff</body></html>")
    started = time.monotonic()
    result = run_crawl(source(site, "/bad/index.html", DOWNLOAD_TIMEOUT=2), {}, timeout=60)
    elapsed = time.monotonic() - started
    assert elapsed < 30  # the hanging page is cut by DOWNLOAD_TIMEOUT, not the hard kill
    assert result.error is None
    by_url = {i["url"].rsplit("/", 1)[-1]: i for i in result.items}
    assert set(by_url) == {"a1.html", "invalid.html"}  # kept; the rest failed cleanly
    assert "市司法局通报律师执业违规问题" in by_url["invalid.html"]["text"]
    failed = {f["url"].rsplit("/", 1)[-1] for f in result.stats["failures"]}
    assert {"huge.html", "hang.html"} <= failed
    assert any("loop" in f["url"] for f in result.stats["failures"])
    assert result.stats["errors"] >= 3
    assert result.stats["offsite_filtered"] >= 1  # the redirect to another host
    if decoy is not None:
        assert decoy.requests == []


def test_hard_timeout_kills_a_stuck_crawl(site: Site) -> None:
    started = time.monotonic()
    result = run_crawl(source(site, "/hang.html", DOWNLOAD_TIMEOUT=60, RETRY_TIMES=0),
                       {"seen": ["http://x/keep"]}, timeout=4)
    assert time.monotonic() - started < 9
    assert result.error
    assert result.items == []
    assert "http://x/keep" in result.state["seen"]


def test_hotline_export_through_the_runner() -> None:
    src = {"slug": "zz12345", "name": "12345转办件", "kind": "hotline",
           "url": str(FILES / "tickets_gbk.csv")}
    first = run_crawl(src, {}, timeout=60)
    assert first.error is None
    assert [i["extra"]["ticket_no"] for i in first.items] == [
        "ZZ12345202403110001", "ZZ12345202403110017", "ZZ12345202403120003"]
    assert first.items[0]["published_at"] == "2024-03-11T09:12:00+08:00"
    assert run_crawl(src, first.state, timeout=60).items == []

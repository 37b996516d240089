"""Redirect loops (A → B → A, A → A) are crawl errors, never silent losses.

Scrapy's duplicate filter drops the request that comes back to a URL already fetched, without
an errback: the page used to vanish from the result. Real crawls against 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawlers.runner import run_crawl
from crawlers.tests.site import Site
from crawlers.tests.test_integration import FAST, TITLES, article, listing

pytestmark = pytest.mark.slow


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        s.add("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
        # A list page whose CMS moved it and moved it back: index → list.html → index.
        s.add("/gzdt/index.html", b"", status=302, Location="/gzdt/list.html")
        s.add("/gzdt/list.html", b"", status=301, Location="/gzdt/index.html")
        s.add("/self/index.html", b"", status=302, Location="/self/index.html")
        for key in TITLES:
            s.add(f"/news/{key}.html", article(key))
        s.add("/news/pingpong.html", b"", status=302, Location="/news/pong.html")
        s.add("/news/pong.html", b"", status=302, Location="/news/pingpong.html")
        s.add("/news/self.html", b"", status=301, Location="/news/self.html")
        s.add("/news/index.html", listing(["a1", "a2"], extra=(
            '<li><a href="pingpong.html">市司法局关于法律援助案件质量评估的通报</a></li>'
            '<li><a href="self.html">我市律师行业党建工作推进会召开</a></li>')))
        yield s


def source(site: Site, path: str) -> dict:
    return {"slug": "zzsfj-gzdt", "name": "漳州市司法局", "kind": "html",
            "url": site.base + path, "settings": dict(FAST)}


@pytest.mark.parametrize("path", ["/gzdt/index.html", "/self/index.html"])
def test_looping_list_page_is_the_crawl_error(site: Site, path: str) -> None:
    result = run_crawl(source(site, path), {}, timeout=60)
    url = site.base + path
    assert result.items == []
    assert result.error == f"起始地址抓取失败：重定向循环：{url}"
    assert {"url": url, "error": f"重定向循环：{url}"} in result.stats["failures"]
    assert result.stats["errors"] == 1


def test_looping_article_pages_are_recorded(site: Site) -> None:
    result = run_crawl(source(site, "/news/index.html"), {}, timeout=60)
    assert result.error is None
    assert sorted(i["title"] for i in result.items) == sorted([TITLES["a1"], TITLES["a2"]])
    failures = result.stats["failures"]
    for name in ("pingpong.html", "self.html"):
        url = f"{site.base}/news/{name}"
        assert {"url": url, "error": f"重定向循环：{url}"} in failures
    assert result.stats["errors"] == 2
    # The loops were not stored as seen: the next run tries them again.
    assert not any("pingpong" in url or "self.html" in url for url in result.state["seen"])


def test_endless_redirects_are_reported_in_chinese(site: Site) -> None:
    # Each hop a new URL (no loop): Scrapy's REDIRECT_MAX_TIMES ends it.
    site.add("/news/index.html", listing(["a1"], extra=(
        '<li><a href="/loop.html">重定向次数过多的页面标题</a></li>')))
    result = run_crawl(source(site, "/news/index.html"), {}, timeout=60)
    url = f"{site.base}/loop.html"
    assert {"url": url, "error": f"重定向次数超过上限：{url}"} in result.stats["failures"]

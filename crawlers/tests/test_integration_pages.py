"""A multi-page article crawled through run_crawl on a 127.0.0.1 site: one item, three pages."""

from __future__ import annotations

import pytest

from crawlers.runner import run_crawl
from crawlers.tests.responses import FILES
from crawlers.tests.site import Site
from crawlers.tests.test_integration import FAST

pytestmark = pytest.mark.slow
SITES = FILES / "sites"


def test_multipage_article_becomes_one_item() -> None:
    with Site() as site:
        # The list links page 1 and, as some CMSs do, page 2 beside it.
        site.add("/news/index.html",
                 '<html><head><meta charset="utf-8"><title>陕西频道</title></head><body><ul>'
                 '<li><a href="1130123.html">联通世界 塑造陕西发展新优势</a></li>'
                 '<li><a href="1130123_2.html">联通世界 塑造陕西发展新优势（二）</a></li>'
                 "</ul></body></html>")
        site.add("/news/1130123.html", (SITES / "multipage.html").read_bytes())
        site.add("/news/1130123_2.html", (SITES / "multipage_2.html").read_bytes())
        site.add("/news/1130123_3.html", (SITES / "multipage_3.html").read_bytes())
        source = {"slug": "chinacn-sx", "name": "中国网", "kind": "html",
                  "url": site.base + "/news/index.html", "settings": FAST}
        result = run_crawl(source, {}, timeout=60)
        paths = site.paths()
        site.requests.clear()
        again = run_crawl(source, result.state, timeout=60)

    assert result.error is None and result.blind is None
    (item,) = result.items
    assert item["url"] == site.base + "/news/1130123.html"
    assert item["title"] == "【共建“一带一路”·权威访谈】联通世界 塑造陕西发展新优势"
    assert item["published_at"] == "2023-10-11T19:55:06+08:00"
    assert item["origin"] == "央视新闻"
    text = item["text"]
    assert text.startswith("陕西是古丝绸之路的起点")
    assert text.endswith("在服务和融入新发展格局中展现更大作为。")
    assert text.index("通航全覆盖。") < text.index("交通通道的畅通") < text.index("在扩大开放的同时")
    assert item["extra"]["pages"] == 3
    # Each page fetched once; neither 下一篇 nor the column's index_1.html was followed.
    news = sorted(p for p in paths if p.startswith("/news/"))
    assert news == ["/news/1130123.html", "/news/1130123_2.html", "/news/1130123_3.html",
                    "/news/index.html"]
    assert result.stats["pages"] == 4 and result.stats["continuation_pages"] == 2
    assert result.stats["items"] == 1
    assert again.items == [] and again.stats["not_modified"] == 1

"""Multi-page articles: continuation URLs, one item per article, page 1's metadata."""

from __future__ import annotations

import base64
import gzip

import pytest
import scrapy
from freezegun import freeze_time
from twisted.python.failure import Failure

from crawlers.extract.pagination import continuation_links, page_number
from crawlers.spiders.html import HtmlSpider
from crawlers.tests.responses import FILES, file_response

P1 = "http://sx.china.com.cn/news/1130123.html"
P2 = "http://sx.china.com.cn/news/1130123_2.html"
P3 = "http://sx.china.com.cn/news/1130123_3.html"
SOURCE = {"slug": "chinacn-sx", "name": "中国网", "kind": "html",
          "url": "http://sx.china.com.cn/news/index.html"}
FIRST = "陕西是古丝绸之路的起点，也是共建“一带一路”的重要节点。"
PAGE1_LAST = "率先实现中亚“五国六城”通航全覆盖。"
PAGE2_FIRST = "交通通道的畅通带动了产业的集聚。"
LAST = "在服务和融入新发展格局中展现更大作为。"


@pytest.mark.parametrize(("url", "first", "expected"), [
    (P2, P1, 3), (P3, P1, 4), (P1, P1, 1),
    ("http://a.gov.cn/art/t20240305_123_1.htm", "http://a.gov.cn/art/t20240305_123.htm", 2),
    ("http://a.gov.cn/n/5-2.shtml", "http://a.gov.cn/n/5.shtml", 3),
    ("http://a.gov.cn/show.php?id=5&page=2", "http://a.gov.cn/show.php?id=5", 2),
    ("http://a.gov.cn/show.php?page=2&id=5", "http://a.gov.cn/show.php?id=5", 2),
    # another article ("下一篇"), list pagination, another id, another host, another directory
    ("http://sx.china.com.cn/news/1130124.html", P1, None),
    ("http://sx.china.com.cn/news/index_1.html", P1, None),
    ("http://a.gov.cn/show.php?id=6&page=2", "http://a.gov.cn/show.php?id=5", None),
    ("http://other.china.com.cn/news/1130123_2.html", P1, None),
    ("http://sx.china.com.cn/old/1130123_2.html", P1, None),
    ("http://sx.china.com.cn/news/1130123_2.pdf", P1, None),
])
def test_page_number(url: str, first: str, expected: int | None) -> None:
    assert page_number(url, first) == expected


def test_pager_links_exclude_next_article_and_list_pagination() -> None:
    html = (FILES / "sites" / "multipage_2.html").read_text(encoding="utf-8")
    # Page 2 links page 1, page 3, the column's index_1.html ("2", "下一页") and 下一篇.
    assert continuation_links(html, P2, P1) == [(4, P3)]


def _spider() -> HtmlSpider:
    return HtmlSpider(source=SOURCE)


def _continue(spider: HtmlSpider, request: scrapy.Request, name: str) -> list:
    response = file_response(f"sites/{name}", request.url, meta=request.meta)
    return list(request.callback(response))


@pytest.fixture(scope="module")
def chain() -> tuple[HtmlSpider, list[str], dict]:
    spider = _spider()
    fetched = []
    with freeze_time("2024-05-01 08:00:00"):
        (request,) = spider.parse_article(file_response("sites/multipage.html", P1,
                                                        meta={"listed_url": P1}))
        fetched.append(request.url)
        (request,) = _continue(spider, request, "multipage_2.html")
        fetched.append(request.url)
        (item,) = _continue(spider, request, "multipage_3.html")
    return spider, fetched, item


def test_pages_followed_in_order_without_cycles(chain: tuple) -> None:
    spider, fetched, _ = chain
    assert fetched == [P2, P3]  # page 3 links back to 1 and 2: the chain ends there
    assert spider.counts["pages"] == 3
    assert spider.counts["continuation_pages"] == 2
    assert spider.counts["items"] == 1


def test_one_item_with_the_bodies_in_order(chain: tuple) -> None:
    _, _, item = chain
    text = item["text"]
    assert text.startswith(FIRST)
    assert text.endswith(LAST)
    assert text.index(PAGE1_LAST) < text.index(PAGE2_FIRST) < text.index("在扩大开放的同时")
    for noise in ("共3页", "下一页", "下一篇", "来源：", "版权所有", "陕西自贸试验区新增"):
        assert noise not in text
    assert text.count("【共建“一带一路”·权威访谈】") == 0  # headline not repeated per page
    assert item["extra"]["pages"] == 3


def test_metadata_and_raw_from_page_one(chain: tuple) -> None:
    spider, _, item = chain
    assert item["title"] == "【共建“一带一路”·权威访谈】联通世界 塑造陕西发展新优势"
    assert item["published_at"] == "2023-10-11T19:55:06+08:00"
    assert item["origin"] == "央视新闻"
    assert item["url"] == P1 and item["canonical_url"] == P1
    raw = gzip.decompress(base64.b64decode(item["raw_gz_b64"]))
    assert raw == (FILES / "sites" / "multipage.html").read_bytes()
    # Continuation pages are part of the item: a later list linking them skips them.
    assert spider.is_seen(P2) and spider.is_seen(P3)


def test_failed_continuation_still_emits_page_one() -> None:
    spider = _spider()
    (request,) = spider.parse_article(file_response("sites/multipage.html", P1))
    failure = Failure(ConnectionRefusedError("连接被拒绝"))
    failure.request = request  # type: ignore[attr-defined]
    (item,) = list(request.errback(failure))
    assert item["text"].startswith(FIRST) and item["text"].endswith(PAGE1_LAST)
    assert "pages" not in item["extra"]
    assert spider.failures and spider.failures[0]["url"] == P2


def test_page_repeating_itself_ends_the_chain() -> None:
    # A site that ignores the page number serves page 1 again: no duplicated text.
    spider = _spider()
    (request,) = spider.parse_article(file_response("sites/multipage.html", P1))
    (item,) = _continue(spider, request, "multipage.html")
    assert item["text"].count(FIRST) == 1


def test_page_limit_is_respected() -> None:
    spider = HtmlSpider(source=dict(SOURCE, settings={"max_article_pages": 2}))
    (request,) = spider.parse_article(file_response("sites/multipage.html", P1))
    (item,) = _continue(spider, request, "multipage_2.html")
    assert item["extra"]["pages"] == 2 and not item["text"].endswith(LAST)


def test_list_drops_a_continuation_listed_beside_its_first_page() -> None:
    spider = _spider()
    body = ('<html><body><ul><li><a href="/news/1130123.html">联通世界 塑造陕西发展新优势</a></li>'
            '<li><a href="/news/1130123_2.html">联通世界 塑造陕西发展新优势（二）</a></li>'
            '<li><a href="/news/1130124.html">陕西自贸试验区新增一批制度创新成果</a></li>'
            '</ul></body></html>').encode()
    response = file_response("html_list.html", SOURCE["url"]).replace(body=body)
    urls = [r.url for r in spider.parse_list(response)]
    assert urls == [P1, "http://sx.china.com.cn/news/1130124.html"]

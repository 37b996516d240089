"""rss spider: an RSS 2.0 feed of a local news site."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from scrapy import Request

from crawlers.spiders.rss import RssSpider
from crawlers.tests.responses import file_response

FEED_URL = "http://www.mnw.cn/rss/china.xml"
SOURCE = {"slug": "mnw-china", "name": "闽南网", "kind": "rss", "url": FEED_URL}


@pytest.fixture(scope="module")
def outputs() -> list:
    spider = RssSpider(source=SOURCE, state={"seen": ["http://www.mnw.cn/news/china/20240329/2.html"]})
    with freeze_time("2024-04-01 00:00:00"):
        return list(spider.parse_feed(file_response("rss.xml", FEED_URL)))


def test_new_entries_on_feed_host_are_fetched(outputs: list) -> None:
    assert all(isinstance(o, Request) for o in outputs)
    assert [o.url for o in outputs] == [
        "http://www.mnw.cn/news/china/20240308/0.html?utm_source=rss",
        "http://www.mnw.cn/news/china/20240308/1.html?utm_source=rss",
    ]  # the third entry was seen (tracking parameter ignored)


def test_entry_data_travels_with_the_request(outputs: list) -> None:
    entry = outputs[1].meta["entry"]
    assert entry["title"] == "全国人大宪法和法律委员会召开全体会议 对国务院组织法修订草案进行统一审议"
    assert entry["published_at"] == "2024-03-08T20:05:00+08:00"
    assert entry["author"] == "闽南网"


def test_off_host_entries_become_items_from_the_feed() -> None:
    spider = RssSpider(source=dict(SOURCE, url="http://rsshub.local/mnw/china"))
    items = list(spider.parse_feed(file_response("rss.xml", "http://rsshub.local/mnw/china")))
    assert len(items) == 3 and all(isinstance(i, dict) for i in items)
    first = items[0]
    assert first["title"].startswith("【筑梦现代化 共绘新图景")
    assert first["canonical_url"] == "http://www.mnw.cn/news/china/20240308/0.html"
    assert first["published_at"] == "2024-03-08T19:30:00+08:00"
    assert first["text"] and first["extra"]["from_feed"] is True


def test_article_page_falls_back_to_entry_fields() -> None:
    spider = RssSpider(source=SOURCE)
    entry = {"title": "订阅标题", "published_at": "2024-03-08T19:30:00+08:00", "author": "闽南网",
             "text": "订阅源中的摘要文字", "link": "http://www.mnw.cn/a.html"}
    response = file_response("wechat_antibot.html", "http://www.mnw.cn/a.html",
                             meta={"entry": entry})
    response = response.replace(body="<html><body><p>页面很短</p></body></html>".encode())
    (item,) = spider.parse_article(response)
    assert item["title"] == "订阅标题"
    assert item["published_at"] == "2024-03-08T19:30:00+08:00"
    assert item["parse_error"] is None and item["text"]


def test_not_modified_feed_yields_nothing() -> None:
    spider = RssSpider(source=SOURCE)
    response = file_response("rss.xml", FEED_URL, status=304).replace(body=b"")
    assert list(spider.parse_feed(response)) == []
    assert spider.counts["not_modified"] == 1

"""WeChat through a real crawl: a bridge feed with summaries only, article pages laid out like
mp.weixin.qq.com served on 127.0.0.1, and bridges that answer with a wall."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawlers.runner import run_crawl
from crawlers.tests.responses import FILES
from crawlers.tests.site import Site
from crawlers.tests.test_integration import FAST

pytestmark = pytest.mark.slow

ARTICLE = (FILES / "wechat_article.html").read_text(encoding="utf-8")
TITLE_1 = "各地各部门采取多种形式宣传普及宪法法律知识"
TITLE_2 = "我市启动“宪法进万家”普法宣传月活动"
FEED_PATH = "/feeds/MP_WXS_3096.atom"
ARTICLE_PATHS = ("/s?__biz=MzA5NjE2NzQ4MQ==&mid=2651234567&idx=1&sn=9f3c2b1a",
                 "/s?__biz=MzA5NjE2NzQ4MQ==&mid=2651234570&idx=1&sn=0a1b2c3d")


def second_article() -> str:
    # Same account and template, its own title, message id and publish time.
    return (ARTICLE.replace(TITLE_1, TITLE_2)
            .replace("9f3c2b1a0d4e5f60718293a4b5c6d7e8", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .replace("2651234567", "2651234570").replace("1701658800", "1701745200"))


def feed(base: str) -> str:
    entries = "".join(
        f"<entry><title>{title}</title><link href=\"{base}{path.replace('&', '&amp;')}\"/>"
        f"<id>{base}{path.replace('&', '&amp;')}</id><updated>{updated}</updated>"
        f"<summary>{title}（摘要）</summary><author><name>漳州普法</name></author></entry>"
        for title, path, updated in (
            (TITLE_1, ARTICLE_PATHS[0], "2023-12-04T03:00:00Z"),
            (TITLE_2, ARTICLE_PATHS[1], "2023-12-05T03:00:00Z")))
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>漳州普法</title><id>{base}{FEED_PATH}</id>"
            f"<updated>2023-12-05T03:00:00Z</updated>{entries}</feed>")


def source(site: Site) -> dict:
    return {"slug": "zzpf", "name": "漳州普法", "kind": "wechat", "url": site.base + FEED_PATH,
            "settings": {**FAST, "prefer_feed_content": False,
                         "allowed_domains": ["127.0.0.1"]}}


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        s.add(FEED_PATH, feed(s.base), content_type="application/atom+xml; charset=utf-8")
        s.add(ARTICLE_PATHS[0], ARTICLE)
        s.add(ARTICLE_PATHS[1], second_article())
        yield s


def test_summary_feed_fetches_the_article_pages(site: Site) -> None:
    result = run_crawl(source(site), {}, timeout=60)
    assert result.error is None and result.blind is None
    assert sorted(p for p in site.paths() if p.startswith("/s?")) == sorted(ARTICLE_PATHS)
    items = {item["title"]: item for item in result.items}
    assert set(items) == {TITLE_1, TITLE_2}
    first, second = items[TITLE_1], items[TITLE_2]
    for item in (first, second):
        assert item["kind"] == "wechat"
        assert item["origin"] == "漳州普法" and item["extra"]["account"] == "漳州普法"
        assert item["text"].startswith("今天，最高人民法院和最高人民检察院分别举行宪法宣誓仪式")
        assert "（摘要）" not in item["text"]  # the page's body, not the feed's summary
        assert "from_feed" not in item["extra"]
        assert item["parse_error"] is None
    assert first["published_at"] == "2023-12-04T11:00:00+08:00"   # var ct on the page
    assert second["published_at"] == "2023-12-05T11:00:00+08:00"
    assert first["canonical_url"] != second["canonical_url"]
    assert first["canonical_url"].startswith("https://mp.weixin.qq.com/s?__biz=")


BLOCKED = ("<html><head><title></title></head><body><div class='weui-msg'>"
           "<h2>{}</h2><p>请重新扫码登录后再试。</p></div></body></html>")


@pytest.mark.parametrize(("where", "phrase", "reason"), [
    ("feed", "环境异常", "访问环境异常，需要验证"),
    ("feed", "登录过期", "登录已过期"),
    ("articles", "登录过期", "登录已过期"),
    ("articles", "环境异常", "访问环境异常，需要验证"),
])
def test_bridge_wall_makes_the_source_blind(site: Site, where: str, phrase: str,
                                            reason: str) -> None:
    wall = BLOCKED.format(phrase)
    if where == "feed":  # the bridge itself answers with WeChat's wall instead of a feed
        site.add(FEED_PATH, wall)
    else:  # the feed is fine, the pages it points to are walls
        for path in ARTICLE_PATHS:
            site.add(path, wall)
    result = run_crawl(source(site), {}, timeout=60)
    assert result.blind == reason
    assert result.items == []
    assert result.error is None  # a wall is not a broken crawl: it is a blind source
    assert result.stats["items"] == 0
    # Nothing from the wall was remembered as seen: the next run tries the articles again.
    assert not any("/s?" in url for url in result.state["seen"])

"""wechat spider: an article page mirroring mp.weixin.qq.com, and its verification wall."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from scrapy.exceptions import CloseSpider

from crawlers.spiders.wechat import WechatSpider
from crawlers.tests.responses import file_response

URL = ("https://mp.weixin.qq.com/s?__biz=MzA5NjE2NzQ4MQ==&mid=2651234567&idx=1"
       "&sn=9f3c2b1a0d4e5f60718293a4b5c6d7e8&chksm=8b6e2a1f&scene=21#wechat_redirect")
SOURCE = {"slug": "zzpf", "name": "漳州普法", "kind": "wechat",
          "url": "http://127.0.0.1:4000/feeds/MP_WXS_3096.atom"}


@pytest.fixture(scope="module")
def item() -> dict:
    spider = WechatSpider(source=SOURCE)
    with freeze_time("2024-01-01 00:00:00"):
        (result,) = spider.parse_article(file_response("wechat_article.html", URL))
    return result


def test_title_from_activity_name(item: dict) -> None:
    assert item["title"] == "各地各部门采取多种形式宣传普及宪法法律知识"


def test_account_from_js_name(item: dict) -> None:
    assert item["origin"] == "漳州普法"
    assert item["extra"]["account"] == "漳州普法"


def test_author(item: dict) -> None:
    assert item["author"] == "漳州市司法局"


def test_body_from_js_content(item: dict) -> None:
    assert item["text"].startswith("今天，最高人民法院和最高人民检察院分别举行宪法宣誓仪式")
    assert "微信扫一扫" not in item["text"]


def test_publish_time_from_page_script(item: dict) -> None:
    assert item["published_at"] == "2023-12-04T11:00:00+08:00"  # var ct = "1701658800"


def test_canonical_keeps_only_article_identity(item: dict) -> None:
    assert item["canonical_url"] == (
        "https://mp.weixin.qq.com/s?__biz=MzA5NjE2NzQ4MQ%3D%3D&idx=1&mid=2651234567"
        "&sn=9f3c2b1a0d4e5f60718293a4b5c6d7e8")
    assert item["parse_error"] is None


def test_verification_page_blinds_the_source() -> None:
    spider = WechatSpider(source=SOURCE)
    response = file_response("wechat_antibot.html", URL)
    with pytest.raises(CloseSpider):
        list(spider.parse_article(response))
    assert spider.blind == "访问环境异常，需要验证"
    assert spider.counts["items"] == 0


@pytest.mark.parametrize("phrase", ["登录过期，请重新登录", "请在微信客户端打开链接"])
def test_other_walls_blind_too(phrase: str) -> None:
    spider = WechatSpider(source=SOURCE)
    body = f"<html><head><title></title></head><body><p>{phrase}</p></body></html>"
    response = file_response("wechat_antibot.html", URL).replace(body=body.encode())
    with pytest.raises(CloseSpider):
        list(spider.parse_article(response))
    assert spider.blind

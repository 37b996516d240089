"""html spider: government article (UTF-8), local news article (GBK declared as gb2312), list page."""

from __future__ import annotations

import base64
import gzip

import pytest
from freezegun import freeze_time

from crawlers.spiders.html import HtmlSpider
from crawlers.tests.responses import FILES, file_response

SOURCE = {"slug": "zzsfj", "name": "漳州市司法局", "kind": "html",
          "url": "http://www.zzsfj.gov.cn/zwgk/gzdt/index.htm"}
UTF8_URL = "http://www.zzsfj.gov.cn/zwgk/gzdt/201612/t20161209_1384650.htm?from=timeline#top"
GBK_URL = "http://www.mnw.cn/news/fz/2023/0616/1.html"


@pytest.fixture(scope="module")
def utf8_item() -> dict:
    spider = HtmlSpider(source=SOURCE)
    with freeze_time("2024-05-01 08:00:00"):
        (item,) = spider.parse_article(file_response("html_utf8_article.html", UTF8_URL))
    return item


@pytest.fixture(scope="module")
def gbk_item() -> dict:
    spider = HtmlSpider(source=dict(SOURCE, url="http://www.mnw.cn/news/", name="闽南网"))
    with freeze_time("2024-05-01 08:00:00"):
        (item,) = spider.parse_article(
            file_response("html_gbk_article.html", GBK_URL, content_type="text/html"))
    return item


def test_title_drops_site_suffix(utf8_item: dict) -> None:
    assert utf8_item["title"] == "漳州市司法局2016年政务公开工作要点落实情况自查报告"


def test_body_is_the_report_without_nav_or_footer(utf8_item: dict) -> None:
    text = utf8_item["text"]
    assert text.startswith("根据《漳州市人民政府办公室关于做好2016年政务公开工作要点")
    assert "开通“漳州普法”微信平台" in text
    for noise in ("网站首页", "版权所有", "闽ICP备", "打印本页", "请输入关键字"):
        assert noise not in text


def test_published_at_is_shanghai_time(utf8_item: dict) -> None:
    assert utf8_item["published_at"] == "2016-12-09T00:00:00+08:00"


def test_origin_and_canonical_url(utf8_item: dict) -> None:
    assert utf8_item["origin"] == "漳州市司法局"
    assert utf8_item["canonical_url"] == (
        "http://www.zzsfj.gov.cn/zwgk/gzdt/201612/t20161209_1384650.htm")
    assert utf8_item["url"] == UTF8_URL


def test_item_envelope(utf8_item: dict) -> None:
    assert utf8_item["source"] == "zzsfj" and utf8_item["kind"] == "html"
    assert utf8_item["fetched_at"] == "2024-05-01T08:00:00+00:00"
    assert utf8_item["encoding"] == "utf-8"
    assert utf8_item["parse_error"] is None
    raw = gzip.decompress(base64.b64decode(utf8_item["raw_gz_b64"]))
    assert raw == (FILES / "html_utf8_article.html").read_bytes()


def test_gbk_page_decodes_gb18030_only_characters(gbk_item: dict) -> None:
    # Declared gb2312, and the author's name 䶮 exists only in GB18030.
    assert gbk_item["encoding"] == "gb18030"
    assert gbk_item["title"] == "鲍卫忠：将司法温暖触及每一位当事人"
    assert gbk_item["author"] == "刘䶮"


def test_gbk_body_and_time(gbk_item: dict) -> None:
    assert gbk_item["text"].startswith("鲍卫忠办公室的文件柜上贴着许多便利贴")
    assert "您的位置" not in gbk_item["text"] and "Copyright" not in gbk_item["text"]
    assert gbk_item["published_at"] == "2023-06-16T19:42:00+08:00"


def test_gbk_origin_outlet(gbk_item: dict) -> None:
    assert gbk_item["origin"] == "央视网"


def test_list_page_yields_new_article_requests_and_next_page() -> None:
    spider = HtmlSpider(source=SOURCE,
                        state={"seen": ["http://www.zzsfj.gov.cn/zwgk/gzdt/2025/t20240105_105.htm"]})
    requests = list(spider.parse_list(
        file_response("html_list.html", SOURCE["url"], meta={"list_page": 1})))
    urls = [r.url for r in requests]
    assert urls == [f"http://www.zzsfj.gov.cn/zwgk/gzdt/202{k}/t2024010{k}_10{k}.htm"
                    for k in range(1, 5)]  # nav/footer/off-host links and the seen one skipped


def test_list_page_follows_pagination_when_everything_is_new() -> None:
    spider = HtmlSpider(source=SOURCE)
    requests = list(spider.parse_list(
        file_response("html_list.html", SOURCE["url"], meta={"list_page": 1})))
    assert requests[-1].url == "http://www.zzsfj.gov.cn/zwgk/gzdt/index_1.htm"
    assert requests[-1].meta["list_page"] == 2


def test_unparseable_page_is_kept_with_parse_error() -> None:
    spider = HtmlSpider(source=SOURCE)
    response = file_response("html_list.html", "http://www.zzsfj.gov.cn/x.htm")
    response = response.replace(body=b"<html><body>\xff\xfe\x00</body></html>")
    (item,) = spider.parse_article(response)
    assert item["parse_error"] == "未能提取正文"
    assert item["raw_gz_b64"]


def test_selectors_override_extraction() -> None:
    source = dict(SOURCE, selectors={"title": "div.location a:last-child",
                                     "body": "//div[@id='zoom']/p[1]",
                                     "published_at": "div.info span:first-child"})
    spider = HtmlSpider(source=source)
    (item,) = spider.parse_article(file_response("html_utf8_article.html", UTF8_URL))
    assert item["title"] == "工作动态"
    assert item["text"].startswith("根据《漳州市人民政府办公室") and "\n" not in item["text"]
    assert item["published_at"] == "2016-12-09T00:00:00+08:00"

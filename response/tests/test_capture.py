"""`yuqing sources capture URL --out DIR`: a page saved as a fixture reads back as the crawler saw it.

Pages are served on 127.0.0.1 by the crawler tests' site: the 闽南网 GBK article (declared gb2312,
holding the GB18030-only 䶮, sent gzip-compressed without a charset header, behind a redirect),
a verification wall answered with 403, a 50 MB page and a gzip bomb.
"""
from __future__ import annotations

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from crawlers.extract.article import extract_article
from crawlers.extract.encoding import decode_page
from crawlers.settings import USER_AGENT
from crawlers.spiders.html import HtmlSpider
from crawlers.tests.responses import FILES, captured_response
from crawlers.tests.site import Site
from response.services.capture import CaptureError, capture_page, fixture_stem

ARTICLE_PATH = "/news/fz/2023/0616/1.html"
WALL = ("<html><head><meta charset='utf-8'><title>安全验证</title></head><body>"
        "<p>访问过于频繁，请输入验证码</p></body></html>")


@pytest.fixture
def site():
    with Site() as s:
        raw = (FILES / "html_gbk_article.html").read_bytes()
        s.add(ARTICLE_PATH, gzip.compress(raw), content_type="text/html",
              **{"Content-Encoding": "gzip", "Set-Cookie": "JSESSIONID=abc123; Path=/"})
        s.add("/s/Kx9", b"", status=302, Location=ARTICLE_PATH)
        s.add("/zwgk/wall.html", WALL, status=403)
        s.add("/bomb.html", gzip.compress(b"<p>" + b"0" * (3 * 1024 * 1024)), content_type="text/html",
              **{"Content-Encoding": "gzip"})
        yield s


def capture(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sources", "capture", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_fixture_names_come_from_the_url():
    assert fixture_stem("http://www.mnw.cn/news/fz/2023/0616/1.html") == "www.mnw.cn_news_fz_2023_0616_1"
    with_query = fixture_stem("http://sfj.zhangzhou.gov.cn/hdjl/jzxx/list.jsp?page=2")
    assert with_query.startswith("sfj.zhangzhou.gov.cn_hdjl_jzxx_list-") and len(with_query) == 44
    assert fixture_stem("http://sfj.zhangzhou.gov.cn/hdjl/jzxx/list.jsp?page=3") != with_query
    long = fixture_stem("https://www.gov.cn/" + "zhengce/" * 20 + "content.htm")
    assert len(long) <= 89 and "/" not in long


def test_a_captured_page_reads_back_through_the_spider_as_the_crawler_sees_it(site, tmp_path):
    out, _ = capture(f"{site.base}/s/Kx9", "--out", str(tmp_path / "captured"))
    stem = "127.0.0.1_s_Kx9"
    body_path = tmp_path / "captured" / f"{stem}.html"
    assert f"已保存网页：{body_path}" in out and "编码 gb18030" in out and "已跳转到" in out
    # The page's own bytes (compression undone), not a re-encoding of them.
    assert body_path.read_bytes() == (FILES / "html_gbk_article.html").read_bytes()
    record = json.loads((tmp_path / "captured" / f"{stem}.headers.json").read_text("utf-8"))
    assert record["final_url"] == site.base + ARTICLE_PATH and record["status"] == 200
    assert record["headers"]["Content-Type"] == "text/html"
    lowered = {k.lower() for k in record["headers"]}
    assert not lowered & {"set-cookie", "content-encoding", "content-length"}
    assert site.requests[0]["headers"]["User-Agent"] == USER_AGENT

    response = captured_response(body_path)
    assert response.url == site.base + ARTICLE_PATH and response.status == 200
    spider = HtmlSpider(source={"slug": "mnw", "name": "闽南网", "kind": "html", "url": site.base + "/news/"})
    with freeze_time("2024-05-01 08:00:00"):
        (item,) = spider.parse_article(response)
    assert item["encoding"] == "gb18030" and item["title"] == "鲍卫忠：将司法温暖触及每一位当事人"
    assert item["author"] == "刘䶮" and item["published_at"] == "2023-06-16T19:42:00+08:00"
    assert item["text"].startswith("鲍卫忠办公室的文件柜上贴着许多便利贴")
    # The headers file alone finds its body too.
    again = captured_response(tmp_path / "captured" / f"{stem}.headers.json")
    assert again.body == response.body


def test_a_wall_answered_with_403_is_saved_with_its_status(site, tmp_path):
    out, err = capture(f"{site.base}/zwgk/wall.html", "--out", str(tmp_path))
    assert "状态码 403" in err
    response = captured_response(tmp_path / "127.0.0.1_zwgk_wall.html")
    assert response.status == 403
    text = decode_page(response.body, response.headers.get("Content-Type")).text
    assert extract_article(text, response.url)["title"] == "安全验证"


def test_pages_over_the_crawlers_size_cap_are_refused(site, tmp_path):
    with pytest.raises(CommandError, match="页面超过大小上限（10 MB）"):
        capture(f"{site.base}/huge.html", "--out", str(tmp_path))
    with pytest.raises(CaptureError, match="疑似压缩炸弹"):
        capture_page(f"{site.base}/bomb.html", tmp_path, max_bytes=1024 * 1024)
    assert list(tmp_path.iterdir()) == []


def test_capture_needs_a_web_address_and_a_directory(site, tmp_path):
    with pytest.raises(CommandError, match="用法"):
        capture(f"{site.base}/s/Kx9")
    with pytest.raises(CommandError, match="只能保存 http"):
        capture("file:///etc/passwd", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="连接被拒绝"):
        capture("http://127.0.0.1:9/news.html", "--out", str(tmp_path))

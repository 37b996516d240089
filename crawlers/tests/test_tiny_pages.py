"""Tiny and damaged pages: a declared charset that decodes nearly cleanly is trusted and the
damage noted; what nothing decodes cleanly is flagged, never guessed silently."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawlers.extract.encoding import decode_bytes, decode_page
from crawlers.spiders.html import HtmlSpider

SOURCE = {"slug": "qsfj-xw", "name": "区司法局", "kind": "html", "url": "http://127.0.0.1:9/xw/"}
URL = "http://127.0.0.1:9/xw/20240305/1.html"
UTF8 = "text/html; charset=utf-8"
RELATED = ["区司法局召开社区矫正工作推进会议部署全年重点任务",
           "市司法局组织人民调解员业务培训提升化解矛盾纠纷能力",
           "区司法局对社区矫正对象实行分类管理和个别教育"]


def tiny_page() -> bytes:
    """A 462-byte UTF-8 page whose CMS cut the related headlines by *bytes*: three broken
    characters, and the rest even-length runs that GB18030 happens to decode "cleanly"."""
    related = b"".join(b'<li><a href="/xw/%d.html">' % (i + 1) + title.encode()[:cut] + b"...</a></li>"
                       for i, (title, cut) in enumerate(zip(RELATED, (31, 44, 52), strict=True)))
    return ('<html><head><meta charset="utf-8"><title>社区矫正_区司法局</title></head><body>'
            '<h1>区司法局对社区矫正对象集中教育</h1><p>2024-03-05</p>'
            '<p>社区矫正对象参加公益活动</p>').encode() + b"<ul>" + related + b"</ul></body></html>"


def response(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=body, headers={"Content-Type": content_type},
                        request=Request(URL))


def test_tiny_page_is_what_the_case_needs() -> None:
    page = tiny_page()
    assert len(page) == 462
    assert page.decode("utf-8", "replace").count("\ufffd") == 3
    # Why detection went wrong: as GB18030 the page decodes without one error.
    assert page.decode("gb18030", "replace").count("\ufffd") < 3


@pytest.mark.parametrize("content_type", [UTF8, "text/html"])  # header, or meta only
def test_declared_utf8_with_a_few_bad_bytes_keeps_its_keywords(content_type: str) -> None:
    decoded = decode_page(tiny_page(), content_type)
    assert decoded.codec == "utf-8" and decoded.reliable
    assert "司法局" in decoded.text and "社区矫正" in decoded.text
    assert decoded.text.count("\ufffd") == 3
    assert decoded.note == "声明的编码 utf-8 有 3 处字节无法解码，已替换"
    assert decode_bytes(tiny_page(), content_type) == (decoded.text, "utf-8")


def test_the_note_reaches_the_item() -> None:
    spider = HtmlSpider(source=SOURCE)
    (item,) = spider.parse_article(response(tiny_page(), UTF8))
    assert item["encoding"] == "utf-8"
    assert "社区矫正" in item["title"] + item["text"]
    assert item["extra"]["encoding_note"] == "声明的编码 utf-8 有 3 处字节无法解码，已替换"
    assert item["parse_error"] in (None, "未能提取正文")  # a warning, not a failure


def test_gbk_page_declared_gb2312_with_characters_outside_gb2312() -> None:
    # 䶮 (GB18030 only), 镕 and 堃 (GBK, not GB2312) in names a bureau page really prints.
    text = "市司法局副局长刘䶮、朱镕、王堃到社区矫正中心督导检查"
    body = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>{text}</title></head><body><p>{text}。</p></body></html>").encode("gb18030")
    for content_type in ("text/html; charset=gb2312", "text/html"):
        decoded = decode_page(body, content_type)
        assert decoded.codec == "gb18030" and decoded.note is None
        assert text in decoded.text and "\ufffd" not in decoded.text


def test_gbk_page_mislabelled_utf8_is_not_trusted() -> None:
    # A header lying about a GBK page breaks most Chinese bytes: never "nearly clean".
    paragraph = "<p>司法所对社区矫正对象开展集中教育，讲解社区矫正监督管理规定和请假外出审批流程。</p>"
    body = ("<html><head><title>社区矫正集中教育</title></head><body>"
            + paragraph * 12 + "</body></html>").encode("gbk")
    decoded = decode_page(body, UTF8)
    assert decoded.codec == "gb18030" and "社区矫正监督管理规定" in decoded.text


def test_a_page_nothing_decodes_is_flagged_not_guessed_silently() -> None:
    # Half the page UTF-8, half GBK (two templates glued together): no codec decodes it.
    half = "<p>区司法局通报社区矫正对象违反监督管理规定的处理情况，依法给予警告处分。</p>" * 4
    body = (b"<html><head><title>x</title></head><body>" + half.encode("utf-8")
            + half.encode("gbk") + b"</body></html>")
    decoded = decode_page(body, UTF8)
    assert not decoded.reliable
    assert decoded.note and decoded.note.startswith("无法可靠识别编码：按 ")
    spider = HtmlSpider(source=SOURCE)
    (item,) = spider.parse_article(response(body, UTF8))
    assert item["extra"]["encoding_note"] == decoded.note
    assert item["parse_error"] == decoded.note


def test_clean_pages_carry_no_note() -> None:
    body = "<html><head><title>社区矫正</title></head><body><p>区司法局</p></body></html>"
    assert decode_page(body.encode("utf-8"), UTF8).note is None
    assert decode_page(body.encode("gbk"), None).note is None

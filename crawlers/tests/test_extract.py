"""Extraction helpers: encodings, Chinese dates, canonical URLs, block pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from crawlers.extract.antibot import detect_block
from crawlers.extract.article import clean_title
from crawlers.extract.canonical import canonicalize
from crawlers.extract.dates import find_publish_time, parse_datetime
from crawlers.extract.encoding import decode_bytes
from crawlers.extract.links import next_page

TEXT = "漳州市司法局关于开展法律援助便民服务的通知"


@pytest.mark.parametrize(("body", "header", "expected"), [
    (TEXT.encode("utf-8"), None, "utf-8"),
    (TEXT.encode("gbk"), None, "gb18030"),  # undeclared GBK
    (TEXT.encode("gbk"), "text/html; charset=utf-8", "gb18030"),  # header lies
    ("刘䶮".encode("gb18030") + TEXT.encode("gbk"), "text/html; charset=gbk", "gb18030"),
    ("臺灣高等法院公告，司法院法律援助基金會".encode("big5"), None, "big5hkscs"),
    (b'<meta charset="gb2312">' + TEXT.encode("gbk"), "text/html; charset=iso-8859-1", "gb18030"),
])
def test_decode_bytes(body: bytes, header: str | None, expected: str) -> None:
    text, codec = decode_bytes(body, header)
    assert codec == expected
    assert "法" in text and "\ufffd" not in text


def test_decode_bom_and_invalid_bytes() -> None:
    assert decode_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8")) == (TEXT, "utf-8")
    text, codec = decode_bytes(b"<p>" + TEXT.encode("utf-8") + b"\xff\xfe</p>")
    assert codec == "utf-8" and TEXT in text  # broken bytes replaced, never an exception


def test_source_override_wins() -> None:
    body = "司法所".encode("big5")
    assert decode_bytes(body, None, override="big5")[1] == "big5hkscs"


@freeze_time("2024-05-01 12:00:00")
@pytest.mark.parametrize(("raw", "iso"), [
    ("2016-12-09 00:00", "2016-12-09T00:00:00+08:00"),
    ("2016年12月9日", "2016-12-09T00:00:00+08:00"),
    ("2016年12月9日 10时30分", "2016-12-09T10:30:00+08:00"),
    ("发布时间：2016-12-09 09:05:03", "2016-12-09T09:05:03+08:00"),
    ("２０１６年１２月９日", "2016-12-09T00:00:00+08:00"),
    ("二〇一六年十二月九日", "2016-12-09T00:00:00+08:00"),
    ("2016/12/9 8:05", "2016-12-09T08:05:00+08:00"),
    ("1700000000", "2023-11-15T06:13:20+08:00"),
    ("Tue, 14 Nov 2023 22:13:20 GMT", "2023-11-14T22:13:20+00:00"),
    ("2023-11-14T22:13:20+08:00", "2023-11-14T22:13:20+08:00"),
    ("3小时前", "2024-05-01T17:00:00+08:00"),
    ("昨天 10:20", "2024-04-30T10:20:00+08:00"),
])
def test_parse_datetime(raw: str, iso: str) -> None:
    assert parse_datetime(raw).isoformat() == iso


@pytest.mark.parametrize("raw", ["2099-01-01", "1985-01-01", "2016-13-40", "没有日期", ""])
def test_parse_datetime_rejects(raw: str) -> None:
    assert parse_datetime(raw) is None


def test_labelled_date_beats_other_dates() -> None:
    text = "2015-01-01 旧闻链接 版权所有 1999-2024 发布时间:2016-12-09 00:00 来源：漳州市司法局"
    assert find_publish_time(text) == datetime(2016, 12, 8, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("url", "canonical"), [
    ("HTTP://WWW.Zzsfj.gov.cn:80/a/b.htm?utm_source=wx&b=2&a=1#top",
     "http://www.zzsfj.gov.cn/a/b.htm?a=1&b=2"),
    ("https://mp.weixin.qq.com/s?__biz=MzA5&mid=26&idx=1&sn=ab&chksm=zz&scene=21#wechat_redirect",
     "https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=26&sn=ab"),
    ("http://mp.weixin.qq.com/s?sn=ab&idx=1&mid=26&__biz=MzA5",
     "https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=26&sn=ab"),
])
def test_canonicalize(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical


def test_canonicalize_relative() -> None:
    assert canonicalize("../c.htm?id=3", "http://127.0.0.1:8080/news/list/index.htm") == \
        "http://127.0.0.1:8080/news/c.htm?id=3"


@pytest.mark.parametrize(("title", "clean"), [
    ("漳州市司法局2016年政务公开工作要点落实情况自查报告_漳州市司法局",
     "漳州市司法局2016年政务公开工作要点落实情况自查报告"),
    ("市司法局召开全市司法行政工作会议 - 闽南网", "市司法局召开全市司法行政工作会议"),
    ("国内联播快讯_新闻频道_央视网(cctv.com)", "国内联播快讯"),
    ("2024-01-02 工作会议纪要", "2024-01-02 工作会议纪要"),
])
def test_clean_title(title: str, clean: str) -> None:
    assert clean_title(title) == clean


def test_block_marker_inside_a_long_article_is_not_a_wall() -> None:
    article = "<html><body><p>" + "警方提醒：不要向陌生人透露短信验证码。" * 60 + "</p></body></html>"
    assert detect_block(article) is None
    assert detect_block("<html><body><p>请输入验证码</p></body></html>") == "需要输入验证码"


def test_trs_script_pagination() -> None:
    html = '<script>createPageHTML(12, 0, "index", "htm");</script>'
    assert next_page(html, "http://a.gov.cn/gzdt/index.htm") == "http://a.gov.cn/gzdt/index_1.htm"
    last = '<script>createPageHTML(12, 11, "index", "htm");</script>'
    assert next_page(last, "http://a.gov.cn/gzdt/index_11.htm") is None


NOW = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(("url", "day"), [
    ("http://www.news.cn/politics/2024-03/05/c_1130123456.htm", "2024-03-05"),
    ("https://www.mct.gov.cn/whzx/whyw/202403/t20240305_123.html", "2024-03-05"),
    ("http://mzt.fujian.gov.cn/art/2024/3/5/art_1229_4567.html", "2024-03-05"),
    ("http://politics.people.com.cn/n1/2024/0305/c1024-40335123.html", "2024-03-05"),
    ("http://www.mnw.cn/news/fz/2024/0305/1.html", "2024-03-05"),
    ("http://www.mnw.cn/news/china/2697123.html", None),
    ("http://www.example.cn/2024-13/45/c_1.htm", None),  # not a date
    ("http://www.example.cn/2024-06/03/c_1.htm", None),  # in the future
])
def test_date_from_url(url: str, day: str | None) -> None:
    from crawlers.extract.dates import date_from_url

    value = date_from_url(url, now=NOW)
    assert (value.date().isoformat() if value else None) == day


def test_future_dates_beyond_clock_skew_are_rejected() -> None:
    assert parse_datetime("2024-05-01 12:05", now=NOW) is not None  # 5 min ahead: skew
    assert parse_datetime("2024-05-01 13:00", now=NOW) is None
    assert parse_datetime("2024 04/30 19:30:21", now=NOW).isoformat() == "2024-04-30T19:30:21+08:00"


def test_today_widget_is_not_a_publish_date() -> None:
    from crawlers.extract.dates import iter_dates

    found = iter_dates("今天是：2024年4月30日 星期二 首页 2024-04-28 10:00 来源：本网", now=NOW)
    assert [v.isoformat() for _, v in found] == ["2024-04-28T10:00:00+08:00"]


@pytest.mark.parametrize(("text", "origin"), [
    ("2023-01-15 10:28 来源：央视新闻客户端作者：王小二 编辑：林雅婷", "央视新闻客户端"),
    ("信息来源：民政部网站 发布日期：2023-08-03", "民政部网站"),
    ("來源：新華社 字號：大 中 小", "新華社"),
    ("来源：人民网－人民日报", "人民网－人民日报"),
    ("数据来源：国家统计局", None),  # a word in the body, not the page's source label
])
def test_origin_value_stops_at_the_next_label(text: str, origin: str | None) -> None:
    from crawlers.extract.article import origin_value

    assert origin_value(text) == origin


def test_clean_title_site_name_first() -> None:
    assert clean_title("广西民宗委 - 工作动态 - 广西：民族团结 谱写八桂大地新篇章") == \
        "广西：民族团结 谱写八桂大地新篇章"
    assert clean_title("中共中央办公厅印发《规划纲要》-新华网") == "中共中央办公厅印发《规划纲要》"

"""Rules added after the blind round (``test_unseen_sites2.py``), each with the case it must
not over-reach on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from parsel import Selector

from crawlers.extract.antibot import visible_text
from crawlers.extract.attachments import restore_attachment_lines
from crawlers.extract.boilerplate import clean_body, is_furniture
from crawlers.extract.dates import date_from_url, parse_datetime, yearless_date

NOW = datetime(2025, 1, 1, 4, 0, tzinfo=UTC)
SENTENCE = "国家副主席韩正25日在人民大会堂会见瑙鲁外长安格明。"


@pytest.mark.parametrize(("raw", "iso"), [
    ("2024-01-25-19:50:00", "2024-01-25T19:50:00+08:00"),  # 中国政府网 meta
    ("2024-01-25", "2024-01-25T00:00:00+08:00"),
    ("2024-01-25T19:50:00+08:00", "2024-01-25T19:50:00+08:00"),
    ("2024-01-25 11:50:00Z", "2024-01-25T11:50:00+00:00"),
    ("2024-01-25-18", "2024-01-25T00:00:00+08:00"),  # a dash and digits but no time
])
def test_dash_joined_time_and_offsets_only_after_a_time(raw: str, iso: str) -> None:
    value = parse_datetime(raw, now=NOW)
    assert value is not None and value.isoformat() == iso


def test_yearless_header_date_takes_the_url_year_or_the_latest_past_one() -> None:
    hint = date_from_url("https://new.qq.com/rain/a/20230917A05ABC00", now=NOW)
    assert hint is not None and hint.date().isoformat() == "2023-09-17"
    assert yearless_date("09-17 20:05 发布于北京", year_hint=hint, now=NOW).isoformat() == \
        "2023-09-17T20:05:00+08:00"
    # Another day than the URL's: the year that keeps it in the past.
    assert yearless_date("12-31 20:05", year_hint=hint, now=NOW).year == 2024
    assert yearless_date("01月01日 11:02", now=NOW).year == 2025
    assert yearless_date("01月02日 11:02", now=NOW).year == 2024
    assert yearless_date("2024-01-17 11:02", now=NOW) is None  # has a year: not this rule
    assert yearless_date("比分 3-1", now=NOW) is None


@pytest.mark.parametrize("line", [
    "跟贴 12 人参与 56 举报", "点赞 12", "举报", "评论 (33)", "阅读 2.3万+",
    "您的浏览器不支持 video 标签，请升级浏览器后观看",
    "免责声明：本内容来自腾讯平台创作者，不代表腾讯新闻或腾讯网的观点和立场。",
    "平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。",
    "- 俄外长称西方直接参与冲突09-17 18:30",
    "- 2023年全国居民人均可支配收入增长6.3%01月17日 11:02",
])
def test_new_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "网友评论称，这项举措让群众办事少跑腿。",
    "特别声明：本次招聘不收取任何费用，请考生提高警惕，谨防上当受骗。",
    "比赛第二节，主队以09-17落后，随后连得12分。",
    "阅读推广活动吸引了3000多名市民参与。",
])
def test_sentences_near_the_new_rules_are_body(line: str) -> None:
    assert not is_furniture(line)


def test_page_header_before_a_repeated_headline_is_dropped() -> None:
    title = "韩正会见瑙鲁外长"
    body = "\n".join(["长兴县融媒体中心", title, SENTENCE, "双方就共建“一带一路”交换了意见。"])
    assert clean_body(body, title).split("\n")[0] == SENTENCE
    # Without the headline a short first line is not touched by this rule.
    assert clean_body("\n".join(["一、总体要求", SENTENCE]), title).startswith("一、总体要求")
    # A sentence before the headline means the "headline" is a quote inside the body.
    body = "\n".join([SENTENCE, title, "双方就共建“一带一路”交换了意见。"])
    assert clean_body(body, title).startswith(SENTENCE)


def test_attachment_lines_inside_the_body_are_restored_in_page_order() -> None:
    html = ("<html><body><h1>关于开展普法宣传月活动的通知</h1>"
            "<div class='c'><p>各司法所：</p><p>现将活动方案印发给你们，请认真组织实施。</p>"
            "<p>附件：<a href='a.docx'>1.活动方案.docx</a></p><p><a href='b.pdf'>2.报名表.pdf</a></p>"
            "<p>某县司法局</p><p>2024年3月5日</p></div>"
            "<div class='fj'><p>附件下载：</p><ul><li><a href='c.xlsx'>统计表.xlsx</a></li></ul></div>"
            "</body></html>")
    page = visible_text(html)
    text = "各司法所：\n现将活动方案印发给你们，请认真组织实施。\n某县司法局\n2024年3月5日"
    start = page.find("各司法所")
    end = page.find("2024年3月5日") + len("2024年3月5日")
    out = restore_attachment_lines(Selector(text=html), page, text, start, end)
    assert out.split("\n") == ["各司法所：", "现将活动方案印发给你们，请认真组织实施。",
                               "附件：1.活动方案.docx", "2.报名表.pdf", "某县司法局", "2024年3月5日"]
    assert "统计表.xlsx" not in out  # the download box after the body is not body

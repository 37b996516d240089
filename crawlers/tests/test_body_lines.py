"""Body lines that open with "来源：": a label line is furniture, a quoted sentence is body."""

from __future__ import annotations

import pytest

from crawlers.extract.article import extract_article
from crawlers.extract.boilerplate import clean_body, is_furniture

SENTENCE = ("来源：国家统计局的数据显示，今年一季度全国居民人均可支配收入同比名义增长6.2%，"
            "扣除价格因素实际增长6.2%。")


@pytest.mark.parametrize("line", [
    "来源：新华社",
    "（来源：央视新闻客户端）",
    "信息来源：漳州市司法局办公室",
    "作者：王小二",
    "来源：人民日报客户端 作者：张三 编辑：李四 浏览：1208次 字号：大 中 小",
])
def test_label_lines_are_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    SENTENCE,
    "来源：省生态环境厅通报，全省设区城市空气质量优良天数比例为99.1%，同比上升0.6个百分点。",
    "作者：一位在基层调解岗位工作了二十多年的老同志，讲述了他化解邻里纠纷的经历和体会。",
])
def test_label_opened_sentences_are_body(line: str) -> None:
    assert not is_furniture(line)


def test_sentence_kept_and_label_dropped_in_a_page() -> None:
    html = ("<html><head><title>一季度居民收入稳步增长_漳州市人民政府</title></head><body>"
            "<h1>一季度居民收入稳步增长</h1><div class='info'>来源：漳州日报</div>"
            "<div class='content'>"
            "<p>今年以来，我市持续推进稳就业、促增收各项政策落地见效，城乡居民收入保持稳定增长势头。</p>"
            f"<p>{SENTENCE}</p>"
            "<p>从收入来源看，工资性收入、经营净收入、财产净收入和转移净收入全面增长。</p>"
            "<p>来源：漳州日报</p></div></body></html>")
    data = extract_article(html, "http://www.zhangzhou.gov.cn/cms/html/zzsrmzf/2024-04-20/123.html")
    assert SENTENCE in data["text"]
    assert not data["text"].endswith("来源：漳州日报")
    assert data["origin"] == "漳州日报"
    assert clean_body(f"{SENTENCE}\n来源：新华社", "") == SENTENCE

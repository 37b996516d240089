"""One test per failure class seen on real pages (issue 12): boilerplate kept in the body,
wrong dates, wrong titles, lost bodies, scheme-less canonical URLs. Pages are small, built to
the structure of the real templates, with 新闻联播 text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.extract.article import extract_article
from crawlers.extract.boilerplate import clean_body, is_furniture
from crawlers.extract.canonical import canonicalize
from crawlers.extract.dates import iter_dates, parse_datetime
from crawlers.extract.encoding import decode_bytes
from crawlers.extract.titles import plain_title

NOW = datetime(2025, 1, 1, 4, 0, tzinfo=UTC)
P1 = "国务院新闻办公室今天（1月17日）举行新闻发布会，介绍2023年国民经济运行情况，多项指标显示，我国经济回升向好。"
P2 = "国家统计局表示，2023年国内生产总值比上年增长5.2%，增速高于全球预计3%左右的增长水平。"
P3 = "全年城镇新增就业1244万人，比上年增加38万人，就业形势总体稳定。"
TITLE = "2023年国民经济回升向好 高质量发展扎实推进"


def page(body: str, head: str = "", title: str = f"{TITLE}_新闻中心_东方财讯网") -> str:
    title_tag = f"<title>{title}</title>" if title else ""
    return (f"<html><head><meta charset='utf-8'>{title_tag}{head}</head><body>"
            "<div class='nav'><a href='/'>首页</a> <a href='/news/'>新闻</a> <a href='/cj/'>财经</a></div>"
            f"{body}</body></html>")


def article(extra: str = "", header: str = "<div class='info'>2024-01-17 20:12 来源：央视新闻</div>") -> str:
    return (f"<div class='article'><h1>{TITLE}</h1>{header}<div class='content'>"
            f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>{extra}</div></div>")


# --- boilerplate ---------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "扫描二维码关注东方财讯网官方微信",
    "长按识别二维码 关注临海发布",
    "违法和不良信息举报电话：021-61234567 举报邮箱：jubao@dfcx.com.cn",
    "报料热线：0571-96068（24小时），报料微信：qtwb96068。一经采用，奖励50-500元。",
    "【潇湘热线新闻报料：0731-84326110，微信：xxrx110】",
    "更多猛料，请关注钱塘晚报官方微博、微信公众号。",
    "订阅观潮早报：每个工作日早上，把最重要的财经新闻送到您的邮箱。立即订阅",
    "本文内容由大河号作者上传并发布，仅代表作者观点，不代表大河资讯立场。",
    "声明：本文由金港网转载，转载目的在于传递更多信息，并不代表本网赞同其观点和对其真实性负责。",
    "点击上方蓝字关注我们",
    "文字：党委宣传部 图片：校新闻中心 审核：刘俊",
    "您是本站第 1234567 位访客　建议使用1024×768分辨率浏览",
    "关注我们 | 点击上方“南溪检察”",
    "喜欢就点个“在看”吧",
    "END",
    "关键词 >> 上海",
    "（汉江日报全媒体记者 王磊 通讯员 刘芳）",
])
def test_site_promotion_and_notices_are_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "市民可扫描二维码进行预约挂号，也可拨打12345热线。",
    "群众可拨打举报电话反映问题。",
    "市民向本报报料称，小区电梯多次故障。",
    "这一表态不代表美方立场发生改变。",
    "气象部门发布地质灾害风险提示。",
    "公司发布郑重声明称将依法维权。",
    "该网站未经授权转载了大量作品。",
    "卫星影像分辨率达0.5米。",
    "下载量超过千万的某APP被约谈。",
    "记者关注到该公众号发布的文章。",
    P3,
])
def test_story_sentences_with_the_same_words_are_body(line: str) -> None:
    assert not is_furniture(line)


def test_a_notice_of_its_own_is_not_the_site_disclaimer() -> None:
    own = "特别声明：本次招聘不收取任何费用，请考生提高警惕，谨防上当受骗。"
    assert clean_body(f"{P1}\n{P2}\n{own}") == f"{P1}\n{P2}\n{own}"


def test_a_list_of_names_is_not_a_menu() -> None:
    text = "拟录用人员名单如下：\n张三\n李四\n王五\n公示期为5个工作日。"
    assert clean_body(text, link_texts=frozenset({"网站首页", "政务公开"})) == text


def test_disclaimer_block_and_everything_after_it_go() -> None:
    text = f"{P1}\n{P2}\n免责声明：\n本文内容由作者上传，与本站无关。\n如有问题请联系我们。"
    assert clean_body(text) == f"{P1}\n{P2}"


def test_sidebar_headlines_and_menu_links_are_not_body() -> None:
    side = "".join(f"<p><a href='/a/{i}.html'>{t}</a></p>" for i, t in enumerate(
        ["多地出台措施支持新能源汽车消费", "今冬明春天然气保供工作全面展开", "全国秋粮收购进度快于上年"]))
    data = extract_article(page(article(f"<div class='hot'>{side}</div>")),
                           "https://news.dfcx.com.cn/a/20240117/1.html", now=NOW)
    assert data["text"] == f"{P1}\n{P2}\n{P3}"


def test_short_notice_loses_the_site_menu_and_keeps_its_sign_off() -> None:
    notice = "各县（市、区）司法局：经研究，决定于近期开展法律援助案件质量评查工作，请于本月底前报送自查情况。"
    html = ("<html><head><meta charset='utf-8'><title>关于开展法律援助案件质量评查的通知</title></head><body>"
            "<ul class='menu'><li><a href='/'>网站首页</a></li><li><a href='/zwgk/'>政务公开</a></li>"
            "<li><a href='/bsfw/'>办事服务</a></li><li><a href='/hdjl/'>互动交流</a></li></ul>"
            "<a href='/'>泉港区司法局</a><h3>关于开展法律援助案件质量评查的通知</h3>"
            f"<div class='detail'><p>{notice}</p><p>泉港区司法局</p><p>2024年3月5日</p></div>"
            "<div class='foot'><a href='/'>网站首页</a> | <a href='/lxwm/'>联系我们</a></div></body></html>")
    data = extract_article(html, "http://sfj.qg.gov.cn/tzgg/1.htm", site_name="泉港区司法局", now=NOW)
    assert data["text"] == f"{notice}\n泉港区司法局\n2024年3月5日"


# --- dates ---------------------------------------------------------------------------------

def test_invalid_and_range_dates_are_not_dates() -> None:
    assert parse_datetime("2026-11-2x", now=datetime(2027, 1, 1, tzinfo=UTC)) is None
    assert iter_dates("查看旧版(2007年11月18号以前)", now=NOW) == []
    assert parse_datetime("2024-01-25T19:50:00+08:00", now=NOW) is not None


@pytest.mark.parametrize("meta", [
    "<meta name='PubDate' content='2024-01-17 20:12'>",
    "<meta name='publishdate' content='2024-01-17 20:12:00'>",
    "<meta property='article:published_time' content='2024-01-17T20:12:00+08:00'>",
    "<meta property='og:release_date' content='2024-01-17 20:12'>",
    "<meta name='apub:time' content='2024-01-17 20:12:00'>",
    "<meta itemprop='datePublished' content='2024-01-17T20:12:00+08:00'>",
    "<script type='application/ld+json'>{\"@graph\":[{\"@type\":\"NewsArticle\","
    "\"datePublished\":\"2024-01-17T20:12:00+08:00\"}]}</script>",
])
def test_structured_date_gives_the_year_a_yearless_header_lacks(meta: str) -> None:
    html = page(article(header="<div class='time'>01-17 20:12</div>"), head=meta)
    data = extract_article(html, "https://news.dfcx.com.cn/a/7.html", now=NOW)
    assert data["published_at"].isoformat() == "2024-01-17T20:12:00+08:00"


def test_yearless_header_never_lands_in_the_future() -> None:
    html = page(article(header="<div class='time'>12-31 22:10</div>"))
    data = extract_article(html, "https://news.dfcx.com.cn/a/7.html", now=NOW)
    assert data["published_at"].isoformat() == "2024-12-31T22:10:00+08:00"


def test_feed_date_beats_a_malformed_printed_date() -> None:
    html = page(article(header="<div class='byline'>2026-11-2x 江城晚报记者 刘洋</div>"))
    data = extract_article(html, "https://www.jcwb.cn/p/1.html", now=datetime(2027, 1, 1, tzinfo=UTC),
                           feed_date="2026-11-20T18:40:00+08:00")
    assert data["published_at"].isoformat() == "2026-11-20T18:40:00+08:00"
    alone = extract_article(html, "https://www.jcwb.cn/p/1.html", now=datetime(2027, 1, 1, tzinfo=UTC))
    assert alone["published_at"] is None  # no date beats a wrong one


def test_sidebar_and_navigation_dates_are_never_the_article_date() -> None:
    side = ("<div class='editor-box'><h4>小编最近文章</h4><ul>"
            "<li><a href='/a/1.html'>南湖区举办秋季招聘会提供岗位三千余个</a><span>2024-11-20</span></li>"
            "</ul></div>")
    html = page("<div class='top'><a href='http://old.x.cn/'>查看旧版(2007年11月18号以前)</a></div>"
                f"<h1>{TITLE}</h1><div class='meta'>2024-01-17 10:20</div>{side}"
                f"<div class='body'><p>{P1}</p><p>{P2}</p></div>")
    data = extract_article(html, "https://www.nanhuzx.com/a/8812.html", now=NOW)
    assert data["published_at"].isoformat() == "2024-01-17T10:20:00+08:00"
    undated = page("<div class='top'><a href='http://old.x.cn/'>查看旧版(2007年11月18号以前)</a></div>"
                   f"<h1>{TITLE}</h1><div class='body'><p>{P1}</p><p>{P2}</p></div>")
    assert extract_article(undated, "https://www.hhrb.cn/news/show-1.html", now=NOW)["published_at"] is None


# --- titles --------------------------------------------------------------------------------

def test_markup_in_the_title_meta_is_stripped() -> None:
    assert plain_title("&lt;font color=&quot;red&quot;&gt;韩正会见瑙鲁外长&lt;/font&gt;") == "韩正会见瑙鲁外长"
    html = page(article(), head=f"<meta name='ArticleTitle' content='&lt;p&gt;{TITLE}&lt;/p&gt;'>")
    assert extract_article(html, "https://news.dfcx.com.cn/a/1.html", now=NOW)["title"] == TITLE


def test_no_title_tag_takes_the_headline_not_the_logo() -> None:
    html = page("<div class='logo'><h1><a href='/'>西岭区融媒体中心</a></h1></div>" + article(), title="")
    assert extract_article(html, "http://www.xlrmt.cn/1.html", now=NOW)["title"] == TITLE


def test_site_name_is_never_the_headline() -> None:
    body = ("<h1 class='site-title'>北岸新闻网</h1>"
            f"<div class='news-title'>{TITLE}</div><div class='news-time'>2024-01-17 17:45</div>"
            f"<div class='news-text'><p>{P1}</p><p>{P2}</p></div>")
    html = page(body, head="<meta property='og:site_name' content='北岸新闻网'>", title="北岸新闻网")
    assert extract_article(html, "https://www.banews.cn/n/1.shtml", now=NOW)["title"] == TITLE


# --- bodies --------------------------------------------------------------------------------

def test_table_page_whose_first_extraction_is_only_furniture_keeps_its_body() -> None:
    html = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
            f"<title>{TITLE}--青州信息港</title></head><body><table width='778'><tr><td>"
            "<a href='/'>首页</a>&nbsp;|&nbsp;<a href='/news/'>新闻中心</a></td></tr></table>"
            "<table width='778'><tr><td width='180'>\t\t栏目导航\t</td><td width='598'><table>"
            f"<tr><td align='center'><b>{TITLE}</b></td></tr>"
            "<tr><td>\t\t发布日期：2005-6-18\t\t点击：368\t\t【<a href='#'>关闭</a>】</td></tr>"
            f"<tr><td class='f14'>&nbsp;&nbsp;{P1}<br>&nbsp;&nbsp;{P2}<br></td></tr>"
            "</table></td></tr></table></body></html>")
    text, codec = decode_bytes(html.encode("gb18030"), "text/html")
    data = extract_article(text, "http://www.qzxxg.com/news/show.asp?id=1", now=NOW)
    assert codec == "gb18030"
    assert data["text"] == f"{P1}\n{P2}"
    assert data["published_at"].date().isoformat() == "2005-06-18"


def test_header_include_closing_html_early_does_not_hide_the_article() -> None:
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE} - 滨海新闻网</title></head><body>"
            "<div class='header'><ul><li><a href='/'>首页</a></li><li><a href='/bh/'>滨海要闻</a></li>"
            "<li><a href='/sh/'>社会</a></li></ul></div></body></html>" + article() + "</body></html>")
    data = extract_article(html, "https://www.bhxww.cn/bh/1.html", now=NOW)
    assert data["text"] == f"{P1}\n{P2}\n{P3}"


def test_only_paragraph_among_navigation_is_kept() -> None:
    links = "".join(f"<li><a href='/l/{i}.html'>{n}</a></li>" for i, n in enumerate(
        ["工作动态", "通知公告", "政策解读", "人事信息", "财政信息", "规划计划"]))
    html = page(f"<ul>{links}</ul><div class='bt'>{TITLE}</div><div class='zw'><p>{P1}</p></div>"
                f"<ul>{links}</ul><div class='foot'>东方财讯网 主办</div>")
    assert extract_article(html, "https://news.dfcx.com.cn/a/1.html", now=NOW)["text"] == P1


# --- canonical URLs ------------------------------------------------------------------------

@pytest.mark.parametrize("og_url", ["www.sohu.com/a/761234567_121123",
                                    "//www.sohu.com/a/761234567_121123",
                                    "https://www.sohu.com/a/761234567_121123?spm=smpc.content"])
def test_scheme_less_og_url_is_absolute(og_url: str) -> None:
    assert canonicalize(og_url, "https://m.sohu.com/a/761234567_121123/") == \
        "https://www.sohu.com/a/761234567_121123"
    html = page(article(), head=f"<meta property='og:url' content='{og_url}'>")
    data = extract_article(html, "https://m.sohu.com/a/761234567_121123/", now=NOW)
    assert data["canonical_url"] == "https://www.sohu.com/a/761234567_121123"


def test_relative_file_names_stay_relative() -> None:
    assert canonicalize("news.html", "https://www.x.cn/a/") == "https://www.x.cn/a/news.html"
    assert canonicalize("content_12.htm", "https://www.x.cn/a/b.htm") == "https://www.x.cn/a/content_12.htm"

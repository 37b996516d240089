"""Generic extraction on site templates the crawler has no selectors for.

Each page in ``files/sites/`` imitates a real Chinese CMS or news template (TRS, Hanweb, 人民网,
新华网, 央视网, 澎湃, 闽南网, a county portal, a Hong Kong Big5 portal, WeChat…) with real
新闻联播 text. The table gives the exact title, publish time, origin and the body's first and
last sentence; every case is checked field by field so a regression names the field.

Editorial lines (``责任编辑：X``, ``(责编：X、Y)``, ``编辑：X``, ``校对：X``) are page furniture,
not body: they are dropped from ``text`` (see README, "Extraction quality").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from crawlers.extract.article import extract_article
from crawlers.extract.encoding import decode_bytes
from crawlers.tests.responses import FILES

SITES = FILES / "sites"
NOW = datetime(2025, 1, 1, 4, 0, tzinfo=UTC)
# Strings that are site furniture on every template here; none may reach an article body.
BOILERPLATE = (
    "当前位置", "您现在的位置", "您的位置", "发布时间", "发布日期", "浏览次数", "字体", "字号",
    "打印", "关闭窗口", "上一篇", "下一篇", "相关新闻", "相关文章", "相关推荐", "相关阅读",
    "ICP", "版权所有", "Copyright", "扫一扫", "分享到", "责任编辑", "责编", "编辑：", "校对",
    "首页", "下一页", "共3页", "来源：", "來源", "責任編輯", "阅读原文", "公网安备",
)


@dataclass(frozen=True)
class Case:
    file: str
    url: str
    site: str  # the name a user gives the source; the origin when the page names none
    title: str
    published_at: str
    origin: str
    first: str
    last: str
    content_type: str | None = None
    contains: tuple[str, ...] = field(default=())


CASES = [
    Case("trs_gov.html", "http://nyncj.zhangzhou.gov.cn/xxgk/gzdt/202412/t20241223_1234567.htm",
         "漳州市农业农村局", "加强冬季田间管理 夯实粮食生产基础", "2024-12-23T10:15:00+08:00",
         "漳州市农业农村局",
         "当下正值农业生产“冬管”关键期，各地因地制宜做好田间管理，确保作物安全越冬，夯实粮油生产基础。",
         "在贵州铜仁，农技人员指导农户开展清沟排渍、追施苗肥、防虫治病等工作，确保油菜安全越冬。"),
    Case("hanweb_zoom.html", "http://mzt.fujian.gov.cn/art/2023/8/3/art_1229_4567.html",
         "福建省民政厅", "【学思想 强党性 重实践 建新功】民政部用心用情解决群众急难愁盼问题",
         "2023-08-03T16:20:00+08:00", "民政部网站",
         "民政部深入开展学习贯彻习近平新时代中国特色社会主义思想主题教育，",
         "确保党的创新理论在民政领域落地生根。"),
    Case("people.html", "http://politics.people.com.cn/n1/2024/1009/c1024-40335123.html", "人民网",
         "全国政协十四届常委会第九次会议开幕 学习贯彻习近平总书记在庆祝中国人民政治协商会议成立75周年"
         "大会上的重要讲话精神 王沪宁出席", "2024-10-09T19:42:00+08:00", "人民网－人民日报",
         "政协第十四届全国委员会常务委员会第九次会议9日上午在京开幕，",
         "全国政协副主席兼秘书长王东峰等就有关议题作了说明和报告。"),
    Case("xinhua.html", "http://www.news.cn/politics/2024-06/13/c_1130156000.htm", "新华网",
         "中共中央办公厅印发《全国党政领导班子建设规划纲要（2024—2028年）》",
         "2024-06-13T19:30:21+08:00", "新华社",
         "近日，中共中央办公厅印发了《全国党政领导班子建设规划纲要（2024—2028年）》",
         "合理配备女干部、少数民族干部和党外干部。"),
    Case("cctv.html", "https://news.cctv.com/2023/11/23/ARTIwbnLK9OPjLqy0XbOXDVS231123.shtml",
         "央视网", "寒潮持续影响我国 北方多地大幅降温", "2023-11-23T19:58:00+08:00", "央视网",
         "央视网消息（新闻联播）：寒潮天气持续影响我国，北方多地大幅降温，相关各地切实做好民生保障各项工作。",
         "气象部门表示，今明两天，内蒙古、东北等地雨雪天气将逐渐减弱减少，预计寒潮将继续深入我国，南下影响更多地区。"),
    Case("thepaper.html", "https://www.thepaper.cn/newsDetail_forward_28912345", "澎湃新闻",
         "各地交通出行开始迎来返程客流", "2024-10-05T21:08:00+08:00", "澎湃新闻",
         "交通运输部最新数据显示，今天（10月5日）预计全社会跨区域人员流动量超2.84亿人次。",
         "国内热门航线仍集中在京津冀、长三角、粤港澳、成渝四大城市群间，国际热门航线以周边国家和地区的旅游航线为主。"),
    Case("mnw_gbk.html", "http://www.mnw.cn/news/china/2697123.html", "闽南网",
         "春节近 年味浓", "2023-01-15T10:28:00+08:00", "央视新闻客户端",
         "春节临近，大街小巷张灯结彩、装扮一新，年的味道越来越浓了。",
         "在福建龙岩永定土楼，当地居民制作腊肉、笋干、手打牛肉丸等美食，为春节团圆饭做准备。",
         content_type="text/html"),
    Case("gb18030_rare.html", "http://www.ningshan.gov.cn/Content-2345678.html", "宁陕县人民政府",
         "蔡奇在陕西宁陕县调研", "2023-10-22T18:05:00+08:00", "宁陕县人民政府",
         "中共中央政治局常委、中央书记处书记蔡奇21日至22日在陕西宁陕县调研。",
         "在筒车湾镇㙟口村，蔡奇察看村民安置点建设情况，与村党支部书记陈𠀀交谈。",
         content_type="text/html; charset=GBK", contains=("㙟口村", "陈𠀀", "两手抓、两促进。")),
    Case("big5.html", "http://www.takungpao.com/news/232108/2023/0528/870000.html", "大公網",
         "習近平同志《論科技自立自強》出版發行", "2023-05-28T20:35:00+08:00", "新華社",
         "中共中央黨史和文獻研究院編輯的習近平同志《論科技自立自強》，近日由中央文獻出版社出版，在全國發行。",
         "我國科技事業取得歷史性成就、發生歷史性變革，進入創新型國家行列。"),
    Case("wechat_generic.html", "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv", "央视新闻",
         "【大国工匠】孙景南：焊出中国高铁新速度", "2024-05-05T17:40:00+08:00", "央视新闻",
         "从“绿皮车”到高铁“复兴号”，我国轨道交通不断突破，这离不开工匠们的刻苦钻研，挑战极限。",
         "双丝焊接、多位态翻转，在这条智能产线上，8只机械臂的工作效率数倍于人工。"),
    Case("url_date_c.html", "http://world.example.com.cn/2024-06/03/c_1130156789.htm", "中国日报网",
         "俄称控制顿涅茨克一处要地 乌称击退俄军进攻", "2024-06-03T00:00:00+08:00", "中国日报网",
         "俄罗斯国防部2日称，俄军在多个方向打击乌军，",
         "会引发“严重后果”。"),
    Case("url_date_t.html", "https://www.mct.gov.cn/whzx/whyw/202304/t20230425_942123.htm",
         "文化和旅游部", "习近平向亚洲文化遗产保护联盟大会致贺信", "2023-04-25T00:00:00+08:00",
         "文化和旅游部", "4月25日，国家主席习近平向亚洲文化遗产保护联盟大会致贺信。",
         "亚洲文化遗产保护联盟大会由文化和旅游部、国家文物局、陕西省人民政府共同主办，25日在陕西省西安市开幕。"),
    Case("meta_date_only.html", "http://www.ccrnews.com.cn/index.php/Xinwenzixun/content/id/123456.html",
         "中国文物信息网", "【推动高质量发展系列主题新闻发布会】奋力书写文物事业高质量发展新篇章",
         "2024-09-26T08:05:00+08:00", "中国文物报",
         "国务院新闻办公室25日举行“推动高质量发展”系列主题新闻发布会，",
         "将中国文明历史研究引向深入。"),
    Case("many_dates.html", "http://news.fjsen.com/wap/content_31234567.htm", "东南网",
         "【高质量发展调研行】上海基础研究特区“特”在哪", "2023-05-28T20:12:00+08:00", "央视网",
         "如何加强基础研究，激发广大科研工作者的创新热情，",
         "这项成果发表在国际重要的科学期刊上。"),
    Case("multipage.html", "http://sx.china.com.cn/news/1130123.html", "中国网",
         "【共建“一带一路”·权威访谈】联通世界 塑造陕西发展新优势", "2023-10-11T19:55:06+08:00",
         "央视新闻", "陕西是古丝绸之路的起点，也是共建“一带一路”的重要节点。",
         "率先实现中亚“五国六城”通航全覆盖。"),
    Case("title_differs.html", "http://mzw.gxzf.gov.cn/gzdt/content_98765.html", "广西民宗委",
         "【铸牢共同体 中华一家亲】广西：民族团结 谱写八桂大地新篇章", "2024-09-24T00:00:00+08:00",
         "央视网", "广西铸牢中华民族共同体意识，构建共居共学、共建共享的发展格局，",
         "促进各民族全面交流、深度融合。"),
]
FIELDS = ("title", "published_at", "origin", "first", "last", "clean")


def extract(case: Case) -> dict:
    text, _ = decode_bytes((SITES / case.file).read_bytes(), case.content_type)
    return extract_article(text, case.url, site_name=case.site, now=NOW)


_cache: dict[str, dict] = {}


def extracted(case: Case) -> dict:
    if case.file not in _cache:
        _cache[case.file] = extract(case)
    return _cache[case.file]


def check(case: Case, name: str, data: dict) -> None:
    """Assert one field of one case (shared with the integration test)."""
    text = data["text"]
    published = data["published_at"]
    if name == "title":
        assert data["title"] == case.title
    elif name == "published_at":
        iso = published.isoformat() if isinstance(published, datetime) else published
        assert iso == case.published_at
    elif name == "origin":
        assert data["origin"] == case.origin
    elif name == "first":
        assert text.startswith(case.first), text[:120]
    elif name == "last":
        assert text.endswith(case.last), text[-200:]
    elif name == "clean":
        assert data["parse_error"] is None
        found = [word for word in BOILERPLATE if word in text]
        assert not found, found
        assert text.split("\n")[0].strip() != case.title  # headline not repeated as body
        for needle in case.contains:
            assert needle in text


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("case", CASES, ids=[c.file.removesuffix(".html") for c in CASES])
def test_generic_extraction(case: Case, name: str) -> None:
    check(case, name, extracted(case))


def test_fixture_encodings_are_what_they_claim() -> None:
    # The pages must really be in the encodings they exercise, or the cases prove nothing.
    gb = (SITES / "gb18030_rare.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gb.decode("gbk")
    assert decode_bytes(gb, "text/html; charset=GBK")[1] == "gb18030"
    assert decode_bytes((SITES / "mnw_gbk.html").read_bytes(), "text/html")[1] == "gb18030"
    assert decode_bytes((SITES / "big5.html").read_bytes(), None)[1] == "big5hkscs"


CRAWLED = ("trs_gov.html", "mnw_gbk.html", "big5.html", "many_dates.html", "title_differs.html")


@pytest.mark.slow
def test_spider_path_gives_the_unit_path_fields() -> None:
    """A real crawl (run_crawl → subprocess → Scrapy) over a list page linking to the pages,
    each served in its own encoding, yields the same fields as the extraction above."""
    from crawlers.runner import run_crawl
    from crawlers.tests.site import Site
    from crawlers.tests.test_integration import FAST

    cases = {c.file: c for c in CASES if c.file in CRAWLED}
    links = "".join(f'<li><a href="{name}">{cases[name].title}</a></li>' for name in CRAWLED)
    with Site() as site:
        site.add("/news/index.html", f'<html><head><meta charset="utf-8"><title>要闻</title>'
                                     f"</head><body><ul>{links}</ul></body></html>")
        for name in CRAWLED:
            site.add(f"/news/{name}", (SITES / name).read_bytes(),
                     content_type=cases[name].content_type or "text/html")
        result = run_crawl({"slug": "unseen", "name": "测试站点", "kind": "html",
                            "url": site.base + "/news/index.html", "settings": FAST}, {},
                           timeout=60)
    assert result.error is None and result.blind is None
    items = {item["url"].rsplit("/", 1)[-1]: item for item in result.items}
    assert set(items) == set(CRAWLED)
    for name, item in items.items():
        unit = extracted(cases[name])
        assert item["title"] == unit["title"]
        assert item["text"] == unit["text"]
        assert item["origin"] == unit["origin"]
        assert item["published_at"] == unit["published_at"].isoformat()
        for field_name in FIELDS:
            check(cases[name], field_name, item)

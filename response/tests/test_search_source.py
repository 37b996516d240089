"""Keyword search sources on the Django side: which queries a run asks (the watch plans' positive
terms), loading and validating them from YAML, and a real crawl against the loopback search site
(crawlers/tests/test_search.py) stored as mentions, deduplicated against other sources."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.tests.test_search import ARTICLES, FAST, SearchSite, article_path, serve_articles
from response.models import CrawlRun, KeywordPlan, Mention, Source
from response.services.crawling import crawl_config, crawl_source, positive_terms, search_queries
from response.services.ingest import ingest_item
from response.services.sources_io import SourcesRejected, load_sources


def test_positive_terms_are_the_terms_that_must_be_present():
    assert positive_terms('(司法局 OR "法律 援助") AND (投诉 OR 不作为) NOT 招聘') == [
        "司法局", "法律 援助", "投诉", "不作为"]
    # NEAR asks for both words at once; full-width brackets are folded by the parser.
    assert positive_terms("NEAR/20(律师, 收费) OR 乱收费 OR （律师 AND 收费）") == ["律师 收费", "乱收费", "律师", "收费"]
    # Under two NOTs a term counts again: NOT (招聘 AND NOT 国务院) = NOT 招聘 OR 国务院.
    assert positive_terms("李强 NOT (招聘 AND NOT 国务院)") == ["李强", "国务院"]


@pytest.fixture
def plans(db):
    KeywordPlan.objects.all().delete()
    KeywordPlan.objects.create(name="领导活动", category="leader", expression="李强 NOT 招聘")
    KeywordPlan.objects.create(name="粮食安全", category="business", expression="粮食 AND (收购 OR 丰收)")
    KeywordPlan.objects.create(name="台风灾害", category="business", expression="台风", enabled=False)
    KeywordPlan.objects.create(name="司法行政", category="bureau",
                               expression='"漳州市司法局" OR 司法所 NOT 招聘')


def test_every_enabled_plan_is_searched_unless_the_source_says_otherwise(plans):
    source = Source(slug="s", name="站内搜索", kind="search", url="http://127.0.0.1:9/s?q={query}")
    # Ordered by category then name, as the plans are listed; disabled plans are not searched.
    assert search_queries(source) == ["漳州市司法局", "司法所", "粮食", "收购", "丰收", "李强"]
    source.settings = {"queries": ["漳州 司法局", "李强"], "plans": ["领导活动", "粮食安全"],
                       "plan_queries": {"粮食安全": "粮食 收购"}}
    assert search_queries(source) == ["漳州 司法局", "李强", "粮食 收购"]
    config = crawl_config(source)
    assert config["settings"]["queries"] == ["漳州 司法局", "李强", "粮食 收购"]
    assert config["known_urls"] == []
    assert "queries" not in crawl_config(Source(slug="h", name="h", kind="html", url="http://x.cn/")).get(
        "settings", {})


def test_search_sources_are_validated_when_loaded(db, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {slug: mnw-search, name: 闽南网·站内搜索, kind: search, encoding: gbk,\n"
        "     url: 'http://so.mnw.cn/search?kw={query}&p={page}', settings: {max_pages: 3}}\n"
        "  - {slug: no-query, name: 缺关键词, kind: search, url: 'http://so.mnw.cn/search?kw=司法'}\n"
        "  - {slug: bad-options, name: 参数错误, kind: search, url: 'http://so.mnw.cn/s?q={query}',\n"
        "     settings: {max_pages: 50, query_encoding: gbkk, queries: 司法局}}\n",
        encoding="utf-8")
    with pytest.raises(SourcesRejected) as caught:
        load_sources(path)
    text = str(caught.value)
    assert "采集源 no-query（地址）：关键词搜索类采集源的地址必须是含 {query} 占位符的网址模板" in text
    assert "采集源 bad-options（采集参数）：max_pages（每个关键词最多翻页数）应为 1 到 10 之间的整数，当前为 50" in text
    assert "query_encoding 无法识别的编码 'gbkk'" in text and "queries 应为非空文字的列表" in text
    assert caught.value.created == 1
    loaded = Source.objects.get(slug="mnw-search")
    assert loaded.kind == Source.Kind.SEARCH and loaded.url == "http://so.mnw.cn/search?kw={query}&p={page}"
    # An update naming only the name keeps the stored template and still passes.
    path.write_text("sources:\n  - {slug: mnw-search, name: 闽南网搜索, kind: search}\n", encoding="utf-8")
    assert load_sources(path) == (0, 1)


@pytest.fixture
def site():
    with SearchSite() as s:
        serve_articles(s)
        yield s


def searched_terms(site: SearchSite) -> set[str]:
    return {parse_qs(urlsplit(p).query).get("q", [""])[0] for p in site.paths()
            if urlsplit(p).path in ("/s", "/wall/s")}


def test_a_search_crawl_stores_new_mentions_once_across_sources(plans, site):
    KeywordPlan.objects.filter(name="司法行政").delete()
    portal = Source.objects.create(slug="zzxw", name="漳州新闻网", kind="html", url=site.base + "/news/")
    # Another source already stored article 27 (李强主持召开国务院常务会议) under its canonical URL.
    stored, _ = ingest_item(portal, {"url": site.base + article_path(27), "canonical_url": site.base + article_path(27),
                                     "title": ARTICLES[27]["title"], "text": ARTICLES[27]["text"]})
    search = Source.objects.create(slug="zzxw-search", name="漳州新闻网·站内搜索", kind="search",
                                   url=site.base + "/s?q={query}&page={page}", settings=dict(FAST))
    outcome = crawl_source(search.pk, timeout=90)
    assert outcome.error is None and outcome.blind is None
    assert searched_terms(site) == {"李强", "粮食", "收购", "丰收"}  # not 招聘, not the disabled 台风
    assert site.base + article_path(27) not in [site.base + p for p in site.paths()]  # not fetched again
    found = Mention.objects.filter(source=search)
    # 李强: 14, (27) | 31.  粮食: 15, 16 | (27), 30.  收购: 15, 16.  丰收: 16, 30.  Two per page, two pages.
    expected = {14, 31, 15, 16, 30}
    assert sorted(m.url for m in found) == sorted(site.base + article_path(i) for i in expected)
    assert Mention.objects.filter(url=site.base + article_path(27)).get() == stored
    assert len(outcome.new_ids) == len(expected)
    run = CrawlRun.objects.get(pk=outcome.run_id)
    assert run.status == CrawlRun.Status.OK and run.stats["known_elsewhere"] >= 1
    assert found.get(url=site.base + article_path(30)).extra["search_query"] in ("粮食", "丰收")

    again = crawl_source(search.pk, timeout=90)
    assert again.error is None and again.new_ids == [] and again.found == 0


def test_a_captcha_on_the_results_page_marks_the_search_source_blind(plans, site):
    search = Source.objects.create(slug="wall-search", name="某站搜索", kind="search",
                                   url=site.base + "/wall/s?q={query}&page={page}", settings=dict(FAST))
    outcome = crawl_source(search.pk, timeout=90)
    assert outcome.blind == "需要输入验证码" and outcome.found == 0
    search.refresh_from_db()
    assert search.blind_reason == "需要输入验证码" and search.blind_since is not None
    assert CrawlRun.objects.get(pk=outcome.run_id).status == CrawlRun.Status.BLIND


def test_a_search_source_with_nothing_to_search_reports_why(db, site):
    KeywordPlan.objects.all().delete()
    search = Source.objects.create(slug="idle-search", name="站内搜索", kind="search",
                                   url=site.base + "/s?q={query}", settings=dict(FAST))
    outcome = crawl_source(search.pk, timeout=90)
    assert outcome.error and outcome.error.startswith("没有可搜索的关键词")
    search.refresh_from_db()
    assert search.consecutive_failures == 1 and search.last_error.startswith("没有可搜索的关键词")

"""Keyword search sources against a search page served on 127.0.0.1 that really filters.

The site holds 新闻联播 articles (response/demo/news_sample.jsonl.gz) and answers
``/s?q=…&page=…`` with the articles whose title or text contains the query, two per page, in a
results list between navigation, "相关搜索" links and a pager, the way a portal's 站内搜索 does.
``/gbk/search?kw=…`` is the same in GBK (query bytes decoded as GBK, pages in GBK, "下一页"
links instead of a page number in the template); ``/wall/s`` answers with a captcha page.
"""

from __future__ import annotations

import gzip
import html
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from crawlers.runner import run_crawl
from crawlers.spiders.search import NO_QUERIES, fill_template
from crawlers.tests.site import Site

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "response" / "demo" / "news_sample.jsonl.gz"
ARTICLES = [json.loads(line) for line in gzip.decompress(SAMPLE.read_bytes()).decode("utf-8").splitlines()]
PER_PAGE = 2
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5,
        "RETRY_TIMES": 0, "RANDOMIZE_DOWNLOAD_DELAY": False}
CAPTCHA = ("<html><head><meta charset='utf-8'><title>访问验证</title></head><body>"
           "<div class='box'><p>您的访问过于异常，请输入验证码后继续搜索</p>"
           "<img src='/captcha.jpg'><input name='code'><button>提交</button></div></body></html>")


def article_path(index: int, prefix: str = "") -> str:
    day = ARTICLES[index]["date"]
    return f"{prefix}/news/{day[:4]}/{day[4:]}/c{index}.html"


def body_lines(index: int) -> list[str]:
    """The transcript's paragraphs, without the markdown link to the original."""
    return [line for line in ARTICLES[index]["text"].splitlines()
            if line.strip() and not line.startswith("[查看原文]")]


def article_page(index: int, charset: str = "utf-8") -> str:
    row = ARTICLES[index]
    day = f"{row['date'][:4]}-{row['date'][4:6]}-{row['date'][6:]}"
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body_lines(index))
    return (f'<html><head><meta charset="{charset}"><title>{html.escape(row["title"])}_漳州新闻网</title>'
            f'<meta name="PubDate" content="{day} 19:30"></head><body>'
            '<div class="nav"><a href="/">首页</a><a href="/news/">要闻</a><a href="/s">站内搜索</a></div>'
            f'<div class="article"><h1>{html.escape(row["title"])}</h1>'
            f'<div class="info">来源：央视网 {day} 19:30</div>'
            f'<div class="content">{paragraphs}</div></div>'
            '<div class="footer">漳州新闻网版权所有 闽ICP备05000000号</div></body></html>')


def matching(query: str) -> list[int]:
    return [i for i, row in enumerate(ARTICLES) if query and (query in row["title"] or query in row["text"])]


def results_page(query: str, page: int, *, prefix: str = "", pager_template: str | None = None,
                 charset: str = "utf-8") -> str:
    hits = matching(query)
    shown = hits[(page - 1) * PER_PAGE: page * PER_PAGE]
    items = "".join(
        f'<li class="result"><h3><a href="{article_path(i, prefix)}">{html.escape(ARTICLES[i]["title"])}</a></h3>'
        f'<p class="snippet">{html.escape(body_lines(i)[-1][:60])}…</p><span>{ARTICLES[i]["date"]}</span></li>'
        for i in shown)
    if not shown:
        items = f'<li class="none">没有找到与“{html.escape(query)}”相关的结果，请更换关键词</li>'
    related = "".join(f'<a href="{prefix}/s?q={quote(word)}">{word}相关的更多搜索结果</a>'
                      for word in ("国务院常务会议", "粮食生产形势"))
    pager = ""
    if pager_template and page * PER_PAGE < len(hits):
        pager = f'<div class="pager"><a href="{pager_template.format(page=page + 1)}">下一页</a></div>'
    return (f'<html><head><meta charset="{charset}"><title>{html.escape(query)} - 站内搜索 - 漳州新闻网</title>'
            '</head><body><div class="nav"><a href="/">首页</a><a href="/news/">要闻</a></div>'
            f'<div class="summary">搜索“{html.escape(query)}”，共找到 {len(hits)} 条结果</div>'
            f'<ul class="results">{items}</ul><div class="related">{related}</div>{pager}'
            '<div class="footer">漳州新闻网版权所有</div></body></html>')


class SearchSite(Site):
    """``Site`` plus search pages computed from the query."""

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        if parts.path == "/s":
            args = parse_qs(parts.query)
            query, page = args.get("q", [""])[0], int(args.get("page", ["1"])[0])
            return self._send(h, results_page(query, page).encode("utf-8"), "utf-8")
        if parts.path == "/gbk/search":
            # The query arrives as GBK bytes; UTF-8 bytes would decode to other characters.
            args = parse_qs(parts.query, encoding="gbk", errors="replace")
            query, page = args.get("kw", [""])[0], int(args.get("p", ["1"])[0])
            template = f"/gbk/search?kw={quote(query, encoding='gbk')}&p={{page}}"
            body = results_page(query, page, prefix="/gbk", pager_template=template, charset="gbk")
            return self._send(h, body.encode("gbk", "xmlcharrefreplace"), "gbk")
        if parts.path in ("/wall/s", "/private/s"):
            return self._send(h, CAPTCHA.encode("utf-8"), "utf-8")
        return super().handle(h)

    def _send(self, h: BaseHTTPRequestHandler, body: bytes, charset: str) -> None:
        h.send_response(200)
        h.send_header("Content-Type", f"text/html; charset={charset}")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def serve_articles(site: Site) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    for index in range(len(ARTICLES)):
        site.add(article_path(index), article_page(index))
        site.add(article_path(index, "/gbk"), article_page(index, "gbk").encode("gbk", "xmlcharrefreplace"),
                 content_type="text/html; charset=gbk")


@pytest.fixture
def site() -> Iterator[SearchSite]:
    with SearchSite() as s:
        serve_articles(s)
        yield s


def search_source(site: Site, template: str = "/s?q={query}&page={page}", **settings: object) -> dict:
    return {"slug": "zzxw-search", "name": "漳州新闻网·站内搜索", "kind": "search",
            "url": site.base + template, "settings": {**FAST, **settings}}


def fetched_articles(site: Site) -> list[str]:
    return [p for p in site.paths() if "/news/" in p]


def searched(paths: list[str]) -> list[str]:
    """The query strings of the search requests, in the order they arrived."""
    return [urlsplit(p).query for p in paths if urlsplit(p).path in ("/s", "/gbk/search")]


def test_fill_template_encodes_the_query_in_the_sites_codec() -> None:
    template = "http://so.example.cn/s?q={query}&page={page}"
    assert fill_template(template, "李强", 2) == "http://so.example.cn/s?q=%E6%9D%8E%E5%BC%BA&page=2"
    assert fill_template(template, "李强", 1, "gbk") == "http://so.example.cn/s?q=%C0%EE%C7%BF&page=1"
    # A phrase keeps its space; a codec that cannot carry the query falls back to UTF-8.
    assert fill_template(template, "法律 援助", 1) == "http://so.example.cn/s?q=%E6%B3%95%E5%BE%8B%20%E6%8F%B4%E5%8A%A9&page=1"
    assert fill_template(template, "司法", 1, "latin-1") == "http://so.example.cn/s?q=%E5%8F%B8%E6%B3%95&page=1"


def test_search_pages_results_follows_articles_and_dedupes_across_queries(site: SearchSite) -> None:
    queries = ["李强", "粮食", "验证码", "社区矫正"]
    first = run_crawl(search_source(site, queries=queries), {}, timeout=90)
    assert first.error is None and first.blind is None, (first.error, first.stats)
    # 李强: 14, 27 | 31.  粮食: 15, 16 | 27, 30 — page 3 (31) is past max_pages.  27 is found twice.
    expected = {14, 27, 31, 15, 16, 30}
    assert sorted(i["title"] for i in first.items) == sorted(ARTICLES[i]["title"] for i in expected)
    fetched = fetched_articles(site)
    assert sorted(fetched) == sorted(article_path(i) for i in expected)  # each exactly once
    assert first.stats["duplicate_results"] == 1
    # 验证码 and 社区矫正 find nothing: an empty answer, not a wall, not an error.
    assert first.stats["empty_results"] == 2 and first.stats["queries"] == 4
    queried = searched(site.paths())
    assert f"q={quote('粮食')}&page=2" in queried and f"q={quote('粮食')}&page=3" not in queried
    assert f"q={quote('验证码')}&page=2" not in queried  # no page 2 of an empty answer
    assert not any("q=%E5%9B%BD" in p for p in site.paths())  # 相关搜索 links are not results
    by_url = {urlsplit(i["url"]).path: i for i in first.items}
    item = by_url[article_path(30)]
    assert item["kind"] == "search" and item["extra"]["search_query"] == "粮食"
    assert item["published_at"] == "2023-04-08T19:30:00+08:00"
    assert item["text"].splitlines()[-1] == body_lines(30)[-1]
    assert by_url[article_path(31)]["extra"]["search_query"] == "李强"

    before = len(site.requests)
    second = run_crawl(search_source(site, queries=queries), first.state, timeout=90)
    assert second.error is None and second.blind is None and second.items == []
    later = site.paths()[before:]
    assert not [p for p in later if "/news/" in p]  # nothing fetched again
    # Page 1 brought nothing new: page 2 is not asked for.
    assert len(searched(later)) == 4 and not [q for q in searched(later) if q.endswith("page=2")]


def test_gbk_search_follows_the_next_link_and_skips_urls_stored_elsewhere(site: SearchSite) -> None:
    known = site.base + article_path(27, "/gbk") + "?utm_source=wechat"  # same canonical URL
    source = search_source(site, "/gbk/search?kw={query}", queries=["李强"])
    source.update(encoding="gbk", known_urls=[known])
    result = run_crawl(source, {}, timeout=90)
    assert result.error is None and result.blind is None, (result.error, result.stats)
    assert sorted(i["title"] for i in result.items) == sorted(ARTICLES[i]["title"] for i in (14, 31))
    assert sorted(fetched_articles(site)) == sorted(article_path(i, "/gbk") for i in (14, 31))
    assert result.stats["known_elsewhere"] == 1
    queried = searched(site.paths())
    assert queried[0] == "kw=%C0%EE%C7%BF" and queried[1] == "kw=%C0%EE%C7%BF&p=2"
    assert all(i["encoding"] == "gb18030" for i in result.items)
    assert all("国务院总理李强" in i["text"] for i in result.items)


def test_a_captcha_results_page_makes_the_source_blind(site: SearchSite) -> None:
    result = run_crawl(search_source(site, "/wall/s?q={query}&page={page}", queries=["李强", "粮食"]),
                       {}, timeout=90)
    assert result.blind == "需要输入验证码"
    assert result.items == [] and fetched_articles(site) == []
    assert result.state["seen"] == []


def test_unreachable_search_and_nothing_to_search_are_errors(site: SearchSite) -> None:
    forbidden = run_crawl(search_source(site, "/private/s?q={query}", queries=["李强"]), {}, timeout=90)
    assert forbidden.error and forbidden.error.startswith("起始地址抓取失败") and forbidden.blind is None
    assert forbidden.stats["robots_forbidden"] == 1
    assert not [p for p in site.paths() if p.startswith("/private/")]  # robots.txt obeyed

    nothing = run_crawl(search_source(site, queries=[]), {}, timeout=90)
    assert nothing.error == NO_QUERIES and nothing.items == []

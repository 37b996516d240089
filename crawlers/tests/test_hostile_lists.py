"""Archive pages with ten thousand links crawl in seconds (up to ``max_articles``).

Choosing the article links of a list page used to compare every link with every other one
(is it page 2 of that article?): 1,000 links took 40 s, 10,000 never finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from crawlers.extract.links import discover_links
from crawlers.extract.pagination import drop_continuations, page_number
from crawlers.runner import run_crawl
from crawlers.tests.responses import FILES
from crawlers.tests.site import Site
from crawlers.tests.test_integration import ARTICLE, FAST

ORIGINAL_TITLE = "漳州市司法局2016年政务公开工作要点落实情况自查报告"
TOPICS = ("法律援助", "人民调解", "社区矫正", "普法宣传", "公证服务", "律师管理", "行政复议")
LIST_URL = "/zwgk/gzdt/index.html"
BIG = {**FAST, "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024, "DOWNLOAD_WARNSIZE": 8 * 1024 * 1024}


def headline(i: int) -> str:
    return f"市司法局{TOPICS[i % len(TOPICS)]}工作第{i + 1}期情况通报"


def article_path(i: int) -> str:
    return f"/zwgk/gzdt/{2024 - i // 4000}{i % 12 + 1:02d}/t{20240000 + i}_{i}.htm"


def archive(count: int) -> str:
    """The saved list page's shape: nav, breadcrumb, dated headlines, pager, footer; item 3
    also links its own page 2 (read through its pager, never as an article)."""
    rows = []
    for i in range(count):
        day = f"{2024 - i // 4000}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
        rows.append(f'<li><a href="{article_path(i)}" target="_blank" title="{headline(i)}">'
                    f'{headline(i)}</a><span class="date">{day}</span></li>')
        if i == 3:
            rows.append(f'<li><a href="{article_path(i)[:-4]}_1.htm">{headline(i)}（续）</a></li>')
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态_漳州市司法局</title>'
            '</head><body><div class="header"><a href="/">网站首页</a><a href="/zwgk/">政务公开</a>'
            '<a href="/bsfw/">办事服务</a><a href="/hdjl/">互动交流</a></div>'
            '<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>'
            ' &gt; 工作动态</div><div class="list"><ul>' + "".join(rows) + "</ul>"
            '<div class="page">共500页 <a href="index_1.html">下一页</a></div></div>'
            '<div class="footer"><a href="/about.html">关于我们网站的联系方式说明</a>'
            "<p>版权所有：漳州市司法局 闽ICP备05012345号</p></div></body></html>")


def select_links(html: str) -> list[str]:
    """The list page's link-selection step, as the spider runs it."""
    return drop_continuations(discover_links(html, "http://127.0.0.1" + LIST_URL))


def fastest(step: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best


def test_link_selection_grows_linearly() -> None:
    small, medium, large = archive(200), archive(2_000), archive(10_000)
    reference = fastest(lambda: select_links(small), 5)
    # Ratios, so machine speed does not matter: a linear step is ~10× and ~50×, a quadratic
    # one ~100× and ~2,500×. The medium page first, so a regression fails in seconds.
    assert fastest(lambda: select_links(medium), 2) < 30 * reference
    assert fastest(lambda: select_links(large), 2) < 150 * reference
    links = select_links(large)
    assert len(links) == 10_000
    assert not any(url.endswith("_3_1.htm") for url in links)


URLS = [
    "http://127.0.0.1/news/1130123.html", "http://127.0.0.1/news/1130123_2.html",
    "http://127.0.0.1/news/1130123-3.html", "http://127.0.0.1/news/1130123_12.html",
    "http://127.0.0.1/news/1130124_1.html", "http://127.0.0.1/news/index_1.html",
    "http://127.0.0.1/show?id=5", "http://127.0.0.1/show?id=5&page=2", "http://127.0.0.1/show?id=6&p=3",
    "http://127.0.0.1/show?page=2&id=5&cp=1", "http://127.0.0.1/show?id=5&page=100",
    "http://127.0.0.1:8080/news/1130123_4.html", "http://127.0.0.2/news/1130123_2.html",
    "http://127.0.0.1/art/2024/3/5/art_1229_8", "http://127.0.0.1/art/2024/3/5/art_1229_8_2",
    "http://127.0.0.1/a/x.b.html", "http://127.0.0.1/a/x.b_2.html", "http://127.0.0.1/a/x_2.b.html",
    "http://127.0.0.1/a/.html", "http://127.0.0.1/a/.html_2", "http://127.0.0.1/a/_2.html",
    "ftp://127.0.0.1/news/1130123_3.html", "http://127.0.0.1/news/1130123_2.html?x=1",
]


def test_drop_continuations_gives_the_pairwise_answer() -> None:
    pairwise = [url for url in URLS
                if not any(o != url and (page_number(url, o) or 0) > 1 for o in URLS)]
    assert drop_continuations(URLS) == pairwise
    assert "http://127.0.0.1/news/1130123_2.html" not in pairwise  # the case is not empty
    assert "http://127.0.0.1/show?id=5&page=2" not in pairwise


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        s.add("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
        s.add(LIST_URL, archive(10_000))
        for i in range(30):
            s.add(article_path(i), ARTICLE.replace(ORIGINAL_TITLE, headline(i)))
        rows = "".join(
            f'<tr><td>{202403050000 + i}</td><td class="tl"><a href="detail.jsp?id={i}">'
            f"关于{TOPICS[i % len(TOPICS)]}问题的第{i + 1}封来信</a></td><td>2024-03-05</td>"
            "<td>已回复</td></tr>" for i in range(10_000))
        s.add("/hdjl/jzxx/list.jsp", '<html><head><meta charset="utf-8"><title>局长信箱</title>'
              '</head><body><div class="nav"><a href="/">网站首页</a></div>'
              f'<table class="mail-list"><tbody>{rows}</tbody></table></body></html>')
        detail = (FILES / "board_detail.html").read_bytes()
        for i in range(10):
            s.add(f"/hdjl/jzxx/detail.jsp?id={i}", detail)
        yield s


@pytest.mark.slow
def test_ten_thousand_link_archive_crawls_up_to_max_articles(site: Site) -> None:
    source = {"slug": "zzsfj-gzdt", "name": "漳州市司法局", "kind": "html",
              "url": site.base + LIST_URL, "settings": {**BIG, "max_articles": 20}}
    started = time.monotonic()
    result = run_crawl(source, {}, timeout=120)
    assert time.monotonic() - started < 60
    assert result.error is None, result.error
    assert sorted(i["title"] for i in result.items) == sorted(headline(i) for i in range(20))
    assert result.stats["articles_requested"] == 20
    assert not any(p.endswith("_3_1.htm") for p in site.paths())


@pytest.mark.slow
def test_ten_thousand_message_board_crawls_up_to_max_articles(site: Site) -> None:
    source = {"slug": "zzsfj-jzxx", "name": "漳州市司法局局长信箱", "kind": "board",
              "url": site.base + "/hdjl/jzxx/list.jsp", "settings": {**BIG, "max_articles": 10}}
    started = time.monotonic()
    result = run_crawl(source, {}, timeout=120)
    assert time.monotonic() - started < 60
    assert result.error is None, result.error
    assert len(result.items) == 10 and result.stats["articles_requested"] == 10
    assert all(i["kind"] == "board" and i["text"] for i in result.items)

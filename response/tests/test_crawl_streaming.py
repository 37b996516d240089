"""A crawl stores its items while it runs (issue 16): the first mentions exist, and are reported
to ``on_new_ids``, while the site still holds its later pages back; nothing is stored or reported
twice; a killed crawl keeps what it wrote; a chunk that fails to store is stored after the crawl.

The crawls are real (crawlers.runner → subprocess → Scrapy) against a site on 127.0.0.1.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from crawlers.runner import CrawlResult
from crawlers.tests.responses import FILES
from crawlers.tests.test_integration import FAST, TITLES
from crawlers.tests.test_runner_streaming import HELD, HeldSite
from response.models import CrawlRun, Mention
from response.services import crawling
from response.services.crawling import crawl_source
from response.tests.factories import SourceFactory

pytestmark = pytest.mark.slow


@pytest.fixture
def held_site():
    with HeldSite(HELD) as site:
        yield site


@pytest.fixture
def news(db, held_site):
    # A held page must outlast the download timeout, or it becomes a failure instead of an item.
    return SourceFactory(slug="zzsfj-gzdt", name="漳州市司法局", kind="html",
                         url=held_site.base + "/news/index.html",
                         settings={**FAST, "DOWNLOAD_TIMEOUT": 60, "RETRY_TIMES": 0})


@pytest.fixture
def hotline(db):
    return SourceFactory(slug="zz12345", name="12345转办件", kind="hotline",
                         url=str(FILES / "tickets_gbk.csv"))


class Reported:
    """An ``on_new_ids`` that records each call: the ids, the titles already stored under them, and
    which held pages the site had answered by then; it lets the held pages go."""

    def __init__(self, site: HeldSite | None = None, release: bool = True) -> None:
        self.site, self.release = site, release
        self.calls: list[dict[str, Any]] = []
        self.started = time.monotonic()

    def __call__(self, ids: list[int]) -> None:
        self.calls.append({
            "ids": list(ids), "at": time.monotonic() - self.started,
            "titles": set(Mention.objects.filter(pk__in=ids).values_list("title", flat=True)),
            "held_answered": set(self.site.answered) & HELD if self.site else set(),
        })
        if self.site is not None and self.release:
            self.site.release.set()

    @property
    def ids(self) -> list[int]:
        return [pk for call in self.calls for pk in call["ids"]]


def test_first_mentions_are_stored_while_later_pages_are_held(news, held_site):
    reported = Reported(held_site)
    outcome = crawl_source(news.pk, timeout=60, on_new_ids=reported)

    assert outcome.error is None
    first = reported.calls[0]
    # Stored as mentions and reported before the site answered the held articles.
    assert first["held_answered"] == set() and not held_site.stop.is_set()
    assert first["titles"] and first["titles"] <= {TITLES["a1"], TITLES["a2"]}
    assert len(first["titles"]) == len(first["ids"])
    assert len(reported.calls) >= 2
    # Each mention stored once, each id reported once, and the outcome lists them all.
    stored = Mention.objects.filter(source=news)
    assert sorted(stored.values_list("title", flat=True)) == sorted(TITLES.values())
    assert len(reported.ids) == len(set(reported.ids)) == 4
    assert sorted(reported.ids) == sorted(outcome.new_ids) == sorted(stored.values_list("pk", flat=True))
    run = CrawlRun.objects.get(pk=outcome.run_id)
    assert (run.status, run.items_found, run.items_new) == (CrawlRun.Status.OK, 4, 4)
    news.refresh_from_db()
    assert news.last_item_count == 4 and news.consecutive_failures == 0 and news.last_success_at

    # The next run finds nothing new (the list page answers 304): nothing stored or reported again.
    again = Reported(held_site)
    second = crawl_source(news.pk, timeout=60, on_new_ids=again)
    assert second.error is None and second.new_ids == [] and again.calls == []
    assert stored.count() == 4


def test_a_killed_crawl_keeps_and_reports_what_it_wrote(news, held_site):
    reported = Reported(held_site, release=False)  # a3 and a4 hang until the kill
    outcome = crawl_source(news.pk, timeout=8, on_new_ids=reported)

    assert outcome.error == "抓取超时（8 秒），进程已终止" and not outcome.crashed
    titles = {TITLES["a1"], TITLES["a2"]}
    assert set(Mention.objects.filter(source=news).values_list("title", flat=True)) == titles
    assert Mention.objects.filter(source=news).count() == 2
    # Reported while the child was still crawling, each once.
    assert reported.calls[0]["at"] < 8
    assert sorted(reported.ids) == sorted(outcome.new_ids) and len(set(reported.ids)) == 2
    run = CrawlRun.objects.get(pk=outcome.run_id)
    assert (run.status, run.items_found, run.items_new) == (CrawlRun.Status.FAILED, 2, 2)
    assert run.stats["killed"] is True
    news.refresh_from_db()
    assert news.consecutive_failures == 1 and news.last_error.startswith("抓取超时")


def test_a_chunk_that_fails_to_store_is_stored_after_the_crawl(hotline, monkeypatch, caplog):
    real = crawling.ingest_items
    attempts: list[int] = []

    def flaky(source, items):
        attempts.append(len(items))
        if len(attempts) == 1:  # the database goes away after the chunk's first ticket
            real(source, items[:1])
            raise OperationalError("database is locked")
        return real(source, items)

    monkeypatch.setattr(crawling, "ingest_items", flaky)
    reported = Reported()
    outcome = crawl_source(hotline.pk, timeout=60, on_new_ids=reported)

    assert outcome.error is None and len(attempts) == 2
    assert "crawl.chunk_store_failed" in caplog.text
    stored = Mention.objects.filter(source=hotline)
    assert sorted(stored.values_list("extra__ticket_no", flat=True)) == [
        "ZZ12345202403110001", "ZZ12345202403110017", "ZZ12345202403120003"]
    # The ticket stored before the error is new all the same: reported once, like the others.
    assert sorted(reported.ids) == sorted(outcome.new_ids) == sorted(stored.values_list("pk", flat=True))
    assert len(set(reported.ids)) == 3
    run = CrawlRun.objects.get(pk=outcome.run_id)
    assert (run.status, run.items_found, run.items_new) == (CrawlRun.Status.OK, 3, 3)


def test_a_failing_on_new_ids_does_not_lose_the_crawl(hotline, caplog):
    def broken(ids: list[int]) -> None:
        raise OperationalError("broker unreachable")

    outcome = crawl_source(hotline.pk, timeout=60, on_new_ids=broken)
    assert outcome.error is None and len(outcome.new_ids) == 3
    assert "crawl.new_ids_callback_failed" in caplog.text
    assert CrawlRun.objects.get(pk=outcome.run_id).status == CrawlRun.Status.OK


def item(n: int, published: str) -> dict[str, Any]:
    return {"canonical_url": f"http://127.0.0.1:9/news/{n}.html", "title": f"市司法局工作动态第{n}期",
            "text": "市司法局召开全市人民调解工作会议，部署矛盾纠纷排查化解工作。", "published_at": published}


def test_an_older_chunk_does_not_move_the_newest_item_back(news, monkeypatch):
    def chunks(config, state, *, timeout, on_items=None):
        batches = [[item(1, "2024-03-05T10:00:00+08:00")], [item(2, "2024-03-01T10:00:00+08:00")]]
        for batch in batches:
            on_items(batch)
        return CrawlResult([i for b in batches for i in b], {}, {"seconds": 0.1})

    monkeypatch.setattr(crawling, "run_crawl", chunks)
    crawl_source(news.pk, timeout=60, on_new_ids=lambda ids: None)
    news.refresh_from_db()
    assert news.newest_item_at == timezone.make_aware(datetime(2024, 3, 5, 10), timezone.get_fixed_timezone(480))

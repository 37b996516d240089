"""Each source is crawled at the interval it says: beat asks every few seconds, the ticks' phase
adds nothing, and a source is never sent twice while its crawl waits or runs."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from freezegun import freeze_time

from response.models import CrawlRun, Source
from response.services import crawling
from response.services.crawling import CRAWL_TICK_SECONDS, due_sources
from response.services.schedules import install_schedules
from response.tests.factories import SourceFactory

T0 = "2026-12-01 09:00:00+08:00"
CRAWL_TICKS = "按计划采集各采集源"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # The scheduler's "sent" marks live in the cache: one of this test's own (source ids restart
    # with every test database), in this process so that its expiry follows the frozen clock.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"crawl-schedule-{uuid.uuid4().hex}"}}


@pytest.fixture
def freezer():
    with freeze_time(T0) as frozen:
        yield frozen


def rss(slug: str, minutes: int, **extra) -> Source:
    return SourceFactory(slug=slug, schedule_minutes=minutes, **{"name": "闽南日报·要闻", **extra})


def crawl_starts(source: Source, *, hours: float, lag: float) -> list[datetime]:
    """Beat ticks every CRAWL_TICK_SECONDS for ``hours``; a due source's crawl starts ``lag``
    seconds after its tick (queue, worker) and records that start as its last run, as a crawl does."""
    starts = []
    with freeze_time(T0) as frozen:
        begin = timezone.now()
        for tick in range(int(hours * 3600 / CRAWL_TICK_SECONDS) + 1):
            frozen.move_to(begin + timedelta(seconds=tick * CRAWL_TICK_SECONDS))
            if source.pk in due_sources():
                started = timezone.now() + timedelta(seconds=lag)
                Source.objects.filter(pk=source.pk).update(last_run_at=started)
                starts.append(started)
    return starts


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", [1, 7, 10])
@pytest.mark.parametrize("lag", [0.3, 2.0, CRAWL_TICK_SECONDS / 2 - 0.1])
def test_the_tick_phase_adds_nothing_to_the_interval(minutes, lag):
    source = rss(f"mnrb-{minutes}", minutes)
    starts = crawl_starts(source, hours=1, lag=lag)
    gaps = {(b - a).total_seconds() for a, b in zip(starts, starts[1:])}
    # Before: a 10-minute source waited for the tick after its interval was up, every 10 m 10 s
    # here (every 15 minutes with the old 5-minute tick).
    assert gaps == {minutes * 60.0}
    assert len(starts) == 60 // minutes + 1


@pytest.mark.django_db
def test_due_when_less_than_half_a_tick_remains():
    source = rss("mnrb", 10)
    with freeze_time(T0):
        now = timezone.now()
        slack = CRAWL_TICK_SECONDS / 2
        Source.objects.filter(pk=source.pk).update(last_run_at=now - timedelta(seconds=600 - slack - 0.5))
        assert due_sources() == []  # more than half a tick left: the next tick is nearer the interval
        Source.objects.filter(pk=source.pk).update(last_run_at=now - timedelta(seconds=600 - slack + 0.5))
        assert due_sources() == [source.pk]
        # Never much earlier than asked: a minute's source is not crawled after 50 seconds.
        Source.objects.filter(pk=source.pk).update(last_run_at=now - timedelta(seconds=50))
        assert due_sources() == []


@pytest.mark.django_db
def test_disabled_and_hotline_sources_are_never_due():
    with freeze_time(T0):
        rss("off", 1, enabled=False)
        SourceFactory(slug="hotline", name="12345 转办件", kind=Source.Kind.HOTLINE, schedule_minutes=1)
        news = rss("mnrb", 1)
        assert due_sources() == [news.pk]


@pytest.mark.django_db
def test_a_source_whose_crawl_is_still_running_is_not_due(freezer):
    """A 9-minute crawl of a 10-minute source: nothing else starts until it has finished."""
    source = rss("mnrb", 10)
    Source.objects.filter(pk=source.pk).update(last_run_at=timezone.now() - timedelta(minutes=20))
    run = CrawlRun.objects.create(source=source)  # started now, still running
    freezer.tick(timedelta(minutes=9))
    assert due_sources() == []
    # It finishes: its start is the last run, and the source is due 10 minutes after that start.
    Source.objects.filter(pk=source.pk).update(last_run_at=run.started_at)
    CrawlRun.objects.filter(pk=run.pk).update(status=CrawlRun.Status.OK, finished_at=timezone.now())
    assert due_sources() == []
    freezer.tick(timedelta(minutes=1))
    assert due_sources() == [source.pk]


@pytest.mark.django_db
def test_a_run_that_lost_its_worker_or_was_retried_holds_nothing(freezer):
    source = rss("mnrb", 10)
    orphan = CrawlRun.objects.create(source=source)  # its worker will be killed
    freezer.tick(timedelta(minutes=1))
    # A retry of the same crawl ran and recorded its start as the last run.
    Source.objects.filter(pk=source.pk).update(last_run_at=timezone.now())
    freezer.tick(timedelta(minutes=10))
    assert due_sources() == [source.pk]

    # A run still "running" after the crawler's timeout and the grace is stale (fail_stale_runs).
    Source.objects.filter(pk=source.pk).update(last_run_at=None)
    orphan.delete()
    CrawlRun.objects.create(source=source)
    freezer.tick(timedelta(seconds=crawling.CRAWL_TIMEOUT) + crawling.STALE_RUN_GRACE - timedelta(seconds=1))
    assert due_sources() == []
    freezer.tick(timedelta(seconds=2))
    assert due_sources() == [source.pk]


@pytest.mark.django_db
def test_a_crawl_waiting_in_a_busy_queue_is_sent_once(freezer):
    source = rss("mnrb", 1)
    assert due_sources(claim=True) == [source.pk]
    # The crawl workers are busy: for ten minutes of ticks nothing starts, nothing is sent again.
    for _ in range(60):
        freezer.tick(timedelta(seconds=CRAWL_TICK_SECONDS))
        assert due_sources(claim=True) == []
    assert due_sources() == [source.pk]  # due all the same: only the scheduler's claim holds it

    # The crawl starts at last and finishes: the source is sent again one interval after its start.
    run = CrawlRun.objects.create(source=source)
    freezer.tick(timedelta(seconds=3))
    Source.objects.filter(pk=source.pk).update(last_run_at=run.started_at)
    CrawlRun.objects.filter(pk=run.pk).update(status=CrawlRun.Status.OK, finished_at=timezone.now())
    freezer.move_to(run.started_at + timedelta(seconds=60 - CRAWL_TICK_SECONDS / 2))
    assert due_sources(claim=True) == [source.pk]
    assert due_sources(claim=True) == []


@pytest.mark.django_db
def test_a_crawl_lost_before_it_started_is_sent_again_once_its_mark_lapses(freezer):
    source = rss("mnrb", 1)
    assert due_sources(claim=True) == [source.pk]
    # The message expires unstarted (CRAWL_SEND_EXPIRES): the mark outlasts it by a minute.
    freezer.tick(timedelta(seconds=crawling.CRAWL_SEND_EXPIRES + 30))
    assert due_sources(claim=True) == []
    freezer.tick(timedelta(seconds=31))
    assert due_sources(claim=True) == [source.pk]


@pytest.mark.django_db
def test_the_scheduler_task_sends_each_due_source_once_with_an_expiry(freezer, monkeypatch):
    from workers import crawl

    sent: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(crawl.crawl_source, "apply_async", lambda args, **options: sent.append((args, options)))
    news, board = rss("mnrb", 1), rss("sfj-board", 30, kind=Source.Kind.BOARD, name="市司法局留言板")
    assert crawl.schedule_crawls() == [news.pk, board.pk]
    freezer.tick(timedelta(seconds=CRAWL_TICK_SECONDS))
    assert crawl.schedule_crawls() == []  # neither crawl has started yet
    assert sent == [((news.pk,), {"expires": crawling.CRAWL_SEND_EXPIRES}),
                    ((board.pk,), {"expires": crawling.CRAWL_SEND_EXPIRES})]


@pytest.mark.django_db
def test_the_default_tick_is_seconds_and_a_tick_expires_before_the_next():
    from workers.crawl import schedule_crawls

    install_schedules()
    row = PeriodicTask.objects.get(name=CRAWL_TICKS)
    assert (row.task, row.interval.every, row.interval.period) == ("yuqing.schedule.crawls", 10, "seconds")
    assert row.schedule.run_every == timedelta(seconds=CRAWL_TICK_SECONDS)
    # What beat sends carries the task's expiry: a tick that waited a whole tick is dropped.
    assert 0 < schedule_crawls._get_exec_options()["expires"] < CRAWL_TICK_SECONDS


@pytest.mark.django_db
def test_install_moves_the_old_five_minute_tick_and_leaves_an_edited_one():
    every5, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name=CRAWL_TICKS, task="yuqing.schedule.crawls", interval=every5)
    install_schedules()
    row = PeriodicTask.objects.get(name=CRAWL_TICKS)
    assert (row.interval.every, row.interval.period) == (CRAWL_TICK_SECONDS, IntervalSchedule.SECONDS)
    assert install_schedules() == 0  # nothing created twice, nothing moved again

    # The bureau asks every 30 seconds (its own choice, in the admin): it stays, as does a row
    # on 5 minutes that was given another task.
    every30, _ = IntervalSchedule.objects.get_or_create(every=30, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name=CRAWL_TICKS).update(interval=every30)
    install_schedules()
    assert PeriodicTask.objects.get(name=CRAWL_TICKS).interval.every == 30
    PeriodicTask.objects.filter(name=CRAWL_TICKS).update(interval=every5, task="yuqing.health.sources")
    install_schedules()
    row = PeriodicTask.objects.get(name=CRAWL_TICKS)
    assert (row.task, row.interval.every, row.interval.period) == ("yuqing.health.sources", 5, "minutes")

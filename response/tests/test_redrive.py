"""The re-drive: work stored but not progressed is sent again; nothing is judged or opened twice."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from freezegun import freeze_time

from response.models import Case, CrawlRun, Mention, Source
from response.services import crawling, judgement, redrive
from response.services.schedules import install_schedules
from response.tests.factories import MentionFactory, SourceFactory

T0 = "2026-11-30 10:00:00+08:00"
KNIFE = dict(title="龙海区一社区矫正对象脱管后持刀伤人致2人死亡",
             text="一名社区矫正对象脱管期间持刀伤人，造成2人死亡、3人受伤，嫌疑人已被控制，网民质疑监管不力。")
CALM = dict(title="市司法局举办宪法宣传周活动 普法志愿者走进社区",
            text="宪法宣传周期间，市司法局组织普法志愿者走进社区、学校，发放宣传资料两千余份。")


@pytest.fixture(autouse=True)
def _own_marks(monkeypatch):
    # The open_case marks live in the cache: a cache of this test's own (ids restart with every
    # test database), in this process so that its expiry follows the frozen clock.
    monkeypatch.setattr(redrive, "cache", LocMemCache(f"redrive-{uuid.uuid4().hex}", {}))


@pytest.fixture
def sent(monkeypatch):
    """Record what the re-drive hands to Celery instead of running it."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(redrive, "_send_now", lambda name, ids: calls.extend((name, i) for i in ids))
    return calls


@pytest.fixture
def news(bureau):
    return SourceFactory(slug="mnrb", name="闽南日报", kind="rss", reach="provincial")


def analysis_sent(calls):
    return sorted(i for name, i in calls if name == redrive.ANALYSE_TASK)


def test_send_analysis_stamps_the_mentions_and_sends_only_after_commit(
        news, monkeypatch, django_capture_on_commit_callbacks):
    from celery import current_app

    calls = []
    monkeypatch.setattr(redrive, "_send_now", lambda name, ids: calls.append((name, ids)))
    mentions = [MentionFactory(source=news, **CALM) for _ in range(3)]
    current_app.conf.task_always_eager = False  # as with a real broker
    try:
        with freeze_time(T0), django_capture_on_commit_callbacks(execute=True):
            assert redrive.send_analysis([m.pk for m in mentions]) == 3
            assert calls == []  # a worker could not see the rows yet
            stamped = set(Mention.objects.values_list("analysis_queued_at", flat=True))
            assert stamped == {timezone.now()}
    finally:
        current_app.conf.task_always_eager = True
    assert calls == [(redrive.ANALYSE_TASK, [m.pk for m in mentions])]


def test_stored_but_never_sent_is_sent_after_a_minute(news, sent):
    with freeze_time(T0) as clock:
        mention = MentionFactory(source=news, **KNIFE)  # the crawl task died before sending
        clock.tick(timedelta(seconds=50))
        assert redrive.redrive().analysis == 0  # its crawl task may still be about to send it
        clock.tick(timedelta(seconds=15))
        assert redrive.redrive().analysis == 1
        assert analysis_sent(sent) == [mention.pk]
        assert Mention.objects.get(pk=mention.pk).analysis_queued_at == timezone.now()


def test_sent_but_not_started_is_sent_again_after_two_minutes_and_not_twice_within(news, sent):
    with freeze_time(T0) as clock:
        mention = MentionFactory(source=news, **KNIFE)
        redrive.send_analysis([mention.pk])
        sent.clear()
        clock.tick(timedelta(seconds=110))
        assert redrive.redrive().analysis == 0
        clock.tick(timedelta(seconds=15))
        assert redrive.redrive().analysis == 1
        for _ in range(3):  # every minute until the window has passed again: nothing more
            clock.tick(timedelta(seconds=30))
            assert redrive.redrive().analysis == 0
        clock.tick(timedelta(seconds=35))
        assert redrive.redrive().analysis == 1  # still lost: sent again, once per window
        assert analysis_sent(sent) == [mention.pk, mention.pk]


def test_a_live_lease_holds_the_resend_and_a_dead_one_releases_it(news, sent):
    with freeze_time(T0) as clock:
        mention = MentionFactory(source=news, **KNIFE)
        redrive.send_analysis([mention.pk])
        clock.tick(timedelta(seconds=90))
        assert judgement.claim_analysis(mention.pk)  # a worker starts judging, then is killed
        sent.clear()
        clock.tick(timedelta(seconds=60))
        assert redrive.redrive().analysis == 0  # sent 150 s ago, but its lease is 60 s old
        clock.tick(timedelta(seconds=61))
        assert redrive.redrive().analysis == 1
        assert analysis_sent(sent) == [mention.pk]


def test_judged_mentions_are_never_resent(news, sent):
    with freeze_time(T0) as clock:
        mention = MentionFactory(source=news, **KNIFE)
        judgement.analyse_mention(mention.pk)
        clock.tick(timedelta(hours=1))
        assert redrive.redrive().analysis == 0
    assert analysis_sent(sent) == []


def test_second_delivery_sees_the_fresh_lease_and_leaves_the_mention(news):
    from workers.pipeline import analyse_mention as analyse_task

    with freeze_time(T0) as clock:
        mention = MentionFactory(source=news, **KNIFE)
        assert judgement.claim_analysis(mention.pk)
        assert not judgement.claim_analysis(mention.pk)
        assert judgement.analyse_mention(mention.pk).analysed_at is None
        assert analyse_task.delay(mention.pk).get() == {"mention": mention.pk, "skipped": "leased"}
        assert not Case.objects.exists()  # the holder of the lease chains the case, not this one
        clock.tick(judgement.ANALYSIS_LEASE + timedelta(seconds=1))
        judged = judgement.analyse_mention(mention.pk)  # the holder died: the lease has run out
        assert judged.analysed_at == timezone.now() and judged.flagged


def test_a_worker_killed_mid_judgement_is_recovered_once(news):
    """Eagerly, end to end: the re-sent task judges the mention and opens its one case."""
    with freeze_time(T0) as clock:
        mention = MentionFactory(source=news, **KNIFE)
        Mention.objects.filter(pk=mention.pk).update(analysis_queued_at=timezone.now(),
                                                     analysis_claimed_at=timezone.now())
        clock.tick(timedelta(seconds=121))
        assert redrive.redrive().analysis == 1
        mention.refresh_from_db()
        assert mention.analysed_at == timezone.now()
        assert Case.objects.filter(mentions=mention).count() == 1
        clock.tick(timedelta(minutes=5))
        assert redrive.redrive().total == 0


def test_of_two_claims_in_a_row_only_the_first_wins(news):
    mention = MentionFactory(source=news, **KNIFE)
    assert [judgement.claim_analysis(mention.pk) for _ in range(2)] == [True, False]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_on_postgresql_one_winner(bureau):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    from django.db import connections

    mention = MentionFactory(source=SourceFactory(slug="dnw", kind="rss"), **KNIFE)
    barrier = threading.Barrier(4)
    won: list[bool] = []

    def claim():
        try:
            barrier.wait()
            won.append(judgement.claim_analysis(mention.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False, False, False, True]


def judged_without_case(source, **text):
    """A mention judged, whose chained open_case task was lost."""
    mention = MentionFactory(source=source, **text)
    return judgement.analyse_mention(mention.pk)


def test_a_lost_open_case_is_redriven_and_opens_exactly_one_case(news):
    from workers.pipeline import open_case_if_due

    with freeze_time(T0) as clock:
        mention = judged_without_case(news, **KNIFE)
        assert mention.flagged and mention.level in ("I", "II", "III")
        clock.tick(timedelta(seconds=30))
        assert redrive.redrive().open_case == 0  # the chained task still has time
        clock.tick(timedelta(seconds=31))
        assert redrive.redrive().open_case == 1
        case = Case.objects.get(mentions=mention)
        # The lost task turns up after all, and the re-drive runs again: still one case.
        assert open_case_if_due.delay(mention.pk).get() == case.pk
        clock.tick(timedelta(minutes=3))
        assert redrive.redrive().open_case == 0
        assert Case.objects.count() == 1


def test_open_case_is_not_resent_within_the_window(news, sent):
    with freeze_time(T0) as clock:
        mention = judged_without_case(news, **KNIFE)
        for _ in range(4):  # the sent task sits in a slow queue: one copy per window, not per minute
            clock.tick(timedelta(seconds=61))
            redrive.redrive()
        resent = [i for name, i in sent if name == redrive.OPEN_CASE_TASK]
        assert resent == [mention.pk, mention.pk]


def test_open_case_redrive_skips_what_needs_no_case(news, sent):
    with freeze_time(T0) as clock:
        calm = judged_without_case(news, **CALM)
        dismissed = judged_without_case(news, title="网传某司法所工作人员暴力执法殴打当事人 视频引发关注",
                                        text="一段网传视频显示，某镇司法所两名工作人员在调解现场将当事人推倒在地。")
        assert calm.level in ("", "IV")  # IV opens no case by itself
        assert dismissed.flagged and dismissed.level in ("I", "II", "III")
        Mention.objects.filter(pk=dismissed.pk).update(review=Mention.Review.DISMISSED)
        old = judged_without_case(news, **KNIFE)
        clock.tick(judgement.OPEN_CASE_HORIZON + timedelta(minutes=1))
        assert redrive.redrive().open_case == 0  # too old: a level changed today must not reach it
    assert sent == [] and old.flagged and old.level in ("I", "II", "III")


def test_a_hotline_ticket_without_case_is_redriven(bureau):
    hotline = SourceFactory(slug="hotline-12345", name="12345 政务服务便民热线转办件", kind=Source.Kind.HOTLINE)
    with freeze_time(T0) as clock:
        ticket = judged_without_case(
            hotline, title="反映某律师事务所收取代理费后不出庭", text="来电人称委托律师代理劳动争议，律师收费后两次未出庭。",
            extra={"ticket_no": "ZZ20261130-0042", "category": "投诉"})
        clock.tick(timedelta(seconds=61))
        assert redrive.redrive().open_case == 1
        assert Case.objects.get(mentions=ticket).origin_key == "ticket:ZZ20261130-0042"


def test_a_crawl_run_whose_worker_died_is_failed_and_counted(news):
    with freeze_time(T0) as clock:
        dead = CrawlRun.objects.create(source=news)
        clock.tick(timedelta(minutes=5))
        alive = CrawlRun.objects.create(source=news)
        clock.tick(timedelta(seconds=crawling.CRAWL_TIMEOUT) + timedelta(seconds=1))
        assert redrive.redrive().crawl_runs == 1  # ten minutes' timeout plus five of grace
        dead.refresh_from_db()
        alive.refresh_from_db()
        assert dead.status == CrawlRun.Status.FAILED and dead.finished_at == timezone.now()
        assert dead.error == "采集进程中断（工作进程退出），已超时标记为失败"
        assert alive.status == CrawlRun.Status.RUNNING
        news.refresh_from_db()
        assert news.consecutive_failures == 1 and "工作进程退出" in news.last_error
        assert redrive.redrive().crawl_runs == 0  # idempotent
        clock.tick(timedelta(minutes=5))
        assert redrive.redrive().crawl_runs == 1
        assert crawling.fail_stale_runs() == []


def test_three_interrupted_runs_make_the_source_blind(news):
    with freeze_time(T0) as clock:
        for _ in range(3):
            CrawlRun.objects.create(source=news)
        clock.tick(timedelta(minutes=16))
        assert len(crawling.fail_stale_runs()) == 3
    news.refresh_from_db()
    assert news.blind_reason.startswith("连续 3 次采集失败") and news.blind_since is not None


def test_the_crawl_task_stamps_and_sends_what_it_stored(news, monkeypatch):
    from workers.crawl import crawl_source as crawl_task

    mentions = [MentionFactory(source=news, **KNIFE), MentionFactory(source=news, **CALM)]
    run = CrawlRun.objects.create(source=news)
    outcome = crawling.CrawlOutcome(run_id=run.pk, found=2, new_ids=[m.pk for m in mentions])
    monkeypatch.setattr(crawling, "crawl_source", lambda source_id, **kwargs: outcome)
    assert crawl_task.delay(news.pk).get()["new"] == 2
    for mention in Mention.objects.filter(pk__in=outcome.new_ids):
        assert mention.analysis_queued_at is not None and mention.analysed_at is not None


def test_install_schedules_moves_only_an_untouched_old_default(db):
    name = "重新研判丢失任务的条目"
    every15, _ = IntervalSchedule.objects.get_or_create(every=15, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name=name, task="yuqing.analyse.sweep", interval=every15)
    install_schedules()
    row = PeriodicTask.objects.get(name=name)
    assert (row.task, row.interval.every, row.interval.period) == ("yuqing.analyse.sweep", 1, "minutes")

    every10, _ = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.filter(name=name).update(interval=every10)  # the bureau chose its own
    install_schedules()
    assert PeriodicTask.objects.get(name=name).interval.every == 10


@pytest.mark.django_db
def test_a_failed_judgement_gives_its_lease_back(bureau, monkeypatch):
    mention = MentionFactory()

    def broken(_mention):
        raise RuntimeError("分词模型加载失败")

    monkeypatch.setattr(judgement, "_judge", broken)
    with pytest.raises(RuntimeError):
        judgement.analyse_mention(mention.pk)
    mention.refresh_from_db()
    assert mention.analysis_claimed_at is None and mention.analysed_at is None
    assert judgement.claim_analysis(mention.pk)  # the retry takes it at once

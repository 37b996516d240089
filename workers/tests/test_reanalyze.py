"""`yuqing reanalyze` on a real Celery worker (2 processes) over a real Redis broker and PostgreSQL:
every mention judged again above the run's watermark, the duty officers' decisions kept, and a run
sent with --no-wait finished by running the command again."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from response.models import Case, Event, Mention
from response.services import casework, judgement, reanalysis
from response.tests.factories import UserFactory
from response.tests.test_batch_judgement import KNIFE_TITLE, make_batch
from workers.tests.worker_support import NEEDS_SERVICES, celery_worker

pytestmark = NEEDS_SERVICES


@pytest.fixture
def worker(transactional_db):
    with celery_worker(queues="default,reanalysis", name="reanalyze", namespace=settings.YUQING_EVENT_NAMESPACE) as proc:
        yield proc


@pytest.fixture
def judged(bureau, settings, tmp_path):
    from response.tests.factories import SourceFactory

    settings.YUQING_HOME = tmp_path
    sources = [SourceFactory(slug=slug, kind="rss", reach="provincial") for slug in ("mnrb", "fjnews", "zznews")]
    batch = make_batch(sources, 120, copies=10)
    ids = [m.pk for m in batch]
    for start in range(0, len(ids), 50):
        judgement.open_cases(judgement.analyse_batch(ids[start:start + 50]).cases_due)
    return batch


def test_reanalyze_on_real_workers_keeps_decisions_and_waits_until_done(judged, worker, capsys):
    duty = UserFactory(username="duty", roles=["值班员"])
    repost = Mention.objects.filter(title__endswith=KNIFE_TITLE, event_lead=False).first()
    casework.dismiss_mention(repost, duty, "重复转载")
    events = dict(Mention.objects.values_list("pk", "event_id"))
    cases = list(Case.objects.values_list("pk", "origin_key"))

    call_command("reanalyze")  # workers: sends the batches, waits for them, progress on stderr
    assert "重新研判 [" in capsys.readouterr().err
    state = reanalysis.load_state()
    assert state.finished_at is not None
    assert not reanalysis.pending(state).exists()
    assert Mention.objects.filter(analysed_at__gte=state.watermark).count() == 120
    repost.refresh_from_db()
    assert (repost.review, repost.dismiss_reason, repost.reviewed_by_id) == ("dismissed", "重复转载", duty.pk)
    assert dict(Mention.objects.values_list("pk", "event_id")) == events  # stories kept together
    assert list(Case.objects.values_list("pk", "origin_key")) == cases  # no second case
    assert Event.objects.get(pk=repost.event_id).size == 10

    # --no-wait returns at once; the same command again waits for what is left and finishes the run.
    call_command("reanalyze", "--restart", "--no-wait")
    second = reanalysis.load_state()
    assert second.started_at != state.started_at and second.finished_at is None
    outcome = reanalysis.run(wait=True, in_process=False, timeout=120)
    assert outcome.resumed and outcome.remaining == 0
    assert reanalysis.load_state().finished_at is not None
    assert Mention.objects.filter(analysed_at__gte=second.watermark).count() == 120


def test_the_last_batch_ending_wakes_the_wait_at_once(judged, worker, monkeypatch):
    # Counts a minute apart: only the batches' own results can end the wait sooner.
    monkeypatch.setattr(reanalysis, "MIN_POLL", 60.0)
    outcome = reanalysis.run(wait=True, in_process=False, restart=True, poll=60.0, timeout=300)
    assert outcome.remaining == 0 and outcome.done == 120
    assert outcome.seconds < 45, outcome.seconds  # not a count's 60 s later
    assert reanalysis.load_state().finished_at is not None


def test_judging_again_waits_in_its_own_queue_not_before_fresh_items(judged):
    """The batches go to the `reanalysis` queue (the analysis workers take it in turn with
    `default`), so a backfill of a year never stands between a fresh crawl and the duty queue."""
    import redis
    from celery import current_app

    broker = redis.Redis.from_url(current_app.conf.broker_url)
    broker.delete(reanalysis.QUEUE)
    fresh = broker.llen("default")
    try:
        outcome = reanalysis.run(in_process=False, wait=False, restart=True)
        assert outcome.sent == 5 and broker.llen(reanalysis.QUEUE) == 5  # 120 mentions, batches of 25
        assert broker.llen("default") == fresh
    finally:
        broker.delete(reanalysis.QUEUE)


def test_the_command_refuses_to_wait_for_batches_no_worker_will_take(judged, transactional_db, monkeypatch):
    from django.core.management.base import CommandError

    from config.celery_app import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    with pytest.raises(CommandError, match="没有工作进程应答"):
        call_command("reanalyze")
    with (celery_worker(queues="default", name="no-reanalysis", namespace=settings.YUQING_EVENT_NAMESPACE),
          pytest.raises(CommandError, match="均未监听 reanalysis 队列.*-Q default,crawl,reanalysis")):
        call_command("reanalyze")
    assert reanalysis.load_state() is None  # nothing was started or sent

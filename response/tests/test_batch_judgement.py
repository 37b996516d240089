"""Judging in batches: a fixed number of queries per batch, one mention's failure costs only itself,
a re-delivered batch changes nothing, and judging again keeps what the duty officers decided."""
from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from response.models import Case, Event, Feedback, Mention, Source
from response.services import casework, judgement, reanalysis
from response.tests.factories import MentionFactory, SourceFactory, UserFactory
from response.tests.migration_support import old_source
from workers.pipeline import analyse_batch as analyse_batch_task

NEWS = Path(__file__).resolve().parents[1] / "demo" / "news_sample.jsonl.gz"
KNIFE_TITLE = "龙海区一社区矫正对象脱管后持刀伤人致2人死亡"
KNIFE_TEXT = ("一名社区矫正对象脱管期间持刀伤人，造成2人死亡、3人受伤，嫌疑人已被控制。"
              "网民质疑司法所监管不力，当地司法局回应称已成立调查组，对相关责任人员依规依纪严肃处理。")
PREFIXES = ("", "转载：", "【关注】", "网传", "突发！", "最新消息：", "热点｜", "据闽南日报报道，")


def news_rows() -> list[dict]:
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture
def sources(bureau):
    return [SourceFactory(slug=slug, name=name, kind="rss", reach="provincial")
            for slug, name in (("mnrb", "闽南日报"), ("fjnews", "东南网"), ("zznews", "漳州新闻网"))]


def make_batch(sources, size: int, copies: int) -> list[Mention]:
    """`size` mentions: `copies` reposts of one grave story from several sites, the rest real news."""
    rows = news_rows()
    out = []
    for i in range(copies):
        out.append(MentionFactory(source=sources[i % len(sources)], title=PREFIXES[i % len(PREFIXES)] + KNIFE_TITLE,
                                  text=KNIFE_TEXT + ("" if i % 2 else "（来源：东南网）")))
    for i in range(size - copies):
        row = rows[i % len(rows)]
        out.append(MentionFactory(source=sources[i % len(sources)], title=row["title"] + ("" if i < len(rows) else "（重发）"),
                                  text=row["text"]))
    return out


def queries_for(ids: list[int]) -> tuple[int, judgement.BatchReport]:
    with CaptureQueriesContext(connection) as ctx:
        report = judgement.analyse_batch(ids)
        judgement.open_cases(report.cases_due)
    return len(ctx.captured_queries), report


# The whole budget of a batch, its cases included: event assignment, queue leads, joining the
# story's case. Opening a new case costs a constant of its own (clocks, audit, notices) per story.
MAX_QUERIES_PER_BATCH = 35


def test_a_batch_costs_a_fixed_number_of_queries_whatever_its_size(sources):
    opener = make_batch(sources, 2, copies=1)  # the story breaks: its case is opened
    judgement.open_cases(judgement.analyse_batch([m.pk for m in opener]).cases_due)
    small = make_batch(sources, 10, copies=4)
    n_small, report_small = queries_for([m.pk for m in small])
    large = make_batch(sources, 50, copies=12)
    n_large, report_large = queries_for([m.pk for m in large])
    assert len(report_small.judged) == 10 and len(report_large.judged) == 50
    assert n_large <= MAX_QUERIES_PER_BATCH, n_large
    assert n_large <= n_small + 2, (n_small, n_large)  # five times the mentions, no more queries
    knife = Mention.objects.filter(title__endswith=KNIFE_TITLE)
    assert knife.values("event").distinct().count() == 1  # every repost in one event
    event = Event.objects.get(pk=knife.first().event_id)
    assert event.size == 17 and event.source_count == 3 and event.max_urgency >= 60
    case = Case.objects.get(event=event)
    assert case.mentions.count() == 17  # one case for the story, every copy in it
    # One queue row for the story: the first copy judged leads, the reposts wait behind it.
    assert list(knife.filter(event_lead=True, flagged=True).values_list("pk", flat=True)) == [opener[0].pk]
    assert all(m.analysed_at is not None for m in Mention.objects.filter(pk__in=[m.pk for m in large]))


def test_one_failing_mention_does_not_fail_its_batch(sources, monkeypatch, caplog):
    batch = make_batch(sources, 6, copies=2)
    broken = batch[3]
    analyzer = judgement.current_analyzer()
    real_many, real_one = analyzer.analyze_many, analyzer.analyze

    def analyze_many(docs):
        if any(d["id"] == broken.pk for d in docs):
            raise ValueError("分词失败：正文含无法解码的字符")
        return real_many(docs)

    def analyze(doc):
        if doc["id"] == broken.pk:
            raise ValueError("分词失败：正文含无法解码的字符")
        return real_one(doc)

    monkeypatch.setattr(analyzer, "analyze_many", analyze_many)
    monkeypatch.setattr(analyzer, "analyze", analyze)
    result = analyse_batch_task.delay([m.pk for m in batch]).get()
    assert result["judged"] == 5 and list(result["failed"]) == [str(broken.pk)]
    assert "分词失败" in result["failed"][str(broken.pk)]
    broken.refresh_from_db()
    # Given back: no judgement, no lease, so its retry (or the re-drive) takes it at once.
    assert broken.analysed_at is None and broken.analysis_claimed_at is None
    assert Mention.objects.filter(analysed_at__isnull=False).count() == 5
    assert Case.objects.filter(mentions=batch[0]).count() == 1  # the rest went on to its case
    assert "judgement.batch_failures" in caplog.text
    monkeypatch.undo()
    assert judgement.analyse_batch([broken.pk]).judged == [broken.pk]  # retried alone, it is judged


def test_a_redelivered_batch_judges_nothing_twice(sources):
    batch = make_batch(sources, 8, copies=3)
    ids = [m.pk for m in batch]
    first = analyse_batch_task.delay(ids).get()
    judged = dict(Mention.objects.filter(pk__in=ids).values_list("pk", "analysed_at"))
    events = list(Event.objects.order_by("pk").values_list("pk", "size", "max_urgency"))
    cases = list(Case.objects.values_list("pk", flat=True))
    again = analyse_batch_task.delay(ids).get()
    assert first["judged"] == 8 and again["judged"] == 0 and again["skipped"] == 8
    assert dict(Mention.objects.filter(pk__in=ids).values_list("pk", "analysed_at")) == judged
    assert list(Event.objects.order_by("pk").values_list("pk", "size", "max_urgency")) == events
    assert list(Case.objects.values_list("pk", flat=True)) == cases and len(cases) == 1


def test_a_mention_leased_by_another_worker_is_left_to_it(sources):
    with freeze_time("2026-11-30 10:00:00+08:00") as clock:
        batch = make_batch(sources, 4, copies=1)
        assert judgement.claim_analysis(batch[2].pk)  # another worker is judging it
        report = judgement.analyse_batch([m.pk for m in batch])
        assert sorted(report.judged) == sorted(m.pk for m in batch if m is not batch[2])
        assert report.skipped == [batch[2].pk]
        clock.tick(judgement.ANALYSIS_LEASE + timedelta(seconds=1))  # that worker died
        assert judgement.analyse_batch([batch[2].pk]).judged == [batch[2].pk]


def test_judging_again_keeps_what_the_duty_officers_decided(sources, bureau, settings, tmp_path):
    settings.YUQING_HOME = tmp_path
    duty = UserFactory(username="duty", roles=["值班员"])
    with freeze_time("2026-11-30 09:00:00+08:00"):
        batch = make_batch(sources, 6, copies=3)
        judgement.open_cases(judgement.analyse_batch([m.pk for m in batch]).cases_due)
    lead, repost, _, calm = (Mention.objects.get(pk=batch[i].pk) for i in range(4))
    with freeze_time("2026-11-30 09:30:00+08:00"):
        casework.dismiss_mention(repost, duty, "与本局无关的转载")
        casework.correct_mention(calm, duty, "sentiment", "negative")
        casework.correct_mention(calm, duty, "section", "lawyers")
        casework.correct_mention(lead, duty, "level", "III")
    before = {m.pk: m for m in Mention.objects.filter(pk__in=[m.pk for m in batch])}
    with freeze_time("2026-12-01 08:00:00+08:00"):
        outcome = reanalysis.run(in_process=True)
        assert outcome.done == outcome.total == Mention.objects.count()
        rejudged_at = timezone.now()
    after = {m.pk: m for m in Mention.objects.filter(pk__in=before)}
    assert all(m.analysed_at == rejudged_at for m in after.values())  # the new judgement's time
    dismissed = after[repost.pk]
    assert (dismissed.review, dismissed.dismiss_reason, dismissed.reviewed_by_id) == (
        "dismissed", "与本局无关的转载", duty.pk)
    assert dismissed.reviewed_at == before[repost.pk].reviewed_at and dismissed.flagged
    assert after[calm.pk].sentiment == "negative" and after[calm.pk].section.code == "lawyers"
    assert after[calm.pk].section_via == "human"
    assert after[lead.pk].level == "III"
    assert Feedback.objects.count() == 3  # judging again records no correction of its own
    # The story's queue row and its single case are where they were.
    assert after[lead.pk].event_lead and Case.objects.count() == 1
    assert {m.event_id for m in after.values() if KNIFE_TITLE in m.title} == {before[lead.pk].event_id}


def test_an_interrupted_reanalysis_resumes_where_it_stopped(sources, settings, tmp_path, monkeypatch):
    settings.YUQING_HOME = tmp_path
    with freeze_time("2026-11-30 09:00:00+08:00"):
        batch = make_batch(sources, 12, copies=2)
        judgement.analyse_batch([m.pk for m in batch])
    calls = []
    real = judgement.analyse_batch

    def dies_after_one_batch(ids, **kw):
        if calls:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C
        calls.append(ids)
        return real(ids, **kw)

    with freeze_time("2026-12-01 08:00:00+08:00"):
        monkeypatch.setattr(judgement, "analyse_batch", dies_after_one_batch)
        with pytest.raises(KeyboardInterrupt):
            reanalysis.run(in_process=True, batch_size=5)
        monkeypatch.setattr(judgement, "analyse_batch", real)
        watermark = reanalysis.load_state().watermark
        assert Mention.objects.filter(analysed_at__gte=watermark).count() == 5
    with freeze_time("2026-12-01 08:05:00+08:00"):
        outcome = reanalysis.run(in_process=True, batch_size=5)
    assert outcome.resumed and outcome.total == 12 and outcome.done == 12
    stamps = Mention.objects.values_list("analysed_at", flat=True)
    assert sorted({s.isoformat() for s in stamps}) == [
        "2026-12-01T00:00:00+00:00", "2026-12-01T00:05:00+00:00"]  # the first five were not judged twice
    assert reanalysis.load_state().finished_at is not None
    with freeze_time("2026-12-01 09:00:00+08:00"):
        fresh = reanalysis.run(in_process=True)
    assert not fresh.resumed and fresh.done == 12  # a finished run is not resumed: a new one


def test_reanalyze_command_filters_by_source_and_date(sources, settings, tmp_path, capsys):
    from django.core.management import call_command

    settings.YUQING_HOME = tmp_path
    with freeze_time("2026-11-20 09:00:00+08:00"):
        old = make_batch(sources, 3, copies=0)
    with freeze_time("2026-11-30 09:00:00+08:00"):
        new = make_batch(sources, 6, copies=2)
        judgement.analyse_batch([m.pk for m in old + new])
    with freeze_time("2026-12-01 08:00:00+08:00"):
        call_command("reanalyze", "--since", "2026-11-25", "--source", "mnrb", "--in-process")
    out = capsys.readouterr()
    assert "重新研判" in out.err  # the progress bar
    wanted = {m.pk for m in new if m.source.slug == "mnrb"}
    again = set(Mention.objects.filter(analysed_at__date="2026-12-01").values_list("pk", flat=True))
    assert again == wanted and wanted
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有任何条目"):
        call_command("reanalyze", "--source", "no-such-source", "--in-process")


def test_the_bulk_write_stores_exactly_what_the_orm_would(bureau):
    """Quotes, backslashes, Chinese, nested JSON, a null key and a local time with microseconds
    come back as they were set (PostgreSQL: one JSON parameter cast per column; SQLite: VALUES)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    mention = MentionFactory(title=KNIFE_TITLE, text=KNIFE_TEXT)
    at = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    values = {
        "sentiment": "negative", "sentiment_scores": {"negative": 0.91, "neutral": 0.06, "positive": 0.03},
        "sentiment_terms": [["持刀伤人", 1.25], ["死亡", 0.5]], "urgency": 88, "level": "I",
        "urgency_reasons": ['伤亡：死亡 2 人（"2人死亡"）', "路径 C:\\temp\\x — 反斜杠"],
        "section": None, "section_confidence": 0.0, "section_via": "", "section_reason": "",
        "keywords": [{"plan": "社区矫正", "term": "脱管", "field": "title", "start": 11, "end": 13}],
        "matched_plans": ["社区矫正"], "flagged": True, "event_lead": True, "analysed_at": at,
        "analysis_claimed_at": None,
    }
    for name, value in values.items():
        setattr(mention, name, value)
    judgement._bulk_write([mention], [name for name in values if name != "event"])
    stored = Mention.objects.get(pk=mention.pk)
    assert {name: getattr(stored, name) for name in values} == values
    assert stored.title == KNIFE_TITLE and stored.text == KNIFE_TEXT  # untouched


@freeze_time("2026-03-02 10:00:00+08:00")
def test_a_storys_figures_count_its_copies_in_earlier_batches_and_in_this_one(sources):
    """Size, sources, first and last copy, and copies in the hour up to the last one: from the
    database for the story's earlier copies, from memory for this batch's."""
    now = timezone.now()

    def copy(i: int, source, minutes_ago: int) -> Mention:
        return MentionFactory(source=source, title=PREFIXES[i] + KNIFE_TITLE, text=KNIFE_TEXT,
                              fetched_at=now - timedelta(minutes=minutes_ago))

    earlier = [copy(0, sources[0], 120), copy(1, sources[0], 30), copy(2, sources[1], 10)]
    judgement.analyse_batch([m.pk for m in earlier])
    news = news_rows()[0]
    lone = [MentionFactory(source=sources[2], title=news["title"], text=news["text"], fetched_at=now)]
    later = [copy(3, sources[2], 0), copy(4, sources[2], 0)]
    judgement.analyse_batch([m.pk for m in [*later, *lone]])

    story = Event.objects.get(pk=Mention.objects.get(pk=later[0].pk).event_id)
    assert {m.event_id for m in Mention.objects.filter(pk__in=[m.pk for m in earlier + later])} == {story.pk}
    assert (story.size, story.source_count) == (5, 3)
    assert (story.first_seen, story.last_seen) == (now - timedelta(minutes=120), now)
    assert story.growth_per_hour == 4.0  # 30 and 10 minutes ago, and the two copies now
    single = Event.objects.get(pk=Mention.objects.get(pk=lone[0].pk).event_id)
    assert (single.size, single.source_count, single.growth_per_hour) == (1, 1, 1.0)


def _figures() -> list[tuple]:
    return list(Event.objects.order_by("pk").values_list("pk", "size", "source_count", "first_seen", "last_seen",
                                                         "growth_per_hour"))


def _counts_copies(ctx: CaptureQueriesContext) -> bool:
    return any('COUNT("response_mention"."id")' in q["sql"] for q in ctx.captured_queries)


def test_judging_again_recounts_a_story_only_when_a_copy_moved(sources):
    """A story's figures follow from its copies alone: judged again with every copy where it was,
    they are not counted again; a copy whose stored link is wrong sets them right."""
    batch = make_batch(sources, 8, copies=3)
    ids = [m.pk for m in batch]
    judgement.analyse_batch(ids)
    figures = _figures()
    with CaptureQueriesContext(connection) as ctx:
        report = judgement.analyse_batch(ids, judged_before=timezone.now() + timedelta(seconds=1))
    assert len(report.judged) == 8 and not _counts_copies(ctx)
    assert _figures() == figures

    story = Mention.objects.get(pk=batch[0].pk).event
    stray = Event.objects.create(key="stray", title="误挂的事件", first_seen=story.first_seen,
                                 last_seen=story.last_seen)
    Mention.objects.filter(pk=batch[1].pk).update(event=stray)
    Event.objects.filter(pk=story.pk).update(size=2)
    with CaptureQueriesContext(connection) as ctx:
        judgement.analyse_batch(ids, judged_before=timezone.now() + timedelta(seconds=2))
    assert _counts_copies(ctx)
    assert Mention.objects.get(pk=batch[1].pk).event_id == story.pk
    assert Event.objects.get(pk=story.pk).size == 3


def _event_locks(ctx: CaptureQueriesContext) -> list[str]:
    # The lock query reads the events' highest urgency again (the events' own fetch reads every column).
    return [q["sql"] for q in ctx.captured_queries
            if '"response_event"."max_urgency" AS "max_urgency"' in q["sql"] and '"response_event"."key"' not in q["sql"]]


def test_judging_again_locks_no_story_it_does_not_change(sources):
    """A row lock writes the row: judging again locks only the stories it may write or lead."""
    batch = make_batch(sources, 8, copies=0)  # routine news: nothing flagged, no copies
    ids = [m.pk for m in batch]
    with CaptureQueriesContext(connection) as ctx:
        judgement.analyse_batch(ids)
    assert len(_event_locks(ctx)) == 1  # new stories: their figures are written
    figures = _figures()
    with CaptureQueriesContext(connection) as ctx:
        report = judgement.analyse_batch(ids, judged_before=timezone.now() + timedelta(seconds=1))
    assert len(report.judged) == 8 and _event_locks(ctx) == []
    assert _figures() == figures


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks)")
@pytest.mark.django_db(transaction=True)
def test_judging_again_does_not_wait_on_a_story_it_leaves_alone(sources):
    """Another transaction holding a routine story's row (a duty officer's edit, another batch) does
    not hold up judging the batch again; the flagged story is still locked and led once."""
    import psycopg

    batch = make_batch(sources, 8, copies=3)
    ids = [m.pk for m in batch]
    judgement.analyse_batch(ids)
    knife = Mention.objects.get(pk=batch[0].pk).event_id
    routine = Mention.objects.exclude(event_id=knife).filter(pk__in=ids).first().event_id
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as other:
        other.execute("SELECT 1 FROM response_event WHERE id = %s FOR UPDATE", [routine])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # the old code waited here, then failed
        try:
            report = judgement.analyse_batch(ids, judged_before=timezone.now() + timedelta(seconds=1))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        other.rollback()
    assert len(report.judged) == 8
    leads = Mention.objects.filter(event_id=knife, event_lead=True, flagged=True)
    assert leads.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (heap-only updates)")
@pytest.mark.django_db(transaction=True)
def test_judging_again_is_a_heap_only_update(sources):
    """Judging again changes no indexed column, so PostgreSQL writes no index entry: the re-drive's
    partial index is defined by ``awaiting_judgement``, which only the first judgement changes
    (with ``analysed_at IS NULL`` as its predicate, no judgement could be heap-only). Committed
    transactions: old row versions inside one open transaction would fill the page."""
    short = [MentionFactory(source=sources[i], title=f"律师事务所收费投诉{i}", text="市民反映律师收费后不作为。")
             for i in range(2)]
    ids = [m.pk for m in short]
    judgement.analyse_batch(ids)
    assert not Mention.objects.filter(pk__in=ids, awaiting_judgement=True).exists()

    def updates() -> tuple[int, int]:
        # What the server has counted (flushed by each backend now and then) plus what this
        # connection has not flushed yet: exact for this connection's updates, at any moment.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT s.n_tup_upd + x.n_tup_upd, s.n_tup_hot_upd + x.n_tup_hot_upd "
                           "FROM pg_stat_user_tables s JOIN pg_stat_xact_user_tables x USING (relid) "
                           "WHERE s.relname = 'response_mention'")
            return cursor.fetchone()

    upd, hot = updates()
    assert judgement.analyse_batch(ids, judged_before=timezone.now() + timedelta(seconds=1)).judged == ids
    upd2, hot2 = updates()
    assert (upd2 - upd, hot2 - hot) == (4, 4)  # the lease and the judgement of each, every one heap-only


def test_a_run_is_cut_into_batches_every_worker_process_can_share():
    """Large batches share their fixed cost, but a small run still makes enough batches for
    several worker processes: two processes with 1,500 mentions each take four of 188."""
    assert reanalysis.batch_size_for(1_500) == 188
    assert reanalysis.batch_size_for(1_000_000) == reanalysis.BATCH_SIZE == 250
    assert reanalysis.batch_size_for(120) == 25  # never smaller: each batch has its fixed cost
    assert reanalysis.batch_size_for(12, most=5) == 5  # --batch-size is the most a batch takes
    sizes = [len(b) for b in reanalysis._batches(list(range(1_500)), reanalysis.BATCH_SIZE)]
    assert len(sizes) == 8 and sum(sizes) == 1_500 and max(sizes) - min(sizes) <= 188 - 184


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_only_the_unjudged_mentions_as_awaiting(migrate_to):
    old = migrate_to("0012_mention_fillfactor")
    source, mention, now = old_source(old), old.get_model("response", "Mention").objects, timezone.now()
    judged = mention.create(source=source, url="http://127.0.0.1:9/1", url_hash="old1", title=KNIFE_TITLE,
                            text=KNIFE_TEXT, fetched_at=now, analysed_at=now).pk
    waiting = mention.create(source=source, url="http://127.0.0.1:9/2", url_hash="old2", title=KNIFE_TITLE,
                             text=KNIFE_TEXT, fetched_at=now).pk
    migrate_to("0013_awaiting_judgement")
    assert dict(Mention.objects.values_list("pk", "awaiting_judgement")) == {judged: False, waiting: True}
    assert MentionFactory(source=Source.objects.get(slug="old")).awaiting_judgement is True

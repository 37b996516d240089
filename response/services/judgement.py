"""研判: run the analysis pipeline on stored mentions with the bureau's configuration from the database."""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any

import psycopg
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import DEFERRED, Count, DateTimeField, Max, Min, Q
from django.utils import timezone

from analysis.events import EventIndex
from response.models import Case, Event, Feedback, KeywordPlan, Level, Mention, Section, Source

# The analyzer's configuration has one home; these names stay importable from here.
from response.services.analyzer_config import (  # noqa: F401
    current_analyzer,
    level_for_result,
    standalone_analyzer,
)

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def event_index() -> EventIndex:
    # The index is a cache of Mention.event: when it is lost (Redis back empty) the next assign
    # rebuilds it from the database before answering, so ongoing stories keep their events.
    from response.services.event_rebuild import recent_items

    return EventIndex(settings.REDIS_URL or None, namespace=settings.YUQING_EVENT_NAMESPACE,
                      rebuild_source=recent_items)


# How long a worker that started judging a mention keeps it to itself. Judging takes milliseconds;
# a lease this old belongs to a worker that died, and the re-drive sends the mention again.
ANALYSIS_LEASE = timedelta(minutes=2)
# A mention stored this long ago and never sent: the process that stored it died before sending.
UNSENT_AFTER = timedelta(seconds=60)
# A mention sent this long ago and still not judged (and not leased): its message was lost.
RESEND_AFTER = timedelta(minutes=2)
# Ids per claiming UPDATE: SQLite's bound-parameter limit, short PostgreSQL locks.
CLAIM_CHUNK = 500

# The fields a judgement writes. Never the duty officer's: review, reviewed_by, reviewed_at and
# dismiss_reason are not in this list, so judging again cannot touch them.
JUDGED_FIELDS = ["event", "sentiment", "sentiment_scores", "sentiment_terms", "urgency", "level",
                 "urgency_reasons", "section", "section_confidence", "section_via", "section_reason",
                 "keywords", "matched_plans", "flagged", "event_lead", "analysed_at", "analysis_claimed_at",
                 "awaiting_judgement"]
# What judging reads of a mention: not the stored page (raw_gz, often larger than the text) nor the
# previous judgement's JSON, whose decoding cost more than the rest of the batch's reads.
# The lease is not read (the batch sets it), nor the source row per mention (a batch has a few
# sources, read once).
READ_FIELDS = ("id", "title", "text", "fetched_at", "published_at", "source_id", "flagged", "analysed_at",
               "section_id", "section_via", "event_lead", "event_id", "review", "level")
EVENT_FIELDS = ["size", "source_count", "first_seen", "last_seen", "growth_per_hour", "max_urgency", "level"]
_SOURCE, _EVENT = Mention._meta.get_field("source"), Mention._meta.get_field("event")


@contextmanager
def _server_cursor() -> Iterator[psycopg.Cursor]:
    """A server-binding psycopg cursor on Django's PostgreSQL connection, in its transaction, its
    errors raised as Django's. Django's own cursors bind on the client: every parameter is escaped
    into the statement text and parsed back by the server, and rows come as text through Django's
    Python loader for timestamptz. Statements run here are not in Django's query log; like
    Django's, they are never prepared (Django connects with ``prepare_threshold=None``)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
_figures = attrgetter(*EVENT_FIELDS)  # an event's figures as a tuple, compared before and after


def _claim_statements(mention_ids: Sequence[int], now: datetime, judged_before: datetime | None,
                      returning: str) -> Iterator[tuple[str, list[Any]]]:
    """The conditional ``UPDATE … RETURNING`` that takes the lease, per chunk of ids."""
    ops = connection.ops
    table = connection.ops.quote_name(Mention._meta.db_table)
    ids = list(dict.fromkeys(int(i) for i in mention_ids))
    for start in range(0, len(ids), CLAIM_CHUNK):
        chunk = ids[start:start + CLAIM_CHUNK]
        if connection.vendor == "postgresql":  # the ids as one array (lookups.AnyOf)
            params: list[Any] = [ops.adapt_datetimefield_value(now), chunk]
            listed = "= ANY(%s::bigint[])"
        else:
            params = [ops.adapt_datetimefield_value(now), *chunk]
            listed = f"IN ({', '.join(['%s'] * len(chunk))})"
        judged = "analysed_at IS NULL"
        if judged_before is not None:
            judged = "(analysed_at IS NULL OR analysed_at < %s)"
            params.append(ops.adapt_datetimefield_value(judged_before))
        params.append(ops.adapt_datetimefield_value(now - ANALYSIS_LEASE))
        yield (f"UPDATE {table} SET analysis_claimed_at = %s WHERE id {listed}"
               f" AND {judged} AND (analysis_claimed_at IS NULL OR analysis_claimed_at < %s) RETURNING {returning}",
               params)


def claim_batch(mention_ids: Sequence[int], now: datetime | None = None, *,
                judged_before: datetime | None = None) -> list[int]:
    """Take the lease on the mentions of a batch that are still to be judged; returns the ids taken.

    One conditional ``UPDATE … RETURNING`` per batch: of two deliveries of the same batch, or of two
    batches sharing a mention, only one gets each row. ``judged_before`` (a re-analysis run's start)
    also takes mentions judged before it; without it only unjudged mentions are taken."""
    taken: list[int] = []
    for sql, params in _claim_statements(mention_ids, now or timezone.now(), judged_before, "id"):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            taken += [row[0] for row in cursor.fetchall()]
    return sorted(taken)


def _claim_and_read(mention_ids: Sequence[int], now: datetime, judged_before: datetime | None) -> list[Mention]:
    """``claim_batch`` returning what judging reads of each mention taken (``READ_FIELDS``), in id
    order: the lease and the read in one statement, one index scan of the batch's rows."""
    fields = _model_fields(Mention, READ_FIELDS)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    mentions: list[Mention] = []
    for sql, params in _claim_statements(mention_ids, now, judged_before, columns):
        mentions += _instances(Mention, fields, sql, params)
    return sorted(mentions, key=lambda m: m.pk)


def _model_fields(model: Any, names: Sequence[str] | None = None) -> list[Any]:
    """The concrete fields named (all when None), in the model's order, as ``from_db`` takes them."""
    meta = model._meta
    wanted = None if names is None else {meta.get_field(name).attname for name in names}
    return [f for f in meta.concrete_fields if wanted is None or f.attname in wanted]


def _instances(model: Any, fields: Sequence[Any], sql: str, params: list[Any]) -> list[Any]:
    """Instances of ``model`` from the rows of ``sql`` (its columns: ``fields``, in model order),
    made as the ORM makes them (``Model.from_db``, each column through the backend's and the field's
    converters), for a batch's hundreds of rows at a fraction of a queryset's cost:

    - on PostgreSQL the rows come in binary (``_server_cursor``): Django's loader for timestamptz is
      the text one, in Python (a regular expression and two datetime copies per value, most of a
      batch's read);
    - ``from_db`` is given every field, the unread ones ``DEFERRED``: given only the columns read,
      it looks each of the model's fields up in a list of their names, per row."""
    meta = model._meta
    conn = connections[DEFAULT_DB_ALIAS]  # not the proxy: it looks the connection up on every use
    converters = []
    for n, f in enumerate(fields):
        col = f.get_col(meta.db_table)
        found = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
        if found:
            converters.append((n, col, found))
    names = [f.attname for f in meta.concrete_fields]
    slots = [names.index(f.attname) for f in fields]
    blank = [DEFERRED] * len(names)
    if conn.vendor == "postgresql":
        with _server_cursor() as cursor:
            cursor.execute(sql, params, binary=True)
            rows = cursor.fetchall()
    else:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    out = []
    for row in rows:
        if converters:
            row = list(row)
            for n, col, found in converters:
                for convert in found:
                    row[n] = convert(row[n], col, conn)
        values = blank.copy()
        for i, value in zip(slots, row):
            values[i] = value
        out.append(model.from_db(DEFAULT_DB_ALIAS, names, values))
    return out


def _events_by_key(keys: Sequence[str]) -> dict[str, Event]:
    # The ORM writes the query; _instances reads its rows.
    sql, params = Event.objects.filter(key__any=list(keys)).order_by().query.sql_with_params()
    return {e.key: e for e in _instances(Event, _model_fields(Event), sql, list(params))}


def claim_analysis(mention_id: int, now: datetime | None = None) -> bool:
    """Take the lease on one unjudged mention (see ``claim_batch``)."""
    return claim_batch([mention_id], now) == [mention_id]


def _release(mention_ids: Iterable[int], claimed_at: datetime) -> None:
    # Only our own lease: a lease run out and taken by another worker is theirs.
    ids = list(mention_ids)
    for start in range(0, len(ids), CLAIM_CHUNK):
        Mention.objects.filter(pk__in=ids[start:start + CLAIM_CHUNK], analysis_claimed_at=claimed_at).update(
            analysis_claimed_at=None)


# Rows per UPDATE of a bulk write.
WRITE_CHUNK = 100


def _bulk_write(objs: Sequence[Any], fields: Sequence[str]) -> None:
    """What ``QuerySet.bulk_update`` does, in one statement per chunk: bulk_update builds a CASE per
    field and row (17 × 50 for a batch), which cost half a second of Python per batch and a slow
    plan on PostgreSQL. On SQLite values are prepared by each field (``get_db_prep_save``), as the
    ORM writes them; on PostgreSQL they are sent as JSON (dates as ISO text) and cast to each
    column's type by the server.

    PostgreSQL gets the whole chunk as one JSON parameter (``UPDATE … FROM jsonb_to_recordset(…)``):
    a placeholder per value made the statement too long for psycopg's statement cache (parsed again
    each batch, ~6 ms), and an array per column was escaped element by element in Python (~15 ms a
    batch of 100); one string goes as it is (``_server_cursor``: not escaped into the statement) and
    PostgreSQL converts each column to its type. SQLite gets ``WITH v AS (VALUES …) UPDATE … FROM v``."""
    if not objs:
        return
    meta = type(objs[0])._meta
    concrete = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in concrete)
    if connection.vendor == "postgresql":
        columns = ", ".join([f"_pk {meta.pk.rel_db_type(connection)}",
                             *(f"{qn(f.column)} {f.db_type(connection)}" for f in concrete)])
        sql = (f"UPDATE {table} SET {sets} FROM jsonb_to_recordset(%s::jsonb) AS v ({columns}) "
               f"WHERE {table}.{pk} = v._pk")
        # Values straight from each instance's __dict__ (all of them loaded or set: a judgement
        # sets every field it writes), dates as ISO text: ~20 fewer calls a row than getattr.
        plain = [(f.column, f.attname) for f in concrete if not isinstance(f, DateTimeField)]
        dates = [(f.column, f.attname) for f in concrete if isinstance(f, DateTimeField)]
        for start in range(0, len(objs), WRITE_CHUNK):
            rows = []
            for obj in objs[start:start + WRITE_CHUNK]:
                values = obj.__dict__
                row = {"_pk": obj.pk, **{column: values[name] if name in values else getattr(obj, name)
                                         for column, name in plain}}
                for column, name in dates:
                    value = values[name] if name in values else getattr(obj, name)
                    row[column] = value.isoformat() if value is not None else None
                rows.append(row)
            payload = json.dumps(rows, ensure_ascii=False, cls=DjangoJSONEncoder)
            with _server_cursor() as cursor:
                cursor.execute(sql, [payload])
        return
    names = ", ".join(["_pk", *(qn(f.column) for f in concrete)])
    row = "(" + ", ".join(["%s"] * (len(concrete) + 1)) + ")"
    for start in range(0, len(objs), WRITE_CHUNK):
        chunk = objs[start:start + WRITE_CHUNK]
        params: list[Any] = []
        for obj in chunk:
            params.append(obj.pk)
            params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete]
        sql = (f"WITH v ({names}) AS (VALUES {', '.join([row] * len(chunk))}) "
               f"UPDATE {table} SET {sets} FROM v WHERE {table}.{pk} = v._pk")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@dataclass
class BatchReport:
    """What one batch did: judged, left alone (judged already or leased elsewhere), failed (lease
    given back, to be retried alone) and the judged mentions that may need a case."""

    judged: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    cases_due: list[int] = field(default_factory=list)
    flagged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"judged": len(self.judged), "skipped": len(self.skipped), "flagged": self.flagged,
                "failed": {str(k): v for k, v in self.failed.items()}, "cases_due": self.cases_due}


def analyse_batch(mention_ids: Sequence[int], *, judged_before: datetime | None = None) -> BatchReport:
    """Judge a batch of mentions: one lease, one analyzer call, bulk writes; idempotent (a
    re-delivered batch finds its mentions judged and leaves them). A mention whose analysis fails
    is given back and reported; the others are judged all the same.

    ``judged_before``: a re-analysis run's start; mentions judged before it are judged again."""
    now = timezone.now()
    ids = list(dict.fromkeys(int(i) for i in mention_ids))
    report = BatchReport()
    mentions = _claim_and_read(ids, now, judged_before)
    claimed = [m.pk for m in mentions]
    taken = set(claimed)
    report.skipped = [i for i in ids if i not in taken]
    if not claimed:
        return report
    sources = Source.objects.in_bulk({m.source_id for m in mentions})
    for mention in mentions:
        _SOURCE.set_cached_value(mention, sources[mention.source_id])  # source_id is read: only the cache
        mention.analysis_claimed_at = now
    try:
        judged, report.failed = _judge_many(mentions, rejudge=judged_before is not None)
    except Exception:
        # A failure of the whole batch (database, Redis) gives every lease back at once, so the
        # task's own retry can take the batch again.
        _release(claimed, now)
        raise
    if report.failed:
        _release(report.failed, now)
        logger.warning("judgement.batch_failures count=%d ids=%s", len(report.failed), sorted(report.failed))
    report.judged = [m.pk for m in judged]
    report.flagged = sum(1 for m in judged if m.flagged)
    report.cases_due = [m.pk for m in judged if getattr(m, "_case_due", False)]
    logger.info("judgement.batch judged=%d skipped=%d failed=%d flagged=%d", len(report.judged),
                len(report.skipped), len(report.failed), report.flagged)
    return report


def analyse_mention(mention_id: int) -> Mention:
    """Judge one mention; idempotent (a re-delivered task leaves it as it is). A mention another
    worker is judging right now is returned unjudged (``analysed_at`` still empty)."""
    mention = Mention.objects.select_related("source").get(pk=mention_id)
    if mention.analysed_at:
        return mention
    now = timezone.now()
    if not claim_analysis(mention.pk, now):
        logger.info("judgement.leased_elsewhere mention=%s", mention.pk)
        mention.refresh_from_db()
        return mention
    mention.analysis_claimed_at = now
    try:
        return _judge(mention)
    except Exception:
        # A failure gives the lease back at once, so the task's own retry can take the mention again.
        _release([mention.pk], now)
        raise


def _judge(mention: Mention) -> Mention:
    """Judge one claimed mention (the batch path with a batch of one); raises its failure."""
    judged, failed = _judge_many([mention])
    if failed:
        raise JudgementFailed(failed[mention.pk])
    return judged[0]


class JudgementFailed(Exception):
    """The analyzer could not judge this mention (its batch went on without it)."""


def _index_text(mention: Mention) -> str:
    # Must be the text the event rebuild indexes (event_rebuild.index_text).
    return f"{mention.title}\n{mention.text}"


def _assign_events(mentions: Sequence[Mention]) -> dict[int, Event]:
    """Event of each mention: keys from the shared index in one pipelined call, the Event rows
    fetched or created in bulk, and every touched event's figures recomputed in three queries."""
    keys = event_index().assign_many([(str(m.pk), _index_text(m)) for m in mentions])
    # (judged before, event before) of each mention: a story's figures follow from its copies alone
    # (their number, sources and times), so when every mention of the batch was judged before and
    # keeps its event, they are the figures already stored.
    before = [(m.analysed_at is not None, m.event_id) for m in mentions]
    first_of: dict[str, Mention] = {}
    for mention, key in zip(mentions, keys):
        first_of.setdefault(key, mention)
    with transaction.atomic():
        events = _events_by_key(list(first_of))
        missing = [k for k in first_of if k not in events]
        if missing:
            Event.objects.bulk_create([
                Event(key=k, title=first_of[k].title[:500], first_seen=first_of[k].fetched_at,
                      last_seen=first_of[k].fetched_at) for k in missing], ignore_conflicts=True)
            events.update(_events_by_key(missing))
        by_mention = {}
        for mention, key in zip(mentions, keys):
            mention.event_id = events[key].pk  # the relation set without the descriptor's routing checks
            _EVENT.set_cached_value(mention, events[key])
            by_mention[mention.pk] = events[key]
        # Figures of each touched event: its other copies from the database, this batch's from
        # memory (their links are written with their judgement, one write per row).
        touched = {e.pk: e for e in events.values()}
        for event in touched.values():  # what it was: only events whose figures move are written
            event._stored = _figures(event)  # type: ignore[attr-defined]
        if all(judged and event_id == m.event_id for (judged, event_id), m in zip(before, mentions)):
            return by_mention  # judged again, no copy joined or left a story: nothing to count
        batch_ids = [m.pk for m in mentions]
        others = Mention.objects.filter(event_id__any=list(touched)).exclude(pk__any=batch_ids)
        size: dict[int, int] = defaultdict(int)
        span: dict[int, list[datetime]] = defaultdict(list)
        sources: dict[int, set[int]] = defaultdict(set)
        # Size, span and sources in one query: a row per event and source (a story has tens of sources).
        for row in (others.values("event_id", "source_id")
                    .annotate(n=Count("id"), first=Min("fetched_at"), last=Max("fetched_at")).order_by()):
            size[row["event_id"]] += row["n"]
            span[row["event_id"]] += [row["first"], row["last"]]
            sources[row["event_id"]].add(row["source_id"])
        outside = set(size)  # events with copies outside this batch
        for mention in mentions:
            size[mention.event_id] += 1
            span[mention.event_id].append(mention.fetched_at)
            sources[mention.event_id].add(mention.source_id)
        for event in touched.values():
            event.size, event.source_count = size[event.pk], len(sources[event.pk])
            event.first_seen, event.last_seen = min(span[event.pk]), max(span[event.pk])
        # Copies in the hour up to each event's latest copy: one query for the whole batch, asked
        # only of events with copies outside it (most of a crawl's events are new stories).
        recent = Q()
        for event in touched.values():
            if event.pk in outside:
                recent |= Q(event_id=event.pk, fetched_at__gte=event.last_seen - timedelta(hours=1))
        growth: dict[int, int] = defaultdict(int)
        if recent:
            for row in others.filter(recent).values("event_id").annotate(n=Count("id")).order_by():
                growth[row["event_id"]] = row["n"]
        for mention in mentions:
            if mention.fetched_at >= touched[mention.event_id].last_seen - timedelta(hours=1):
                growth[mention.event_id] += 1
        for event in touched.values():
            event.growth_per_hour = float(growth[event.pk])
    return by_mention


def _doc(mention: Mention, event: Event) -> dict[str, Any]:
    return {
        "id": mention.pk, "title": mention.title, "text": mention.text,
        "source": mention.source.slug, "source_kind": mention.source.kind, "reach": mention.source.reach,
        "published_at": mention.published_at.isoformat() if mention.published_at else None,
        "event_size": event.size, "event_sources": event.source_count,
        "growth_per_hour": event.growth_per_hour,
    }


def _analyze(analyzer: Any, docs: list[dict[str, Any]]) -> list[dict[str, Any] | Exception]:
    """Results in order; when the batch call fails, each document alone, so one bad document
    costs only itself."""
    try:
        return list(analyzer.analyze_many(docs))
    except Exception:
        logger.exception("judgement.batch_analyze_failed size=%d: judging one by one", len(docs))
    out: list[dict[str, Any] | Exception] = []
    for doc in docs:
        try:
            out.append(analyzer.analyze(doc))
        except Exception as exc:
            logger.exception("judgement.analyze_failed mention=%s", doc["id"])
            out.append(exc)
    return out


def _hand_decisions(mention_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """The duty officers' latest correction of each field (sentiment, level, section), per mention:
    judging again keeps them (they are recorded as Feedback by casework)."""
    latest: dict[int, dict[str, str]] = defaultdict(dict)
    rows = (Feedback.objects.filter(mention_id__any=list(mention_ids), field__in=("sentiment", "level", "section"))
            .order_by("at", "id").values_list("mention_id", "field", "human_value"))
    for mention_id, name, value in rows:
        latest[mention_id][name] = value
    return latest


def _judge_many(mentions: Sequence[Mention], *, rejudge: bool = False) -> tuple[list[Mention], dict[int, str]]:
    """Judge claimed mentions with a fixed number of queries whatever their number; returns the
    judged mentions and the failed ones (id → reason). Nothing of a failed mention is written
    except its event link (harmless: its retry finds the same event)."""
    if not mentions:
        return [], {}
    analyzer = current_analyzer()
    events = _assign_events(mentions)
    results = _analyze(analyzer, [_doc(m, events[m.pk]) for m in mentions])
    failed = {m.pk: f"{type(r).__name__}: {r}"[:500] for m, r in zip(mentions, results) if isinstance(r, Exception)}
    pairs = [(m, r) for m, r in zip(mentions, results) if not isinstance(r, Exception)]
    if not pairs:
        return [], failed

    hand = _hand_decisions([m.pk for m, _ in pairs])
    flagging = set(KeywordPlan.objects.filter(flags=True, enabled=True).values_list("name", flat=True))
    levels = {level.code: level for level in Level.objects.all()}
    codes = {r["section"] for _, r in pairs} | {h["section"] for h in hand.values() if "section" in h}
    sections = {s.code: s for s in Section.objects.filter(code__in=codes)}
    fallback: list[Section | None] = []

    def section_for(code: str) -> Section | None:
        if code in sections:
            return sections[code]
        if not fallback:
            fallback.append(Section.fallback())
        return fallback[0]

    now = timezone.now()
    judged = []
    for mention, result in pairs:
        was_flagged, previously_judged = mention.flagged, mention.analysed_at is not None
        plans = sorted({hit["plan"] for hit in result["keywords"]})
        level = levels.get(result.get("level") or "")  # the level the analyzer computed (level_for_result)
        mention.sentiment = result["sentiment"]
        mention.sentiment_scores = result["sentiment_scores"]
        mention.sentiment_terms = result.get("sentiment_terms", [])
        mention.urgency = int(result["urgency"])
        mention.level = level.code if level else ""
        mention.urgency_reasons = result.get("urgency_reasons", [])
        if mention.section_via == "human" and previously_judged:
            pass  # a duty officer chose the section: judging again keeps it
        else:
            mention.section = section_for(result["section"])
            mention.section_confidence = float(result.get("section_confidence") or 0)
            mention.section_via = result.get("section_via", "")
            mention.section_reason = (result.get("section_reason") or "")[:300]
        decided = hand.get(mention.pk, {})
        if "sentiment" in decided:
            mention.sentiment = decided["sentiment"]
        if "level" in decided:
            mention.level = decided["level"]
        if decided.get("section") and section_for(decided["section"]) is not None:
            mention.section = section_for(decided["section"])
            mention.section_via, mention.section_reason = "human", "值班员修正"
        mention.keywords = result["keywords"]
        mention.matched_plans = plans
        # Hotline tickets are always in the queue; everything else only when a flagging plan matched.
        mention.flagged = mention.source.kind == Source.Kind.HOTLINE or bool(flagging.intersection(plans))
        if was_flagged and mention.review != Mention.Review.PENDING:
            mention.flagged = True  # an item a duty officer has decided on stays where they decided it
        mention._was_lead = previously_judged and mention.event_lead  # type: ignore[attr-defined]
        mention.analysed_at = now
        mention.awaiting_judgement = False
        # The lease ends with the judgement: a re-analysis run minutes later must find it free.
        mention.analysis_claimed_at = None
        judged.append(mention)

    touched = {e.pk: e for e in events.values()}
    # Only the events this batch may write or lead are locked: figures moved, a copy above the
    # highest urgency known, a copy that may lead the queue. Judging again mostly changes none of
    # them, and a row lock is a write (the tuple's header and the log) on every event of the batch.
    to_lock = {pk for pk, e in touched.items() if getattr(e, "_stored", None) != _figures(e)}
    to_lock |= {m.event_id for m in judged if m.urgency > touched[m.event_id].max_urgency or _may_lead(m)}
    with transaction.atomic():
        # Locked in id order (two workers never wait on each other in a cycle), their highest
        # urgency read again under the lock: another batch may have raised it.
        locked = (Event.objects.select_for_update().filter(pk__any=sorted(to_lock)).order_by("pk")
                  .values_list("pk", "max_urgency", "level")) if to_lock else []
        for pk, max_urgency, level_code in locked:
            if max_urgency > touched[pk].max_urgency:
                touched[pk].max_urgency, touched[pk].level = max_urgency, level_code
        _claim_leads(judged, touched)
        for mention in judged:
            event = touched[mention.event_id]
            if mention.urgency > event.max_urgency:
                event.max_urgency, event.level = mention.urgency, mention.level
        _bulk_write(judged, JUDGED_FIELDS)
        # Every event whose figures moved is in to_lock: raised ones were above the urgency known.
        _bulk_write([e for e in touched.values() if getattr(e, "_stored", None) != _figures(e)], EVENT_FIELDS)
    _mark_cases_due(judged, levels, rejudge=rejudge)
    if logger.isEnabledFor(logging.INFO):
        for mention in judged:
            logger.info("judgement.done mention=%s event=%s urgency=%s", mention.pk, mention.event.key,
                        mention.urgency, extra={"mention": mention.pk, "event": mention.event.key,
                                                "urgency": mention.urgency})
    return judged, failed


def _may_lead(mention: Mention) -> bool:
    # _claim_leads' candidates: a pending flagged copy may take (or keep) its story's queue row.
    return bool(mention.flagged and mention.event_id and mention.review == Mention.Review.PENDING)


def _claim_leads(judged: Sequence[Mention], events: dict[int, Event]) -> None:
    """One queue row per story for the whole batch (leads.claim_lead's rule): a pending flagged
    copy leads unless another pending copy of its event already does. The caller holds the lock
    on the batch's events."""
    candidates = [m for m in judged if _may_lead(m)]
    if not candidates:
        return
    event_ids = sorted({m.event_id for m in candidates})
    taken = set(Mention.objects.filter(event_id__any=event_ids, flagged=True, review=Mention.Review.PENDING,
                                       event_lead=True).exclude(pk__any=[m.pk for m in judged])
                .values_list("event_id", flat=True).order_by().distinct())
    # A copy that already led keeps the lead when judged again; otherwise the first copy judged.
    for mention in sorted(candidates, key=lambda m: (not getattr(m, "_was_lead", False), m.pk)):
        mention.event_lead = mention.event_id not in taken
        taken.add(mention.event_id)


def _mark_cases_due(judged: Sequence[Mention], levels: dict[str, Level], *, rejudge: bool) -> None:
    """Which judged mentions ``maybe_open_case`` would give (or add to) a case: hotline tickets,
    flagged mentions of a level that opens cases, copies of an event with a case. One query."""
    with_cases = set(Case.objects.filter(event_id__any=list({m.event_id for m in judged}))
                     .values_list("event_id", flat=True).order_by().distinct())
    horizon = timezone.now() - OPEN_CASE_HORIZON
    for mention in judged:
        level = levels.get(mention.level)
        due = (mention.source.kind == Source.Kind.HOTLINE or mention.event_id in with_cases
               or bool(mention.flagged and level and level.auto_open_case))
        if rejudge and (mention.fetched_at < horizon or mention.review == Mention.Review.DISMISSED):
            # Judging last year's mentions again must not open cases (and alert leaders) for them,
            # nor reopen what a duty officer dismissed.
            due = False
        mention._case_due = due  # type: ignore[attr-defined]


def open_cases(mention_ids: Sequence[int]) -> list[int]:
    """``maybe_open_case`` for a batch: copies joining an open case are added in bulk; a new case
    is opened once per story (with all its copies), whatever the number of copies in the batch."""
    from response.services.cases import on_new_mention, open_case_for_mention, origin_key_for

    mentions = list(Mention.objects.select_related("event", "source", "section")
                    .filter(pk__in=list(mention_ids)).order_by("pk"))
    if not mentions:
        return []
    levels = {level.code: level for level in Level.objects.all()}
    with_cases = set(Case.objects.filter(event_id__in={m.event_id for m in mentions if m.event_id})
                     .values_list("event_id", flat=True).distinct())
    keys = {m.pk: origin_key_for(m) for m in mentions}
    existing = {c.origin_key: c for c in Case.objects.filter(origin_key__in=set(keys.values()))}
    joining: list[tuple[Case, Mention]] = []
    opened: set[int] = set()
    for mention in mentions:
        level = levels.get(mention.level)
        hotline = mention.source.kind == Source.Kind.HOTLINE
        if not (hotline or mention.event_id in with_cases or (mention.flagged and level and level.auto_open_case)):
            continue
        case = existing.get(keys[mention.pk])
        if case is None:
            case, _ = open_case_for_mention(mention, level=level, state="handling" if hotline else "triage")
            existing[keys[mention.pk]] = case
        elif case.state == Case.State.CLOSED:
            on_new_mention(case, mention)  # attach, then reopen or notify: rare, one by one
        else:
            joining.append((case, mention))
        opened.add(case.pk)
    if joining:
        through = Case.mentions.through
        have = set(through.objects.filter(case_id__in={c.pk for c, _ in joining},
                                          mention_id__in=[m.pk for _, m in joining])
                   .values_list("case_id", "mention_id"))
        through.objects.bulk_create([through(case_id=c.pk, mention_id=m.pk) for c, m in joining
                                     if (c.pk, m.pk) not in have], ignore_conflicts=True)
    return sorted(opened)


def maybe_open_case(mention_id: int):
    """Open a 待研判 case for a flagged mention whose level opens cases automatically."""
    from response.services.cases import open_case_for_mention

    mention = Mention.objects.select_related("event", "source", "section").get(pk=mention_id)
    level = Level.objects.filter(code=mention.level).first()
    if mention.source.kind == Source.Kind.HOTLINE:
        # A 12345 transfer is already the bureau's business: every ticket is a case being handled.
        case, _ = open_case_for_mention(mention, level=level, state="handling")
        return case
    if mention.event_id and mention.event.cases.exists():
        # A new copy of a story that already has a case joins it (and may reopen a closed one),
        # whatever this copy's own level.
        case, _ = open_case_for_mention(mention, level=level, state="triage")
        return case
    if not (mention.flagged and level and level.auto_open_case):
        return None
    case, created = open_case_for_mention(mention, level=level, state="triage")
    if not created:
        case.mentions.add(mention)  # a later copy of the same event joins the existing case
    return case


def stale_unanalysed(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mentions not judged whose work was lost: stored but never sent (the process that stored them
    died first), or sent a while ago with no live lease (the message, or the worker, was lost)."""
    now = now or timezone.now()
    unsent = Q(analysis_queued_at__isnull=True, fetched_at__lt=now - UNSENT_AFTER)
    lost = Q(analysis_queued_at__lt=now - RESEND_AFTER) & (
        Q(analysis_claimed_at__isnull=True) | Q(analysis_claimed_at__lt=now - ANALYSIS_LEASE))
    # awaiting_judgement is the predicate of the partial index that keeps this look-up small.
    return list(Mention.objects.filter(unsent | lost, awaiting_judgement=True, analysed_at__isnull=True)
                .order_by("id").values_list("id", flat=True)[:limit])


# A case opened by the task chained to the analysis has had this long to appear.
OPEN_CASE_AFTER = timedelta(seconds=60)
# Older judgements are not re-driven: a level switched to open cases automatically today must not
# open cases for last year's mentions (and alert leaders about them).
OPEN_CASE_HORIZON = timedelta(days=1)


def stale_uncased(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Judged mentions that ``maybe_open_case`` would give a case but have none (their open_case
    task was lost): hotline tickets, flagged mentions of a level that opens cases automatically,
    and copies of an event that already has a case. Mentions a duty officer dismissed are left."""
    now = now or timezone.now()
    auto_levels = list(Level.objects.filter(auto_open_case=True).values_list("code", flat=True))
    due = (Q(source__kind=Source.Kind.HOTLINE) | Q(flagged=True, level__in=auto_levels)
           | Q(event__cases__isnull=False))
    return list(Mention.objects.filter(
        due, analysed_at__lt=now - OPEN_CASE_AFTER, analysed_at__gte=now - OPEN_CASE_HORIZON,
        cases__isnull=True,
    ).exclude(review=Mention.Review.DISMISSED).order_by("id").values_list("id", flat=True).distinct()[:limit])

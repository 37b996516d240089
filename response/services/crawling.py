"""Run one source's crawl (in a subprocess, via crawlers.runner), store items, keep source health.

Items are stored in chunks while the crawl runs (the runner hands on what the child has written
every half second), so the first of a long crawl's items are judged within seconds.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from analysis.keywords import And, KeywordSyntaxError, Near, Node, Not, Or, Term, parse_expression
from crawlers.runner import CrawlResult, run_crawl
from response.models import CrawlRun, KeywordPlan, Mention, Source
from response.services.ingest import ingest_items

logger = logging.getLogger(__name__)

# A search source skips result links to what any source stored this recently (canonical URL):
# search results are mostly recent, and the list travels to the crawler with the source.
KNOWN_URLS_DAYS = 7
KNOWN_URLS_MAX = 5000

# A source is blind after this many failed runs in a row (or at once when the crawler says it is blocked).
BLIND_AFTER_FAILURES = 3


class CrawlerCrashed(RuntimeError):
    """The crawler process could not run to its end (it did not start, died, or left no result).
    Usually the installation is at fault, not the site: the task fails rather than report success."""


@dataclass
class CrawlOutcome:
    run_id: int
    found: int = 0
    new_ids: list[int] = field(default_factory=list)
    error: str | None = None
    blind: str | None = None
    # The crawler itself failed (see CrawlerCrashed); ``error`` says how.
    crashed: bool = False


# The crawler subprocess is stopped after this many seconds.
CRAWL_TIMEOUT = 600
# A run still "running" this long after the crawler's timeout lost its worker (killed, OOM, host
# restart): nothing will ever finish it, so the re-drive records it as failed.
STALE_RUN_GRACE = timedelta(minutes=5)
INTERRUPTED = "采集进程中断（工作进程退出），已超时标记为失败"

# Enough of the crawler's last output lines for the traceback's end, short enough that the
# source's last_error (2,000 characters) keeps the final line, which names the cause.
CRASH_TAIL_CHARS = 1200


def _crash_report(result: CrawlResult) -> str:
    """The runner's summary and the last whole lines of the crawler's output."""
    kept: list[str] = []
    # The runner cuts its log tail by characters: the first line is usually a fragment.
    for line in reversed([x for x in result.log_tail.splitlines()[1:] if x.strip()]):
        if kept and sum(map(len, kept)) + len(line) > CRASH_TAIL_CHARS:
            break
        kept.insert(0, line[-CRASH_TAIL_CHARS:])
    summary = (result.error or "抓取进程异常退出").partition("：")[0]
    return "\n".join([f"{summary}：采集程序未能运行完毕，请检查采集环境的安装（如缺少依赖包）。"
                      "输出的最后几行：", *kept])


def _note_failure(source: Source, now: datetime, *, error: str | None, blind: str | None = None) -> None:
    """One more failed run on the (locked) source: its error, and blindness after too many."""
    source.last_error_at = now
    source.last_error = (blind or error or "")[:2000]
    source.consecutive_failures += 1
    if blind or source.consecutive_failures >= BLIND_AFTER_FAILURES:
        if not source.blind_reason:
            source.blind_since = now
        source.blind_reason = (blind or f"连续 {source.consecutive_failures} 次采集失败：{error}")[:300]


def positive_terms(expression: str) -> list[str]:
    """What a search engine should be asked for a plan: every term that must be present for the
    plan to match (never a NOT term), in the order written. ``NEAR/N(a, b)`` becomes the one
    query ``a b`` (both words), which is what the proximity rule needs on a results page.
    Raises KeywordSyntaxError for an expression that does not parse."""
    found: list[str] = []

    def walk(node: Node, positive: bool) -> None:
        if isinstance(node, Term):
            if positive:
                found.append(node.text)
        elif isinstance(node, Near):
            if positive:
                found.append(f"{node.left.text} {node.right.text}")
        elif isinstance(node, Not):
            walk(node.child, not positive)
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child, positive)

    walk(parse_expression(expression), True)
    return list(dict.fromkeys(t.strip() for t in found if t.strip()))


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def search_queries(source: Source) -> list[str]:
    """The queries a search source asks this run, without repeats: ``settings.queries`` first,
    then for each enabled watch plan (or only those named in ``settings.plans``) its own search
    expression from ``settings.plan_queries`` when given, else its positive terms."""
    options = source.settings or {}
    queries = _as_list(options.get("queries"))
    own = options.get("plan_queries") if isinstance(options.get("plan_queries"), dict) else {}
    plans = KeywordPlan.objects.filter(enabled=True).order_by("category", "name")
    if options.get("plans"):
        plans = plans.filter(name__in=_as_list(options["plans"]))
    for plan in plans:
        if plan.name in own:
            queries.extend(_as_list(own[plan.name]))
            continue
        try:
            queries.extend(positive_terms(plan.expression))
        except KeywordSyntaxError:
            logger.warning("crawl.search_plan_unparsable", extra={"source": source.slug, "plan": plan.name})
    return list(dict.fromkeys(q.strip() for q in queries if q.strip()))


def crawl_config(source: Source, now: datetime | None = None) -> dict:
    """What the crawler is given for ``source``. A search source also gets this run's queries and
    the canonical URLs stored recently by any source, so a result already stored is not fetched."""
    config = source.as_crawl_config()
    if source.kind == Source.Kind.SEARCH:
        since = (now or timezone.now()) - timedelta(days=KNOWN_URLS_DAYS)
        config["settings"] = {**(config.get("settings") or {}), "queries": search_queries(source)}
        config["known_urls"] = list(Mention.objects.filter(fetched_at__gte=since)
                                    .order_by("-fetched_at").values_list("url", flat=True)[:KNOWN_URLS_MAX])
    return config


# Canonical URL hashes per query (SQLite's bound-parameter limit).
HASHES_PER_QUERY = 500


class _Store:
    """Stores a crawl's items chunk by chunk as the runner hands them on, and reports each chunk's
    new mentions at once. A chunk that fails to store is kept for one more try after the crawl:
    the crawl goes on, and storing is idempotent by canonical URL."""

    def __init__(self, source: Source, on_new_ids: Callable[[list[int]], Any] | None) -> None:
        self.source = source
        self.on_new_ids = on_new_ids
        self.new_ids: list[int] = []
        self.failed: list[dict[str, Any]] = []
        # Mentions with a higher id were stored after the crawl began: a failed chunk's items
        # stored before its error are found again by this, not lost from ``new_ids``.
        self.before = Mention.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def chunk(self, items: list[dict[str, Any]]) -> None:
        try:
            # ingest_items compares the newest publication time with this object's: read what
            # the previous chunk stored, or an older chunk would move it back.
            self.source.refresh_from_db(fields=["newest_item_at"])
            ids = ingest_items(self.source, items)
        except Exception:
            logger.exception("crawl.chunk_store_failed", extra={"source": self.source.slug,
                                                                 "items": len(items)})
            self.failed.extend(items)
            return
        self._found(ids)

    def retry_failed(self) -> None:
        """Store the failed chunks again; an error now fails the crawl as it always did."""
        if not self.failed:
            return
        items, self.failed = self.failed, []
        self.source.refresh_from_db(fields=["newest_item_at"])
        ids = ingest_items(self.source, items)
        self._found(self._stored_before_error(items, known=set(self.new_ids) | set(ids)) + ids)

    def _stored_before_error(self, items: list[dict[str, Any]], known: set[int]) -> list[int]:
        """The failed chunks' mentions stored before their error: new in this crawl, never reported."""
        urls = [(i.get("canonical_url") or i.get("url") or "").strip() for i in items]
        hashes = [Mention.hash_url(url) for url in dict.fromkeys(urls) if url]
        found: list[int] = []
        for start in range(0, len(hashes), HASHES_PER_QUERY):
            found += (Mention.objects.filter(source=self.source, pk__gt=self.before,
                                             url_hash__in=hashes[start:start + HASHES_PER_QUERY])
                      .values_list("pk", flat=True))
        return sorted(set(found) - known)

    def _found(self, ids: list[int]) -> None:
        if not ids:
            return
        self.new_ids.extend(ids)
        if self.on_new_ids is None:
            return
        try:
            self.on_new_ids(ids)
        except Exception:  # the mentions are stored: the caller (or the re-drive) sends them later
            logger.exception("crawl.new_ids_callback_failed", extra={"source": self.source.slug})


def crawl_source(source_id: int, *, timeout: float = CRAWL_TIMEOUT,
                 on_new_ids: Callable[[list[int]], Any] | None = None) -> CrawlOutcome:
    """Crawl one source, storing its items as they are found; ``on_new_ids`` is called with the ids
    of each chunk's new mentions (each id once) while the crawl still runs. The outcome lists them
    all; a caller whose ``on_new_ids`` raised sends the rest from there."""
    source = Source.objects.get(pk=source_id)
    run = CrawlRun.objects.create(source=source)
    now = timezone.now()
    store = _Store(source, on_new_ids)
    try:
        result = run_crawl(crawl_config(source, now), source.crawl_state or {}, timeout=timeout,
                           on_items=store.chunk)
    except Exception as exc:  # the runner could not even start the child: record it, then fail
        logger.exception("crawl.runner_failed", extra={"source": source.slug})
        result = None
        error = f"采集进程无法启动：{type(exc).__name__}: {exc}"
        crashed = True
    else:
        error = result.error
        crashed = result.crashed
        if crashed:
            error = _crash_report(result)
            logger.error("crawl.crashed", extra={"source": source.slug, "error": error})

    store.retry_failed()
    new_ids = store.new_ids
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source_id)
        source.last_run_at = now
        blind = result.blind if result is not None else None
        if result is not None:
            source.crawl_state = result.state or source.crawl_state
            source.last_item_count = len(result.items)
        if error or blind:
            _note_failure(source, now, error=error, blind=blind)
        else:
            source.last_success_at = now
            source.consecutive_failures = 0
            source.blind_reason = ""
            source.blind_since = None
        source.save()
        run.finished_at = timezone.now()
        run.items_found = len(result.items) if result is not None else 0
        run.items_new = len(new_ids)
        run.error = (blind or error or "")[:5000]
        run.stats = result.stats if result is not None else {}
        run.status = (CrawlRun.Status.BLIND if blind else CrawlRun.Status.FAILED if error else CrawlRun.Status.OK)
        run.save()
    return CrawlOutcome(run_id=run.pk, found=run.items_found, new_ids=new_ids, error=error, blind=blind,
                        crashed=crashed)


# Beat asks which sources are due every CRAWL_TICK_SECONDS (the default schedule, schedules.py).
# A crawl's last_run_at is its start, a moment after the tick that sent it, so at the tick one
# interval later the source is a moment short of due: a source counts as due when less than half a
# tick of its interval remains, or the ticks' phase would add a whole tick to every interval.
CRAWL_TICK_SECONDS = 10
DUE_SLACK_SECONDS = CRAWL_TICK_SECONDS / 2
# A scheduled crawl not started this long after it was sent is dropped: by then its source counts
# as lost, as a run still "running" does (fail_stale_runs), and is sent again.
CRAWL_SEND_EXPIRES = CRAWL_TIMEOUT + STALE_RUN_GRACE.total_seconds()
# How long the scheduler's mark "sent, not yet finished" lasts. It is keyed by the source's last
# run, so a finished crawl frees the source at once; the minute beyond the message's expiry covers
# a message taken by a worker just before it expired, until its run is recorded.
SENT_MARK_SECONDS = int(CRAWL_SEND_EXPIRES) + 60


def due_sources(now: datetime | None = None, *, claim: bool = False) -> list[int]:
    """Enabled sources to crawl now: less than DUE_SLACK_SECONDS of their interval is left and no
    crawl of theirs is running (one that started after their last finished one and has not lost
    its worker). One query over the sources; the runs are read only when some interval is up.

    With ``claim`` (the scheduler, which sends one crawl for each id returned) each source returned
    is marked as sent, and a source sent and not yet crawled is left out: with ticks every few
    seconds, a crawl waiting in a busy queue would otherwise be sent again at every tick and the
    copies run side by side once workers are free."""
    from django.core.cache import cache  # only the claim needs it

    now = now or timezone.now()
    rows = (Source.objects.filter(enabled=True).exclude(kind=Source.Kind.HOTLINE)
            .values_list("pk", "last_run_at", "schedule_minutes"))
    ready = {pk: last for pk, last, minutes in rows
             if last is None or (now - last).total_seconds() >= minutes * 60 - DUE_SLACK_SECONDS}
    if not ready:
        return []
    cutoff = now - timedelta(seconds=CRAWL_TIMEOUT) - STALE_RUN_GRACE
    running = (CrawlRun.objects.filter(source_id__in=list(ready), status=CrawlRun.Status.RUNNING,
                                       started_at__gte=cutoff).values_list("source_id", "started_at"))
    # A run left "running" by an attempt that failed and was retried started before the retry's
    # last_run_at: it no longer holds the source (the re-drive records it as failed later).
    busy = {pk for pk, started in running if ready[pk] is None or started > ready[pk]}
    due = [pk for pk in ready if pk not in busy]
    if claim:
        # The cache is the broker's Redis: when it cannot be reached nothing could be sent either.
        last = {pk: ready[pk].isoformat() if ready[pk] else "never" for pk in due}
        due = [pk for pk in due if cache.add(f"yuqing:crawl:sent:{pk}:{last[pk]}", 1, timeout=SENT_MARK_SECONDS)]
    return due


def fail_stale_runs(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Record runs whose worker died mid-crawl as failed, and count them against their source's
    health as any failed run is. Idempotent: a run is taken only while it is still "running"."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=CRAWL_TIMEOUT) - STALE_RUN_GRACE
    stale = (CrawlRun.objects.filter(status=CrawlRun.Status.RUNNING, started_at__lt=cutoff)
             .order_by("started_at").values_list("pk", "source_id")[:limit])
    failed = []
    for run_id, source_id in stale:
        with transaction.atomic():
            source = Source.objects.select_for_update().get(pk=source_id)
            taken = CrawlRun.objects.filter(pk=run_id, status=CrawlRun.Status.RUNNING).update(
                status=CrawlRun.Status.FAILED, finished_at=now, error=INTERRUPTED)
            if not taken:
                continue
            _note_failure(source, now, error=INTERRUPTED)
            source.save(update_fields=["last_error_at", "last_error", "consecutive_failures",
                                       "blind_since", "blind_reason"])
        failed.append(run_id)
        logger.warning("crawl.run_interrupted run=%s source=%s", run_id, source.slug)
    return failed

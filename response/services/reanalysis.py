"""重新研判: judge stored mentions again with the current models and rules (after `yuqing train`, a
new rule set, new levels), in batches on the workers or in this process.

A run is remembered by its start time, the watermark: a mention is done once its ``analysed_at``
is at or after the start. Stopping the command (or losing a worker) loses nothing: running it again
with the same filters resumes the unfinished run and judges only what is still below the mark.
Judging again writes only the machine's fields (``judgement.JUDGED_FIELDS``): review state,
reviewer, dismissal reason and the duty officers' corrections (Feedback) stay as they decided.
"""
from __future__ import annotations

import json
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from response.models import Mention
from response.services import judgement

logger = logging.getLogger(__name__)

BATCH_TASK = "yuqing.analyse.batch"
# Judging again has a queue of its own, which the analysis workers also consume: a year's backfill
# must not hold a fresh crawl's items behind it (the broker takes from each queue in turn).
QUEUE = "reanalysis"
# Larger than a crawl's batches (redrive.BATCH_SIZE, 50, sent as soon as stored): nothing here waits
# on the first batch, and each batch's fixed cost (its ~28 queries, the event look-ups) is shared by
# more mentions — judging again ran ~25 % faster through two worker processes with 100 than with 50,
# faster again with ~190 (docs/throughput.md). The most a batch takes:
BATCH_SIZE = 250
# ... but a run is cut into at least this many batches, so that up to as many worker processes
# share a small run evenly instead of one finishing the last large batch alone.
MIN_BATCHES = 8
MIN_BATCH_SIZE = 25
# Unfinished mentions whose lease ran out this long ago are sent again while waiting (a worker
# died holding them, or the message was lost), at most RESENDS times before they are reported.
RESEND_AFTER = judgement.RESEND_AFTER
RESENDS = 3
MIN_POLL = 0.05  # seconds between counts of what is left, at the start of a run


class ReanalysisError(Exception):
    """Shown to the operator as is."""


@dataclass
class RunState:
    started_at: str
    since: str | None = None
    source: str | None = None
    total: int = 0
    finished_at: str | None = None

    @property
    def watermark(self) -> datetime:
        return datetime.fromisoformat(self.started_at)


@dataclass
class Outcome:
    run: RunState
    resumed: bool
    total: int
    done: int
    sent: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0
    waited: bool = True

    @property
    def remaining(self) -> int:
        return self.total - self.done


def state_path() -> Path:
    return Path(settings.YUQING_HOME) / "reanalysis" / "run.json"


def load_state() -> RunState | None:
    path = state_path()
    try:
        return RunState(**json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def save_state(state: RunState) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)  # atomic: a killed command leaves the old state or the new one


def scope(since: date | None = None, source: str | None = None) -> QuerySet[Mention]:
    mentions = Mention.objects.all()
    if since is not None:
        start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
        mentions = mentions.filter(fetched_at__gte=start)
    if source:
        mentions = mentions.filter(source__slug=source)
    return mentions


def pending(state: RunState) -> QuerySet[Mention]:
    """The run's mentions still below its watermark."""
    since = date.fromisoformat(state.since) if state.since else None
    return scope(since, state.source).filter(Q(analysed_at__isnull=True) | Q(analysed_at__lt=state.watermark))


def start_or_resume(since: date | None, source: str | None, *, restart: bool = False) -> tuple[RunState, bool]:
    """The unfinished run with the same filters, or a new one starting now."""
    wanted = (since.isoformat() if since else None, source or None)
    state = load_state()
    if state and not restart and state.finished_at is None and (state.since, state.source) == wanted:
        return state, True
    if source and not Mention.objects.filter(source__slug=source).exists():
        raise ReanalysisError(f"来源 {source} 没有任何条目（请检查来源标识）")
    state = RunState(started_at=timezone.now().isoformat(), since=wanted[0], source=wanted[1])
    state.total = scope(since, source).count()
    save_state(state)
    return state, False


def _ids(state: RunState) -> list[int]:
    return list(pending(state).order_by("id").values_list("id", flat=True))


def batch_size_for(count: int, most: int = BATCH_SIZE) -> int:
    """Mentions per batch for a run of ``count``: at most ``most``, and small enough for
    ``MIN_BATCHES`` batches (never below ``MIN_BATCH_SIZE`` unless ``most`` is)."""
    return max(1, min(most, max(MIN_BATCH_SIZE, math.ceil(count / MIN_BATCHES))))


def _batches(ids: list[int], most: int) -> list[list[int]]:
    size = batch_size_for(len(ids), most)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _send(batches: list[list[int]], watermark: str) -> list[Any]:
    """Hand batches to the workers by task name (response/ does not import workers/); returns
    their results, which tell the waiting command when a batch is done."""
    from celery import current_app

    return [current_app.send_task(BATCH_TASK, args=[batch, watermark], queue=QUEUE) for batch in batches]


def _until_done_or(results: list[Any], seconds: float) -> None:
    """Sleep up to ``seconds``, less when every batch sent (``results``, emptied as they end) has
    finished before.

    The database stays the record (the caller counts it after each wake-up); a batch's result is
    only its notice. Redis delivers it the moment the last batch ends, where polling would round
    every run up to its next count. A result that never comes (Redis emptied, a message lost, no
    result backend) costs only the sleep."""
    if not results:
        time.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    while results:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        try:
            results[0].get(timeout=left, propagate=False)
        except Exception:  # celery's TimeoutError, NotImplementedError without a backend, Redis away
            logger.debug("reanalysis.result_wait", exc_info=True)
            time.sleep(max(0.0, deadline - time.monotonic()))
            return
        results.pop(0)


def listening_workers(timeout: float = 1.0) -> tuple[list[str], list[str]]:
    """(workers that answered, those of them consuming ``QUEUE``): batches sent to a queue no
    worker reads would wait there, and the command with them."""
    from celery import current_app

    answers = current_app.control.inspect(timeout=timeout).active_queues() or {}
    consuming = [name for name, queues in answers.items() if any(q.get("name") == QUEUE for q in queues or [])]
    return sorted(answers), sorted(consuming)


class Progress:
    """A one-line progress bar on a terminal's stderr (a plain line every 10 % elsewhere)."""

    def __init__(self, total: int, stream: TextIO | None = None, label: str = "重新研判") -> None:
        self.total, self.stream, self.label = max(total, 0), stream or sys.stderr, label
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self._last_tenth = -1

    def update(self, done: int) -> None:
        total = self.total or 1
        share = min(done / total, 1.0)
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        bar = "█" * int(share * 30) + "·" * (30 - int(share * 30))
        line = f"{self.label} [{bar}] {done}/{self.total} 条 {share:4.0%}  {rate:6.1f} 条/秒"
        if self.tty:
            self.stream.write("\r" + line)
            self.stream.flush()
        elif int(share * 10) != self._last_tenth:
            self._last_tenth = int(share * 10)
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def run(since: date | None = None, source: str | None = None, *, in_process: bool | None = None,
        wait: bool = True, restart: bool = False, batch_size: int = BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None, poll: float = 1.0,
        timeout: float | None = None) -> Outcome:
    """Judge the mentions (fetched since ``since``, of ``source``) again. ``in_process`` defaults to
    "no broker" (embedded mode); with workers the batches are sent and, when ``wait``, this waits
    until every mention of the run is above the watermark."""
    from celery import current_app

    if in_process is None:
        in_process = bool(current_app.conf.task_always_eager)
    state, resumed = start_or_resume(since, source, restart=restart)
    t0 = time.monotonic()
    ids = _ids(state)
    total = state.total if resumed else max(state.total, len(ids))
    outcome = Outcome(run=state, resumed=resumed, total=total, done=total - len(ids))
    report = progress or (lambda done, total: None)
    report(outcome.done, total)
    if in_process:
        for batch in _batches(ids, batch_size):
            result = judgement.analyse_batch(batch, judged_before=state.watermark)
            if result.cases_due:
                judgement.open_cases(result.cases_due)
            outcome.failed.update(result.failed)
            outcome.done += len(result.judged)
            report(outcome.done, total)
    else:
        results = _send(_batches(ids, batch_size), state.started_at)
        outcome.sent = len(results)
        if not wait:
            outcome.waited = False
            outcome.seconds = time.monotonic() - t0
            return outcome
        outcome.done = _wait(state, total, report, poll=poll, timeout=timeout, batch_size=batch_size,
                             results=results)
    remaining = pending(state).count()
    outcome.done = total - remaining
    if remaining == 0:
        state.finished_at = timezone.now().isoformat()
        save_state(state)
    outcome.seconds = time.monotonic() - t0
    logger.info("reanalysis.run done=%d total=%d failed=%d seconds=%.1f", outcome.done, total,
                len(outcome.failed), outcome.seconds)
    return outcome


def _wait(state: RunState, total: int, report: Callable[[int, int], None], *, poll: float,
          timeout: float | None, batch_size: int, results: list[Any] | None = None) -> int:
    """Count the database (the record) until the run's mentions are all judged again, after each
    batch's notice or every ``poll`` seconds; re-send what a dead worker held or a lost message
    carried, a few times, then give up and report it."""
    results = list(results or [])
    started = time.monotonic()
    deadline = started + timeout if timeout else None
    last_change, last_remaining, resends = time.monotonic(), None, 0
    while True:
        remaining = pending(state).count()
        report(total - remaining, total)
        if remaining == 0:
            return total
        if remaining != last_remaining:
            last_remaining, last_change = remaining, time.monotonic()
        elif time.monotonic() - last_change > RESEND_AFTER.total_seconds():
            if resends >= RESENDS:
                return total - remaining
            cutoff = timezone.now() - judgement.ANALYSIS_LEASE
            free = pending(state).filter(Q(analysis_claimed_at__isnull=True) | Q(analysis_claimed_at__lt=cutoff))
            stuck = list(free.order_by("id").values_list("id", flat=True))
            if stuck:
                logger.warning("reanalysis.resend count=%d first=%s", len(stuck), stuck[0])
                results += _send(_batches(stuck, batch_size), state.started_at)
            resends += 1
            last_change = time.monotonic()
        if deadline is not None and time.monotonic() > deadline:
            return total - remaining
        # Short polls while the run is young, ``poll`` at most (a run of hours does not count its
        # mentions many times a second); the end of the last batch wakes the wait at once.
        _until_done_or(results, min(poll, max(MIN_POLL, (time.monotonic() - started) / 20)))


def summary(outcome: Outcome) -> dict[str, Any]:
    return {"started_at": outcome.run.started_at, "resumed": outcome.resumed, "total": outcome.total,
            "done": outcome.done, "remaining": outcome.remaining, "failed": len(outcome.failed),
            "seconds": round(outcome.seconds, 2)}

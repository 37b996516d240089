"""The database is the record, the broker carries hints: send work after it is committed, and send
again whatever was stored but did not progress (a killed worker, a lost message, a broker outage).

Every sender of analysis goes through ``send_analysis``; beat runs ``redrive`` every minute.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from response.models import Mention
from response.services import crawling, judgement

logger = logging.getLogger(__name__)

# Analysis is sent in batches of ids, one task each; the one-mention task stays for messages
# already queued and for a failed mention's retry alone.
ANALYSE_TASK = "yuqing.analyse.batch"
ANALYSE_ONE_TASK = "yuqing.analyse.mention"
OPEN_CASE_TASK = "yuqing.triage.open_case"
# Mentions per analysis task: large enough that the models, the queries and the Redis calls are
# paid per batch, small enough that a crawl's first batch reaches the queue within seconds and
# that both worker processes get work from a crawl of a few hundred items.
BATCH_SIZE = 50
BATCH_TASKS = {ANALYSE_TASK}
# Ids per UPDATE (SQLite's bound-parameter limit, short PostgreSQL locks).
CHUNK = 500
# Mentions re-sent per run of the re-drive: a backlog drains over a few minutes instead of
# flooding the queue in one go.
ANALYSIS_BATCH = 500
OPEN_CASE_BATCH = 200


@dataclass
class RedriveReport:
    analysis: int = 0
    open_case: int = 0
    crawl_runs: int = 0

    @property
    def total(self) -> int:
        return self.analysis + self.open_case + self.crawl_runs


def _send_now(name: str, ids: list[int]) -> None:
    """Hand ids to the task by name (response/ does not import workers/). A broker that cannot
    be reached is logged, not raised: the stored stamp lets the re-drive send again later."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    task = current_app.tasks[name]
    if name in BATCH_TASKS:
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start:start + BATCH_SIZE]
            try:
                task.delay(batch)
            except (OperationalError, OSError):
                logger.exception("redrive.send_failed task=%s ids=%s…", name, batch[:3])
        return
    for pk in ids:
        try:
            task.delay(pk)
        except (OperationalError, OSError):
            logger.exception("redrive.send_failed task=%s id=%s", name, pk)


def _send_after_commit(name: str, ids: list[int]) -> None:
    from celery import current_app

    if current_app.conf.task_always_eager:
        # Embedded mode runs the task here, on this connection: it sees the rows uncommitted.
        _send_now(name, ids)
    else:
        # A worker is another connection: a message sent before the commit could find no row.
        transaction.on_commit(lambda: _send_now(name, ids))


def send_analysis(mention_ids: Iterable[int], now: datetime | None = None) -> int:
    """Queue the analysis of these mentions: stamp ``analysis_queued_at`` (so the re-drive knows
    they were sent), then send one task per batch of ``BATCH_SIZE`` once the transaction commits."""
    ids = list(dict.fromkeys(mention_ids))
    if not ids:
        return 0
    now = now or timezone.now()
    for start in range(0, len(ids), CHUNK):
        Mention.objects.filter(pk__in=ids[start:start + CHUNK], analysed_at__isnull=True).update(
            analysis_queued_at=now)
    _send_after_commit(ANALYSE_TASK, ids)
    return len(ids)


def _open_case_key(mention_id: int) -> str:
    return f"yuqing:redrive:open_case:{mention_id}"


def redrive_analysis(now: datetime | None = None) -> int:
    ids = judgement.stale_unanalysed(now, limit=ANALYSIS_BATCH)
    if ids:
        logger.warning("redrive.analysis count=%d first=%s", len(ids), ids[0])
    return send_analysis(ids, now)


def redrive_open_cases(now: datetime | None = None) -> int:
    """Send ``open_case`` again for judged mentions that should have a case and have none. Opening
    is idempotent by origin; the mark in the cache only keeps a slow queue from getting a copy
    every minute (no stamp on the mention says when this was last sent)."""
    window = int(judgement.RESEND_AFTER.total_seconds())
    ids = [pk for pk in judgement.stale_uncased(now, limit=OPEN_CASE_BATCH)
           if cache.add(_open_case_key(pk), 1, timeout=window)]
    if ids:
        logger.warning("redrive.open_case count=%d first=%s", len(ids), ids[0])
        _send_after_commit(OPEN_CASE_TASK, ids)
    return len(ids)


def redrive(now: datetime | None = None) -> RedriveReport:
    """One pass of the re-drive; running it again at once sends nothing twice."""
    return RedriveReport(
        analysis=redrive_analysis(now),
        open_case=redrive_open_cases(now),
        crawl_runs=len(crawling.fail_stale_runs(now)),
    )

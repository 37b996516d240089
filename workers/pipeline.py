"""Analysis and triage tasks: judge mentions in batches, then open cases when their level says so."""
from __future__ import annotations

import logging
from datetime import datetime

from celery.signals import worker_init

from response.services import analyzer_config, judgement, redrive
from workers.base import yuqing_task

logger = logging.getLogger("workers")


@worker_init.connect
def _load_models_before_forking(**_) -> None:
    # The main process loads the models once; the pool processes it forks inherit them.
    try:
        analyzer_config.warm_models()
    except Exception:  # a worker that cannot load them now still starts and fails per task, visibly
        logger.exception("worker.models_not_loaded")


@yuqing_task("yuqing.analyse.mention")
def analyse_mention(mention_id: int) -> dict:
    mention = judgement.analyse_mention(mention_id)
    if mention.analysed_at is None:
        # Another delivery holds the lease and will chain the case itself.
        return {"mention": mention.pk, "skipped": "leased"}
    open_case_if_due.delay(mention_id)
    return {"mention": mention.pk, "urgency": mention.urgency, "flagged": mention.flagged}


@yuqing_task("yuqing.analyse.batch")
def analyse_batch(mention_ids: list[int], judged_before: str | None = None) -> dict:
    """Judge a batch of ids (``judged_before``: a re-analysis run's start, ISO format). A failed
    mention is retried alone by the one-mention task; the batch's cases are opened by one task."""
    before = datetime.fromisoformat(judged_before) if judged_before else None
    report = judgement.analyse_batch(mention_ids, judged_before=before)
    if before is None:
        for pk in report.failed:
            try:
                analyse_mention.apply_async((pk,), countdown=10)
            except Exception:  # eager mode runs it here; its lease is back, the re-drive finds it
                logger.exception("analyse.batch_retry_failed mention=%s", pk)
    if report.cases_due:
        open_cases_if_due.delay(report.cases_due)
    return report.as_dict()


@yuqing_task("yuqing.triage.open_cases")
def open_cases_if_due(mention_ids: list[int]) -> list[int]:
    return judgement.open_cases(mention_ids)


@yuqing_task("yuqing.triage.open_case")
def open_case_if_due(mention_id: int) -> int | None:
    case = judgement.maybe_open_case(mention_id)
    return case.pk if case else None


# Beat runs this every minute (the name is kept from the 15-minute sweep it replaced, so schedules
# already installed keep working). Expires before the next run: a backlog of re-drives is useless.
@yuqing_task("yuqing.analyse.sweep", max_retries=0, expires=55)
def requeue_unanalysed() -> int:
    """Nothing is lost: analysis and case opening whose task died (worker killed, message lost,
    retries spent) are sent again, and crawl runs whose worker died are recorded as failed."""
    report = redrive.redrive()
    if report.total:
        logger.warning("redrive.done analysis=%d open_case=%d crawl_runs=%d",
                       report.analysis, report.open_case, report.crawl_runs)
    return report.total

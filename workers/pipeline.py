"""Analysis and triage tasks: judge a mention, then open a case when its level says so."""
from __future__ import annotations

import logging

from response.services import judgement, redrive
from workers.base import yuqing_task

logger = logging.getLogger("workers")


@yuqing_task("yuqing.analyse.mention")
def analyse_mention(mention_id: int) -> dict:
    mention = judgement.analyse_mention(mention_id)
    if mention.analysed_at is None:
        # Another delivery holds the lease and will chain the case itself.
        return {"mention": mention.pk, "skipped": "leased"}
    open_case_if_due.delay(mention_id)
    return {"mention": mention.pk, "urgency": mention.urgency, "flagged": mention.flagged}


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

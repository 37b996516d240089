"""Analysis and triage tasks: judge a mention, then open a case when its level says so."""
from __future__ import annotations

from response.services import judgement
from workers.base import yuqing_task


@yuqing_task("yuqing.analyse.mention")
def analyse_mention(mention_id: int) -> dict:
    mention = judgement.analyse_mention(mention_id)
    open_case_if_due.delay(mention_id)
    return {"mention": mention.pk, "urgency": mention.urgency, "flagged": mention.flagged}


@yuqing_task("yuqing.triage.open_case")
def open_case_if_due(mention_id: int) -> int | None:
    case = judgement.maybe_open_case(mention_id)
    return case.pk if case else None


@yuqing_task("yuqing.analyse.sweep", max_retries=0, expires=600)
def requeue_unanalysed() -> int:
    """Nothing is lost: a mention whose analysis task died (worker lost, retries spent) is queued again."""
    ids = judgement.stale_unanalysed()
    for mention_id in ids:
        analyse_mention.delay(mention_id)
    return len(ids)

"""Crawl tasks: each source on its own schedule, each crawl in its own subprocess."""
from __future__ import annotations

from response.services import crawling
from workers.base import yuqing_task


@yuqing_task("yuqing.crawl.source", max_retries=2)
def crawl_source(source_id: int) -> dict:
    from workers.pipeline import analyse_mention

    outcome = crawling.crawl_source(source_id)
    for mention_id in outcome.new_ids:
        analyse_mention.delay(mention_id)
    return {"run": outcome.run_id, "found": outcome.found, "new": len(outcome.new_ids), "new_ids": outcome.new_ids,
            "error": outcome.error, "blind": outcome.blind}


@yuqing_task("yuqing.schedule.crawls", max_retries=0, expires=240)
def schedule_crawls() -> list[int]:
    """Beat calls this every few minutes; it fans out one crawl task per due source."""
    due = crawling.due_sources()
    for source_id in due:
        crawl_source.delay(source_id)
    return due

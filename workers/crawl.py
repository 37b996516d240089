"""Crawl tasks: each source on its own schedule, each crawl in its own subprocess."""
from __future__ import annotations

from response.services import crawling, redrive
from workers.base import yuqing_task


# A crawler that cannot run fails the same way on a retry, and each retry would count as another
# failed run of the source: it is recorded and reported, not retried (beat runs it again on schedule).
@yuqing_task("yuqing.crawl.source", max_retries=2, dont_autoretry_for=(crawling.CrawlerCrashed,))
def crawl_source(source_id: int) -> dict:
    sent: set[int] = set()

    def send(ids: list[int]) -> None:
        # Each chunk the crawl stores goes for analysis at once: a long crawl's first flagged
        # item reaches the queue within seconds of being fetched, not after the crawl's last page.
        redrive.send_analysis(ids)
        sent.update(ids)

    outcome = crawling.crawl_source(source_id, on_new_ids=send)
    # Items a dying crawler had already written are stored: they are judged all the same. Only
    # what was not sent during the crawl goes now (a chunk whose sending failed). Should this
    # worker die before sending, the re-drive finds them stored and never sent.
    redrive.send_analysis([pk for pk in outcome.new_ids if pk not in sent])
    if outcome.crashed:
        raise crawling.CrawlerCrashed(f"采集进程未能运行完毕（采集记录 {outcome.run_id}）：{outcome.error}")
    return {"run": outcome.run_id, "found": outcome.found, "new": len(outcome.new_ids), "new_ids": outcome.new_ids,
            "error": outcome.error, "blind": outcome.blind}


# Beat ticks every CRAWL_TICK_SECONDS. A tick not run before the next one is dropped: the next asks
# afresh, so a backlog of ticks (a busy default queue) never fans out the same sources again.
@yuqing_task("yuqing.schedule.crawls", max_retries=0, expires=crawling.CRAWL_TICK_SECONDS - 1)
def schedule_crawls() -> list[int]:
    """Sends one crawl per due source; a source already sent is not sent again until its crawl
    has run (due_sources claims it), and a crawl no worker starts in time expires."""
    due = crawling.due_sources(claim=True)
    for source_id in due:
        crawl_source.apply_async((source_id,), expires=crawling.CRAWL_SEND_EXPIRES)
    return due

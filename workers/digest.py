"""Weekly digest tasks: beat calls the fan-out; one delivery task per recipient and scope."""
from __future__ import annotations

from response.services import digest
from workers.base import yuqing_task


@yuqing_task("yuqing.digest.schedule", max_retries=0, expires=6 * 3600)
def schedule_digests(week: str | None = None) -> list[list[str]]:
    """Fan out last week's digest (or `week`): the week is fixed here, so a late retry mails the same week."""
    label = week or digest.Week.previous_to_now().label
    targets = digest.all_targets()
    for recipient, scope in targets:
        deliver_digest.delay(label, recipient, scope)
    return [[label, recipient, scope] for recipient, scope in targets]


@yuqing_task("yuqing.digest.deliver", bind=True, max_retries=5)
def deliver_digest(self, week: str, recipient: str, scope: str) -> dict:
    outcome = digest.deliver_digest(week, recipient, scope)
    if outcome.status == "busy" and not self.request.is_eager:
        # Another worker holds a fresh claim; look again once it would count as stale.
        raise self.retry(countdown=int(digest.deliver.stale_after().total_seconds()) + 60)
    return {"status": outcome.status, "delivery": outcome.delivery_id}

"""Notification tasks: deliver one notification by id; flush the deferred and the failed."""
from __future__ import annotations

from response.services import notify
from workers.base import yuqing_task


# No result is stored: the outcome is on the Notification row, and nobody waits on the task.
@yuqing_task("yuqing.notify.deliver", max_retries=3, ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    # Idempotent: delivery claims the row first, so a re-delivered task sends nothing twice.
    # Send failures are recorded on the row and retried by flush with back-off, not raised here.
    return notify.deliver(notification_id)


@yuqing_task("yuqing.notify.flush", max_retries=0, expires=240)
def flush_notifications() -> int:
    return len(notify.flush_due())

"""Deadline tasks: beat runs the check every few minutes; the work is in response.services.escalation."""
from __future__ import annotations

from response.services import escalation
from workers.base import yuqing_task


@yuqing_task("yuqing.deadlines.check", max_retries=2, expires=240)
def check_deadlines() -> dict:
    # Safe to run concurrently or twice: a Redis lock lets one run work, unique keys do the rest.
    report = escalation.check_deadlines()
    return {"clocks": report.clocks, "new_stages": report.created, "skipped": report.skipped}

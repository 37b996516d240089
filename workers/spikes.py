"""Hourly spike check over every watch plan."""
from __future__ import annotations

from response.services import spikes
from workers.base import yuqing_task


@yuqing_task("yuqing.spikes.check", max_retries=2, expires=1800)
def check_spikes() -> list[int]:
    return [alert.pk for alert in spikes.check_spikes()]

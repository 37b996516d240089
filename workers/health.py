"""Source health check: silent sources go blind; the duty officers hear once per blind episode."""
from __future__ import annotations

from response.services import health
from workers.base import yuqing_task


@yuqing_task("yuqing.health.sources", max_retries=2, expires=600)
def check_sources() -> list[str]:
    return health.check_sources()

"""Default beat schedules (django-celery-beat), stored in the database so the admin can edit them."""
from __future__ import annotations

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from response.services.crawling import CRAWL_TICK_SECONDS

# When a schedule runs: every N minutes, every (N, IntervalSchedule.SECONDS / MINUTES / ...), or a
# crontab dict in Asia/Shanghai.
When = int | tuple[int, str] | dict

DEFAULT_SCHEDULES: dict[str, tuple[str, When]] = {
    # Often and cheap (one query over the sources): each source is crawled at its own interval,
    # not at the interval rounded up to the next tick (see crawling.due_sources).
    "按计划采集各采集源": ("yuqing.schedule.crawls", (CRAWL_TICK_SECONDS, IntervalSchedule.SECONDS)),
    "检查采集源健康（失明告警）": ("yuqing.health.sources", 15),
    # The re-drive: analysis, case opening and crawl runs whose worker died (see services/redrive.py).
    "重新研判丢失任务的条目": ("yuqing.analyse.sweep", 1),
    "检测各监测方案声量突增（每小时）": ("yuqing.spikes.check", {"minute": "5"}),
    "检查案件时限（预警、升级、催办）": ("yuqing.deadlines.check", 5),
    "补发免打扰期间与失败的通知": ("yuqing.notify.flush", 5),
    "每周一发送舆情周报": ("yuqing.digest.schedule", {"minute": "0", "hour": "8", "day_of_week": "1"}),
}


# Defaults that changed since earlier releases. A row still exactly as an earlier release installed
# it is moved to the new default; a row someone edited in the admin is theirs and left alone.
PREVIOUS_DEFAULTS: dict[str, tuple[str, When]] = {
    # Every 15 minutes left a killed worker's mentions unjudged for up to a quarter of an hour.
    "重新研判丢失任务的条目": ("yuqing.analyse.sweep", 15),
    # Every 5 minutes rounded each source's interval up to a multiple of 5 minutes, plus a tick.
    "按计划采集各采集源": ("yuqing.schedule.crawls", 5),
}


def _every(when: int | tuple[int, str]) -> tuple[int, str]:
    """(every, period) of an interval schedule: a bare number counts minutes."""
    return (when, IntervalSchedule.MINUTES) if isinstance(when, int) else when


def _upgrade(row: PeriodicTask, task: str, when: When) -> bool:
    old = PREVIOUS_DEFAULTS.get(row.name)
    interval = row.interval
    if not (old and interval and not isinstance(old[1], dict) and not isinstance(when, dict)
            and row.task == old[0] and (interval.every, interval.period) == _every(old[1])):
        return False
    every, period = _every(when)
    row.task = task
    row.interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    row.save(update_fields=["task", "interval"])
    return True


def install_schedules(extra: dict[str, tuple[str, When]] | None = None) -> int:
    """Create missing schedules; existing ones (perhaps edited in the admin) are left alone, except
    that a row still on an earlier release's default moves to the current one."""
    created = 0
    for name, (task, when) in {**DEFAULT_SCHEDULES, **(extra or {})}.items():
        row = PeriodicTask.objects.filter(name=name).select_related("interval").first()
        if row is not None:
            _upgrade(row, task, when)
            continue
        if isinstance(when, dict):
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Shanghai", **when)
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)
        else:
            every, period = _every(when)
            interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
            PeriodicTask.objects.create(name=name, task=task, interval=interval)
        created += 1
    return created

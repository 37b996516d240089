"""Default beat schedules (django-celery-beat), stored in the database so the admin can edit them."""
from __future__ import annotations

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# name → (task, every N minutes) or (task, crontab dict in Asia/Shanghai)
DEFAULT_SCHEDULES: dict[str, tuple[str, int | dict]] = {
    "按计划采集各采集源": ("yuqing.schedule.crawls", 5),
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
PREVIOUS_DEFAULTS: dict[str, tuple[str, int]] = {
    # Every 15 minutes left a killed worker's mentions unjudged for up to a quarter of an hour.
    "重新研判丢失任务的条目": ("yuqing.analyse.sweep", 15),
}


def _upgrade(row: PeriodicTask, task: str, every: int) -> bool:
    old = PREVIOUS_DEFAULTS.get(row.name)
    interval = row.interval
    if not (old and interval and row.task == old[0] and interval.every == old[1]
            and interval.period == IntervalSchedule.MINUTES):
        return False
    row.task = task
    row.interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.MINUTES)
    row.save(update_fields=["task", "interval"])
    return True


def install_schedules(extra: dict[str, tuple[str, int | dict]] | None = None) -> int:
    """Create missing schedules; existing ones (perhaps edited in the admin) are left alone, except
    that a row still on an earlier release's default moves to the current one."""
    created = 0
    for name, (task, when) in {**DEFAULT_SCHEDULES, **(extra or {})}.items():
        row = PeriodicTask.objects.filter(name=name).select_related("interval").first()
        if row is not None:
            if isinstance(when, int):
                _upgrade(row, task, when)
            continue
        if isinstance(when, int):
            interval, _ = IntervalSchedule.objects.get_or_create(every=when, period=IntervalSchedule.MINUTES)
            PeriodicTask.objects.create(name=name, task=task, interval=interval)
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Shanghai", **when)
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)
        created += 1
    return created

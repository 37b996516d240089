"""Default beat schedules (django-celery-beat), stored in the database so the admin can edit them."""
from __future__ import annotations

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# name → (task, every N minutes) or (task, crontab dict in Asia/Shanghai)
DEFAULT_SCHEDULES: dict[str, tuple[str, int | dict]] = {
    "按计划采集各采集源": ("yuqing.schedule.crawls", 5),
    "检查采集源健康（失明告警）": ("yuqing.health.sources", 15),
    "重新研判丢失任务的条目": ("yuqing.analyse.sweep", 15),
    "检测各监测方案声量突增（每小时）": ("yuqing.spikes.check", {"minute": "5"}),
    "检查案件时限（预警、升级、催办）": ("yuqing.deadlines.check", 5),
    "补发免打扰期间与失败的通知": ("yuqing.notify.flush", 5),
    "每周一发送舆情周报": ("yuqing.digest.schedule", {"minute": "0", "hour": "8", "day_of_week": "1"}),
}


def install_schedules(extra: dict[str, tuple[str, int | dict]] | None = None) -> int:
    """Create missing schedules; existing ones (perhaps edited in the admin) are left alone."""
    created = 0
    for name, (task, when) in {**DEFAULT_SCHEDULES, **(extra or {})}.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        if isinstance(when, int):
            interval, _ = IntervalSchedule.objects.get_or_create(every=when, period=IntervalSchedule.MINUTES)
            PeriodicTask.objects.create(name=name, task=task, interval=interval)
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Shanghai", **when)
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)
        created += 1
    return created

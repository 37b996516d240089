"""Working days on the Chinese public-holiday calendar, with its make-up working days (调休).

The `chinesecalendar` package knows the years the State Council has announced. For a year it
does not know, the office enters that year's holidays in the admin (CalendarDay); until they do,
we fall back to Monday–Friday and say so loudly in the log and in `unknown_years()`.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

from response.models import CalendarDay

logger = logging.getLogger(__name__)
_warned: set[int] = set()


@lru_cache(maxsize=64)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def unknown_years(years: list[int]) -> list[int]:
    """Years neither the package nor the admin's CalendarDay rows cover."""
    covered = set(CalendarDay.objects.filter(date__year__in=years).dates("date", "year"))
    covered_years = {d.year for d in covered}
    return [y for y in years if not _package_knows(y) and y not in covered_years]


def is_workday(day: date) -> bool:
    """Admin overrides first, then the package; for an unknown year Monday–Friday plus a loud log.

    Once the office has entered any day of an unknown year we take the year as entered (the
    admin lists the holidays and make-up days; every other day follows the weekday rule) and
    stop warning.
    """
    override = CalendarDay.objects.filter(date=day).values_list("is_workday", flat=True).first()
    if override is not None:
        return override
    if _package_knows(day.year):
        return chinese_calendar.is_workday(day)
    if day.year not in _warned and not CalendarDay.objects.filter(date__year=day.year).exists():
        _warned.add(day.year)
        logger.error(
            "workdays.unknown_year: %s 年节假日安排未知（日历包未收录），暂按周一至周五计算；"
            "请在管理后台“节假日调整”中录入该年安排", day.year,
        )
    return day.weekday() < 5


def shift_working_days(moment: datetime, days: int) -> datetime:
    """The same local time of day, `days` working days later (how an extension moves a due time)."""
    local = timezone.localtime(moment)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    naive = datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def add_working_days(start: datetime, days: int) -> datetime:
    """End of the `days`-th working day after `start` (local time), the usual 12345 reading.

    The day the item arrives does not count; the deadline is the close of business
    (23:59:59 local) of the last working day.
    """
    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    end = datetime.combine(day, time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def end_of_same_day(start: datetime) -> datetime:
    local = timezone.localtime(start)
    end = datetime.combine(local.date(), time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())

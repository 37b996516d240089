"""When the office enters holidays or make-up days (CalendarDay), open clocks follow at once.

A clock counted on a guessed calendar (a year the calendar package does not know yet) was marked
暂定; once the year's days are entered, every running clock whose span reaches the changed day is
recomputed through the one deadline path, so each moved due time is audited.
"""
from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from response.models import Case, CaseClock
from response.services.business_rules import running_states
from response.services.deadlines import recompute_clocks
from response.services.workdays import unknown_years


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def on_calendar_day_changed(day: date, user: Any = None) -> list[Case]:
    """Recompute the running clocks whose span covers `day`; returns the cases whose clocks moved."""
    affected = (
        CaseClock.objects.filter(stopped_at__isnull=True, case__state__in=running_states(),
                                 started_at__lt=_start_of(day) + timedelta(days=1),
                                 due_at__gte=_start_of(day))
        .values_list("case_id", flat=True).distinct()
    )
    forget_banner()
    changed = []
    for case in Case.objects.filter(pk__in=list(affected)):
        before = dict(case.clocks.values_list("clock", "due_at"))
        recompute_clocks(case, user=user, note=f"节假日调整：{day:%Y-%m-%d} 的安排已变更，时限按新的日历重算")
        if dict(case.clocks.values_list("clock", "due_at")) != before:
            changed.append(case)
    return changed


BANNER_CACHE_KEY = "yuqing:calendar:unknown-years"


def open_clock_unknown_years(now: datetime | None = None) -> list[int]:
    """Years from this one to the furthest running clock's due time whose holidays nobody knows."""
    now = now or timezone.now()
    this_year = timezone.localtime(now).year
    last = (CaseClock.objects.filter(stopped_at__isnull=True, case__state__in=running_states())
            .order_by("-due_at").values_list("due_at", flat=True).first())
    last_year = max(this_year, timezone.localtime(last).year if last else this_year)
    return unknown_years(list(range(this_year, last_year + 1)))


def banner_years() -> list[int]:
    """`open_clock_unknown_years` for every page, cached for a minute (the cache may be gone: then
    it is computed each time — the warning must never break a page)."""
    from django.core.cache import cache

    try:
        cached = cache.get(BANNER_CACHE_KEY)
    except Exception:  # an unreachable cache degrades to no cache
        cached = None
    if cached is not None:
        return list(cached)
    years = open_clock_unknown_years()
    with contextlib.suppress(Exception):
        cache.set(BANNER_CACHE_KEY, years, 60)
    return years


def forget_banner() -> None:
    from django.core.cache import cache

    with contextlib.suppress(Exception):
        cache.delete(BANNER_CACHE_KEY)


def note_new_due(moment: datetime) -> None:
    """A clock now reaches `moment`: if its year is unknown, the banner must show at once."""
    if is_provisional(moment):
        forget_banner()


def is_provisional(moment: datetime | None) -> bool:
    """A due time in a year whose holidays are unknown is only an estimate (暂定)."""
    if moment is None:
        return False
    return bool(unknown_years([timezone.localtime(moment).year]))

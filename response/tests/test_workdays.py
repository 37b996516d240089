"""Working days on the real 2026 holiday calendar (from the chinesecalendar package) and the
unknown-year fallback with admin overrides."""
from __future__ import annotations

import logging
from datetime import date, datetime

import chinese_calendar
import pytest
from django.utils import timezone

from response.models import CalendarDay
from response.services import workdays


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def test_package_knows_the_2026_spring_festival_schedule():
    # Verified against the package, not from memory: Feb 15–23 off, Feb 14 and Feb 28 make-up days.
    off = [date(2026, 2, d) for d in range(15, 24)]
    assert all(not chinese_calendar.is_workday(d) for d in off)
    assert chinese_calendar.is_workday(date(2026, 2, 14)) and date(2026, 2, 14).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 2, 28)) and date(2026, 2, 28).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5


@pytest.mark.django_db
def test_make_up_saturday_counts_and_holiday_week_does_not():
    # Friday 13 Feb: day 1 is the make-up Saturday, then nothing until Tuesday 24 Feb.
    assert workdays.add_working_days(local(2026, 2, 13, 10), 1) == local(2026, 2, 14, 23, 59, 59)
    assert workdays.add_working_days(local(2026, 2, 13, 10), 2) == local(2026, 2, 24, 23, 59, 59)
    assert workdays.add_working_days(local(2026, 2, 13, 10), 3) == local(2026, 2, 25, 23, 59, 59)


@pytest.mark.django_db
def test_national_day_2026():
    # Wednesday 30 Sep: Oct 1–7 off, Thursday 8, Friday 9, make-up Saturday 10.
    assert workdays.add_working_days(local(2026, 9, 30, 16), 3) == local(2026, 10, 10, 23, 59, 59)
    assert not workdays.is_workday(date(2026, 10, 11))


@pytest.mark.django_db
def test_shift_keeps_time_of_day_across_holidays():
    assert workdays.shift_working_days(local(2026, 9, 30, 14, 30), 1) == local(2026, 10, 8, 14, 30)
    assert workdays.shift_working_days(local(2026, 2, 13, 9, 15), 2) == local(2026, 2, 24, 9, 15)


@pytest.mark.django_db
def test_unknown_year_falls_back_loudly_then_admin_override_wins(caplog):
    workdays._warned.clear()
    assert workdays.unknown_years([2026, 2027]) == [2027]
    with caplog.at_level(logging.ERROR, logger="response.services.workdays"):
        # Fallback Monday–Friday wrongly counts New Year's Day 2027 (a Friday) as a working day.
        assert workdays.add_working_days(local(2026, 12, 30, 10), 3) == local(2027, 1, 4, 23, 59, 59)
    assert any("2027" in r.getMessage() and "节假日调整" in r.getMessage() for r in caplog.records)

    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
    CalendarDay.objects.create(date=date(2027, 1, 2), is_workday=True, note="调休上班(测试)")
    workdays._warned.clear()
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="response.services.workdays"):
        # Dec 31 → 1, Jan 2 (make-up Saturday) → 2, Jan 4 → 3.
        assert workdays.add_working_days(local(2026, 12, 30, 10), 3) == local(2027, 1, 4, 23, 59, 59)
        assert workdays.add_working_days(local(2026, 12, 31, 10), 1) == local(2027, 1, 2, 23, 59, 59)
    assert workdays.unknown_years([2027]) == []
    assert not [r for r in caplog.records if "2027" in r.getMessage()]


@pytest.mark.django_db
def test_admin_override_beats_the_package():
    CalendarDay.objects.create(date=date(2026, 3, 2), is_workday=False, note="本市临时放假")
    assert workdays.add_working_days(local(2026, 2, 27, 10), 2) == local(2026, 3, 3, 23, 59, 59)

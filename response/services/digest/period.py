"""ISO weeks in the bureau's time zone: the digest's unit of time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Week:
    """One ISO week, Monday 00:00 to the next Monday 00:00 in the bureau's local time."""

    year: int
    number: int

    @classmethod
    def parse(cls, label: str) -> Week:
        match = _WEEK_RE.match(label.strip())
        if not match:
            raise ValueError(f"周次格式应为 2026-W48，收到：{label!r}")
        year, number = int(match.group(1)), int(match.group(2))
        date.fromisocalendar(year, number, 1)  # raises ValueError for W53 in a 52-week year
        return cls(year, number)

    @classmethod
    def containing(cls, moment: datetime | date) -> Week:
        if isinstance(moment, datetime):
            moment = timezone.localtime(moment, local_zone()).date()
        year, number, _ = moment.isocalendar()
        return cls(year, number)

    @classmethod
    def previous_to_now(cls) -> Week:
        """The week a Monday-morning digest reports on: the last complete ISO week."""
        return cls.containing(timezone.now()).shifted(-1)

    def shifted(self, weeks: int) -> Week:
        return Week.containing(self.first_day + timedelta(weeks=weeks))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def first_day(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(7)]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), tzinfo=local_zone())

    @property
    def end(self) -> datetime:
        """Exclusive end: the next Monday 00:00 local time."""
        return datetime.combine(self.first_day + timedelta(days=7), datetime.min.time(), tzinfo=local_zone())

    @property
    def title(self) -> str:
        last = self.days[-1]
        first = self.first_day
        return f"{self.year}年第{self.number}周（{first.month}月{first.day}日—{last.month}月{last.day}日）"

    def __str__(self) -> str:
        return self.label

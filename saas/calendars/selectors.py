"""What kind of day a date is for this tenant: its own calendar first, then the national one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from saas.calendars.models import CalendarDay
from saas.holidays.models import DayKind, PublicHoliday

SATURDAY = 5


@dataclass(frozen=True)
class Day:
    date: date
    working: bool  # a working day (weekday, or a weekend day worked for 调休); else a day off
    holiday: bool  # a public or company holiday (not merely a weekend)
    name: str
    source: str  # "tenant", "national" or "week"
    official: bool = True


def day(on: date) -> Day:
    if own := CalendarDay.objects.filter(date=on).first():
        return _from(own, "tenant")
    if national := PublicHoliday.objects.filter(date=on).first():
        return _from(national, "national", official=national.official)
    return Day(on, working=on.weekday() < SATURDAY, holiday=False, name="", source="week")


def special_days(year: int) -> list[Day]:
    """Every date of the year that is not an ordinary weekday or weekend, as this tenant sees it."""
    own = {row.date: _from(row, "tenant") for row in CalendarDay.objects.filter(date__year=year)}
    national = {row.date: _from(row, "national", official=row.official)
                for row in PublicHoliday.objects.filter(date__year=year)}
    return [entry for _, entry in sorted({**national, **own}.items())]


def _from(row, source: str, official: bool = True) -> Day:
    holiday = row.kind == DayKind.HOLIDAY
    return Day(row.date, working=not holiday, holiday=holiday, name=row.name, source=source, official=official)

"""Which hours apply on a date, for any calendar (a center's or a department's).

Precedence, highest first: a one-off exception for that date; the year-end closure
(Dec 29 – Jan 3); Japanese public-holiday hours (substitute holidays and citizens'
holidays included, from ``jpholiday``); the hours of the day of the week. A day
type without hours is closed. Opening time is inside, closing time outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import jpholiday

from madoguchi.tenancy.models import Calendar, DayType, ExceptionKind

TOKYO = ZoneInfo("Asia/Tokyo")


def is_year_end_closure(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_public_holiday(day: date) -> bool:
    return bool(jpholiday.is_holiday(day))


def day_type(day: date) -> DayType:
    if is_public_holiday(day):
        return DayType.HOLIDAY
    weekday = day.weekday()
    if weekday == 5:
        return DayType.SATURDAY
    if weekday == 6:
        return DayType.SUNDAY
    return DayType.WEEKDAY


@dataclass(frozen=True)
class DayHours:
    """The hours of one date, with the reason they apply (shown to operators)."""

    day: date
    opens: time | None
    closes: time | None
    reason: str  # exception / year_end / holiday / saturday / sunday / weekday

    @property
    def is_open_day(self) -> bool:
        return self.opens is not None and self.closes is not None

    def interval(self) -> tuple[datetime, datetime] | None:
        if self.opens is None or self.closes is None:
            return None
        return (
            datetime.combine(self.day, self.opens, tzinfo=TOKYO),
            datetime.combine(self.day, self.closes, tzinfo=TOKYO),
        )


class CalendarRules:
    """A calendar loaded once (hours + exceptions), then evaluated for any number of dates."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.hours = {h.day_type: (h.opens, h.closes) for h in calendar.hours.all()}
        self.exceptions = {e.date: e for e in calendar.exceptions.all()}

    def day_hours(self, day: date) -> DayHours:
        exception = self.exceptions.get(day)
        if exception is not None:
            if exception.kind == ExceptionKind.CLOSED:
                return DayHours(day, None, None, "exception")
            return DayHours(day, exception.opens, exception.closes, "exception")
        if self.calendar.year_end_closure and is_year_end_closure(day):
            return DayHours(day, None, None, "year_end")
        kind = day_type(day)
        opens, closes = self.hours.get(kind, (None, None))
        return DayHours(day, opens, closes, str(kind))

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(TOKYO)
        interval = self.day_hours(local.date()).interval()
        return interval is not None and interval[0] <= local < interval[1]

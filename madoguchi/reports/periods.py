"""Report periods in Asia/Tokyo: day, ISO week (Monday first), month, fiscal half year
(April–September, October–March) and fiscal year (April–March)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from madoguchi.tenancy.calendars import TOKYO

PeriodKind = Literal["day", "week", "month", "half_year", "fiscal_year", "custom"]


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date  # first day, inclusive
    last: date  # last day, inclusive

    @property
    def since(self) -> datetime:
        """Start as an aware datetime (00:00 Tokyo of ``first``)."""
        return datetime.combine(self.first, time.min, tzinfo=TOKYO)

    @property
    def until(self) -> datetime:
        """Exclusive end (00:00 Tokyo of the day after ``last``)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=TOKYO)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.first:%Y-%m-%d}"
        if self.kind == "month":
            return f"{self.first.year}年{self.first.month}月"
        if self.kind == "half_year":
            half = "上半期" if self.first.month == 4 else "下半期"
            return f"{fiscal_year_of(self.first)}年度{half}"
        if self.kind == "fiscal_year":
            return f"{self.first.year}年度"
        return f"{self.first:%Y-%m-%d}〜{self.last:%Y-%m-%d}"


def fiscal_year_of(day: date) -> int:
    """The fiscal year (April–March) ``day`` belongs to, by its starting calendar year."""
    return day.year if day.month >= 4 else day.year - 1


def day_period(day: date) -> Period:
    return Period("day", day, day)


def week_period(day: date) -> Period:
    """The ISO week (Monday–Sunday) containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return Period("week", monday, monday + timedelta(days=6))


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", first, following - timedelta(days=1))


def half_year_period(day: date) -> Period:
    """April–September or October–March of the fiscal year containing ``day``."""
    year = fiscal_year_of(day)
    if 4 <= day.month <= 9:
        return Period("half_year", date(year, 4, 1), date(year, 9, 30))
    return Period("half_year", date(year, 10, 1), date(year + 1, 3, 31))


def fiscal_year_period(day: date) -> Period:
    year = fiscal_year_of(day)
    return Period("fiscal_year", date(year, 4, 1), date(year + 1, 3, 31))


def custom_period(first: date, last: date) -> Period:
    if last < first:
        raise ValueError("the period ends before it starts")
    return Period("custom", first, last)

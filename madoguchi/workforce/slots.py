"""Planning intervals of a day: anchored at the opening time, the last one may be shorter.

A center opening 08:30–19:00 with 60-minute intervals has 08:30–09:30, …, 17:30–18:30 and
18:30–19:00 (research note erlang.md: "slots are 60 min anchored at the opening time").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from madoguchi.tenancy.calendars import TOKYO, CalendarRules


@dataclass(frozen=True, slots=True)
class Slot:
    day: date
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0

    @property
    def label(self) -> str:
        """「08:30–09:30」 in Asia/Tokyo."""
        return f"{self.start.astimezone(TOKYO):%H:%M}–{self.end.astimezone(TOKYO):%H:%M}"


def day_slots(rules: CalendarRules, day: date, minutes: int) -> list[Slot]:
    """The planning intervals of ``day`` (none when the center is closed that day)."""
    interval = rules.day_hours(day).interval()
    if interval is None:
        return []
    opens, closes = interval
    step = timedelta(minutes=minutes)
    slots = []
    start = opens
    while start < closes:
        end = min(start + step, closes)
        slots.append(Slot(day, start, end))
        start = end
    return slots


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]

"""Workforce reads: planning intervals and the weekly seats report (WFM-3)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from madoguchi.calls.models import AgentState
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import ExceptionKind
from madoguchi.tenancy.tests.factories import CalendarExceptionFactory
from madoguchi.workforce.models import StaffingSettings
from madoguchi.workforce.selectors import slots_between, week_of, weekly_seats
from madoguchi.workforce.tests.factories import (
    AgentFactory,
    AgentStateEventFactory,
    CallIntervalFactory,
    StaffingPlanFactory,
)

MONDAY = date(2026, 5, 11)
SUNDAY = date(2026, 5, 17)


def tokyo(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TOKYO)


def test_slots_anchor_at_opening_and_the_last_is_shorter(iwaki):
    slots = slots_between(center=iwaki, first=MONDAY, last=MONDAY)  # 08:30–19:00, 60 min
    assert [s.label for s in slots][:2] == ["08:30–09:30", "09:30–10:30"]
    assert slots[-1].label == "18:30–19:00"
    assert slots[-1].minutes == 30
    assert len(slots) == 11
    StaffingSettings.objects.create(center=iwaki, interval_minutes=30)
    assert len(slots_between(center=iwaki, first=MONDAY, last=MONDAY)) == 21


def test_weekly_seats_planned_required_logged_in_offered_answered(iwaki):
    wednesday = date(2026, 5, 13)
    CalendarExceptionFactory(calendar=iwaki.calendar, date=wednesday, kind=ExceptionKind.CLOSED)
    StaffingPlanFactory(
        center=iwaki, start=tokyo(MONDAY, 9, 30), planned_agents=5, required_agents=4
    )
    first = AgentFactory(center=iwaki)
    second = AgentFactory(center=iwaki)
    AgentFactory(center=iwaki)  # never logged in
    other_center_agent = AgentFactory()
    # ``first`` works 09:00–10:00 on Monday; ``second`` logged in on Sunday the 10th and stays,
    # apart from a break 12:30–13:00 on Monday that still counts (離席 is logged in), and
    # logs out at 12:00 on Tuesday.
    AgentStateEventFactory(agent=first, at=tokyo(MONDAY, 9), state=AgentState.AVAILABLE)
    AgentStateEventFactory(agent=first, at=tokyo(MONDAY, 9, 20), state=AgentState.ON_CALL)
    AgentStateEventFactory(agent=first, at=tokyo(MONDAY, 10), state=AgentState.LOGGED_OUT)
    AgentStateEventFactory(agent=second, at=tokyo(date(2026, 5, 10), 16), state="available")
    AgentStateEventFactory(agent=second, at=tokyo(MONDAY, 12, 30), state=AgentState.NOT_READY)
    AgentStateEventFactory(agent=second, at=tokyo(date(2026, 5, 12), 12), state="logged_out")
    AgentStateEventFactory(agent=other_center_agent, at=tokyo(MONDAY, 8), state="available")
    CallIntervalFactory(center=iwaki, start=tokyo(MONDAY, 9, 30), offered=7, answered=6)
    CallIntervalFactory(
        center=iwaki, start=tokyo(MONDAY, 9, 45), offered=3, answered=3, dialed_number="+8124"
    )
    CallIntervalFactory(center=iwaki, start=tokyo(MONDAY, 9, 15), offered=2, answered=1)
    CallIntervalFactory(start=tokyo(MONDAY, 9, 30), offered=50, answered=50)  # other center

    rows = weekly_seats(center=iwaki, first=MONDAY, last=SUNDAY)

    # Mon, Tue, Thu, Fri: 11 intervals; Wednesday closed; Sat, Sun 08:30–17:00: 9.
    assert len(rows) == 4 * 11 + 2 * 9
    assert wednesday not in {row.day for row in rows}
    by_start = {row.interval.start: row for row in rows}
    nine_thirty = by_start[tokyo(MONDAY, 9, 30)]
    assert (nine_thirty.planned, nine_thirty.required) == (5, 4)
    assert (nine_thirty.offered, nine_thirty.answered) == (10, 9)
    assert nine_thirty.logged_in == pytest.approx(1.5)  # second all hour, first 30 min
    eight_thirty = by_start[tokyo(MONDAY, 8, 30)]
    assert (eight_thirty.planned, eight_thirty.required) == (None, None)
    assert (eight_thirty.offered, eight_thirty.answered) == (2, 1)
    assert eight_thirty.logged_in == pytest.approx(1.5)  # second all hour, first 09:00–09:30
    assert by_start[tokyo(MONDAY, 12, 30)].logged_in == pytest.approx(1.0)
    assert by_start[tokyo(MONDAY, 18, 30)].logged_in == pytest.approx(1.0)
    tuesday = date(2026, 5, 12)
    assert by_start[tokyo(tuesday, 11, 30)].logged_in == pytest.approx(0.5)
    assert by_start[tokyo(tuesday, 12, 30)].logged_in == 0.0
    assert sum(row.offered for row in rows) == 12


def test_weekly_seats_of_a_closed_week_is_empty(iwaki):
    assert weekly_seats(center=iwaki, first=date(2026, 12, 29), last=date(2027, 1, 3)) == []
    assert weekly_seats(center=iwaki, first=SUNDAY, last=MONDAY) == []


def test_week_of():
    assert week_of(date(2026, 5, 14)) == (MONDAY, SUNDAY)


def test_weekly_seats_query_count_does_not_grow_with_rows(iwaki, django_assert_num_queries):
    """Settings, calendar (+ hours, exceptions), plans, agents' state before, state events,
    CallInterval totals, Call rows: 9 queries for a day or a week, whatever the data."""
    for i in range(5):
        agent = AgentFactory(center=iwaki)
        AgentStateEventFactory(agent=agent, at=tokyo(MONDAY, 9 + i), state="available")
        StaffingPlanFactory(center=iwaki, start=tokyo(MONDAY, 8 + i, 30))
        CallIntervalFactory(center=iwaki, start=tokyo(MONDAY, 9 + i, 15))
    with django_assert_num_queries(9):
        week = weekly_seats(center=iwaki, first=MONDAY, last=SUNDAY)
    with django_assert_num_queries(9):
        day = weekly_seats(center=iwaki, first=MONDAY, last=MONDAY)
    assert len(week) == 5 * 11 + 2 * 9 and len(day) == 11
    assert [row.planned for row in day[:5]] == [5] * 5

from datetime import date, datetime, timedelta

import pytest

from madoguchi.reports.periods import (
    custom_period,
    day_period,
    fiscal_year_of,
    fiscal_year_period,
    half_year_period,
    month_period,
    week_period,
)
from madoguchi.tenancy.calendars import TOKYO


def test_day_runs_from_midnight_to_midnight_in_tokyo():
    period = day_period(date(2026, 11, 20))
    assert period.since == datetime(2026, 11, 20, tzinfo=TOKYO)
    assert period.until == datetime(2026, 11, 21, tzinfo=TOKYO)
    assert period.until - period.since == timedelta(days=1)
    assert period.label == "2026-11-20"


def test_iso_week_starts_on_monday():
    period = week_period(date(2026, 11, 22))  # a Sunday
    assert (period.first, period.last) == (date(2026, 11, 16), date(2026, 11, 22))
    assert period.days == 7


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_month(day, first, last):
    period = month_period(day)
    assert (period.first, period.last) == (first, last)


def test_fiscal_year_runs_april_to_march():
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert fiscal_year_of(date(2027, 4, 1)) == 2027
    period = fiscal_year_period(date(2027, 1, 15))
    assert (period.first, period.last) == (date(2026, 4, 1), date(2027, 3, 31))
    assert period.label == "2026年度"


def test_half_years():
    first = half_year_period(date(2026, 9, 30))
    second = half_year_period(date(2027, 2, 1))
    assert (first.first, first.last, first.label) == (
        date(2026, 4, 1),
        date(2026, 9, 30),
        "2026年度上半期",
    )
    assert (second.first, second.last, second.label) == (
        date(2026, 10, 1),
        date(2027, 3, 31),
        "2026年度下半期",
    )


def test_custom_period_refuses_a_reversed_range():
    with pytest.raises(ValueError, match="ends before"):
        custom_period(date(2026, 5, 2), date(2026, 5, 1))
    assert custom_period(date(2026, 5, 1), date(2026, 5, 3)).label == "2026-05-01〜2026-05-03"

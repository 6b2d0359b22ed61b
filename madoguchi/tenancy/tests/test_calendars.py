"""Which hours apply when: the reference calendars loaded by ``load_scenario``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from madoguchi.tenancy import services
from madoguchi.tenancy.calendars import TOKYO, day_type, is_public_holiday, is_year_end_closure
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import DayType, ExceptionKind
from madoguchi.tenancy.selectors import (
    calendar_day_hours,
    calendar_days,
    is_open,
    next_business_day,
    opening_interval,
)


def jst(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=TOKYO)


# --- pure date rules (no database) ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 5), DayType.WEEKDAY),  # Monday
        (date(2026, 1, 10), DayType.SATURDAY),
        (date(2026, 1, 4), DayType.SUNDAY),
        (date(2026, 1, 12), DayType.HOLIDAY),  # 成人の日
        (date(2026, 5, 6), DayType.HOLIDAY),  # 振替休日
        (date(2026, 9, 22), DayType.HOLIDAY),  # 国民の休日
        (date(2026, 11, 3), DayType.HOLIDAY),  # 文化の日
        (date(2026, 5, 3), DayType.HOLIDAY),  # 憲法記念日 on a Sunday: holiday wins
    ],
)
def test_day_type(day, expected):
    assert day_type(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 28), False),
        (date(2026, 12, 29), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), True),
        (date(2027, 1, 3), True),
        (date(2027, 1, 4), False),
    ],
)
def test_is_year_end_closure(day, expected):
    assert is_year_end_closure(day) is expected


def test_is_public_holiday_includes_substitute_and_citizens_holidays():
    assert is_public_holiday(date(2026, 5, 6)) is True
    assert is_public_holiday(date(2026, 9, 22)) is True
    assert is_public_holiday(date(2026, 5, 7)) is False


# --- いわき市: weekdays 08:30–19:00, Sat/Sun/holidays 08:30–17:00, closed 12/29–1/3 ----------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(2026, 1, 2, 10, 0), False),  # year-end closure
        (jst(2026, 1, 3, 16, 0), False),
        (jst(2026, 1, 4, 8, 30), True),  # Sunday, first day after the closure
        (jst(2026, 1, 4, 8, 29, 59), False),
        (jst(2026, 1, 4, 17, 0), False),  # Sunday hours end at 17:00
        (jst(2026, 1, 5, 8, 29), False),
        (jst(2026, 1, 5, 8, 30), True),  # opening time is inside
        (jst(2026, 1, 5, 18, 59), True),
        (jst(2026, 1, 5, 18, 59, 59), True),
        (jst(2026, 1, 5, 19, 0), False),  # closing time is outside
        (jst(2026, 1, 12, 16, 59), True),  # 成人の日: holiday hours
        (jst(2026, 1, 12, 17, 0), False),
        (jst(2026, 11, 3, 10, 0), True),  # 文化の日 (Tuesday): holiday hours
        (jst(2026, 11, 3, 18, 0), False),  # ... a normal Tuesday would be open
        (jst(2026, 12, 29, 10, 0), False),
        (jst(2026, 12, 28, 18, 30), True),  # last weekday before the closure
        (jst(2026, 1, 10, 8, 30), True),  # Saturday
        (jst(2026, 1, 10, 16, 59), True),
        (jst(2026, 1, 10, 17, 0), False),
        (jst(2026, 1, 10, 18, 0), False),
        (jst(2026, 5, 6, 16, 59), True),  # 振替休日 (Wednesday): holiday hours
        (jst(2026, 5, 6, 17, 30), False),
        (jst(2026, 5, 7, 17, 30), True),  # the Thursday after: weekday hours again
        (jst(2026, 9, 22, 16, 59), True),  # 国民の休日 (Tuesday): holiday hours
        (jst(2026, 9, 22, 17, 30), False),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
)
def test_iwaki_is_open(iwaki, at, expected):
    assert is_open(iwaki, at) is expected


@pytest.mark.parametrize(
    ("day", "reason", "opens", "closes"),
    [
        (date(2026, 1, 2), "year_end", None, None),
        (date(2026, 1, 4), "sunday", time(8, 30), time(17, 0)),
        (date(2026, 1, 5), "weekday", time(8, 30), time(19, 0)),
        (date(2026, 1, 10), "saturday", time(8, 30), time(17, 0)),
        (date(2026, 1, 12), "holiday", time(8, 30), time(17, 0)),
        (date(2026, 5, 6), "holiday", time(8, 30), time(17, 0)),
        (date(2026, 9, 22), "holiday", time(8, 30), time(17, 0)),
    ],
)
def test_iwaki_day_hours_reason(iwaki, day, reason, opens, closes):
    hours = calendar_day_hours(calendar=iwaki.calendar, day=day)
    assert (hours.reason, hours.opens, hours.closes) == (reason, opens, closes)
    assert hours.is_open_day is (opens is not None)


def test_utc_datetime_gives_the_same_answer_as_tokyo(iwaki):
    # 2026-01-05 08:30 JST == 2026-01-04 23:30 UTC (the UTC date is a Sunday).
    assert is_open(iwaki, datetime(2026, 1, 4, 23, 29, tzinfo=UTC)) is False
    assert is_open(iwaki, datetime(2026, 1, 4, 23, 30, tzinfo=UTC)) is True
    assert is_open(iwaki, datetime(2026, 1, 5, 9, 59, tzinfo=UTC)) is True  # 18:59 JST
    assert is_open(iwaki, datetime(2026, 1, 5, 10, 0, tzinfo=UTC)) is False  # 19:00 JST
    # A fixed +05:30 offset works too: 05:00 there is 08:30 in Tokyo.
    india = timezone(timedelta(hours=5, minutes=30))
    assert is_open(iwaki, datetime(2026, 1, 5, 5, 0, tzinfo=india)) is True
    assert is_open(iwaki, datetime(2026, 1, 5, 4, 59, tzinfo=india)) is False


def test_naive_datetime_is_refused(iwaki):
    with pytest.raises(TenancyError) as excinfo:
        is_open(iwaki, datetime(2026, 1, 5, 10, 0))  # noqa: DTZ001
    assert "タイムゾーン" in str(excinfo.value)


def test_opening_interval_is_aware_tokyo(iwaki):
    interval = opening_interval(iwaki, date(2026, 1, 5))
    assert interval == (jst(2026, 1, 5, 8, 30), jst(2026, 1, 5, 19, 0))
    assert interval is not None
    opens, closes = interval
    assert opens.tzinfo is TOKYO and closes.tzinfo is TOKYO
    assert opens.isoformat() == "2026-01-05T08:30:00+09:00"
    assert closes.astimezone(UTC) == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert opening_interval(iwaki, date(2026, 1, 10)) == (
        jst(2026, 1, 10, 8, 30),
        jst(2026, 1, 10, 17, 0),
    )
    assert opening_interval(iwaki, date(2026, 1, 2)) is None
    assert opening_interval(iwaki, date(2026, 12, 29)) is None


# --- next business day --------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "day", "expected"),
    [
        ("iwaki", date(2026, 12, 28), date(2027, 1, 4)),  # across the year-end closure
        ("iwaki", date(2026, 1, 9), date(2026, 1, 10)),  # Friday -> Saturday
        ("iwaki", date(2026, 1, 10), date(2026, 1, 11)),  # Saturday -> Sunday
        ("iwaki", date(2026, 1, 1), date(2026, 1, 4)),
        ("oita", date(2026, 1, 16), date(2026, 1, 19)),  # Friday -> Monday
        ("oita", date(2026, 1, 9), date(2026, 1, 13)),  # skips 成人の日 (Mon 1/12)
        ("oita", date(2026, 5, 1), date(2026, 5, 7)),  # skips the weekend and 5/4–5/6
        ("oita", date(2026, 9, 18), date(2026, 9, 24)),  # skips 9/21, 9/22, 9/23
        ("oita", date(2026, 12, 25), date(2026, 12, 28)),  # Friday -> Monday 12/28
        ("oita", date(2026, 12, 28), date(2027, 1, 4)),
        ("niigata", date(2026, 12, 30), date(2026, 12, 31)),  # no year-end closure
        ("sapporo", date(2026, 1, 9), date(2026, 1, 13)),
    ],
)
def test_next_business_day(load_scenarios, slug, day, expected):
    center = load_scenarios(slug)[slug]
    assert next_business_day(center, day) == expected


def test_next_business_day_refuses_a_calendar_that_never_opens(db):
    from madoguchi.tenancy.tests.factories import CenterFactory

    closed = CenterFactory.create()  # a calendar without any hours
    with pytest.raises(TenancyError) as excinfo:
        next_business_day(closed, date(2026, 1, 5))
    assert "1年以内に営業日がありません" in str(excinfo.value)


# --- exceptions override everything ---------------------------------------------------


def test_one_off_closure_overrides_weekday_hours(iwaki):
    assert is_open(iwaki, jst(2026, 1, 6, 10, 0)) is True
    services.calendar_exception_set(
        actor=None,
        calendar=iwaki.calendar,
        day=date(2026, 1, 6),
        kind=ExceptionKind.CLOSED,
        reason="システム更新",
        center=iwaki,
    )
    assert is_open(iwaki, jst(2026, 1, 6, 10, 0)) is False
    assert opening_interval(iwaki, date(2026, 1, 6)) is None
    assert calendar_day_hours(calendar=iwaki.calendar, day=date(2026, 1, 6)).reason == "exception"
    # The day before and after are untouched; the next business day skips the closure.
    assert is_open(iwaki, jst(2026, 1, 7, 10, 0)) is True
    assert next_business_day(iwaki, date(2026, 1, 5)) == date(2026, 1, 7)


def test_extension_overrides_year_end_closure_and_weekday_hours(iwaki):
    services.calendar_exception_set(
        actor=None,
        calendar=iwaki.calendar,
        day=date(2026, 12, 29),
        kind=ExceptionKind.OPEN,
        opens=time(9, 0),
        closes=time(15, 0),
        reason="災害対応",
        center=iwaki,
    )
    services.calendar_exception_set(
        actor=None,
        calendar=iwaki.calendar,
        day=date(2026, 1, 7),
        kind=ExceptionKind.OPEN,
        opens=time(8, 30),
        closes=time(21, 0),
        reason="大雪の問合せ対応で延長",
        center=iwaki,
    )
    assert is_open(iwaki, jst(2026, 12, 29, 8, 59)) is False
    assert is_open(iwaki, jst(2026, 12, 29, 9, 0)) is True
    assert is_open(iwaki, jst(2026, 12, 29, 15, 0)) is False
    assert is_open(iwaki, jst(2026, 12, 30, 10, 0)) is False  # only that one date
    assert next_business_day(iwaki, date(2026, 12, 28)) == date(2026, 12, 29)
    assert is_open(iwaki, jst(2026, 1, 7, 20, 59)) is True
    assert is_open(iwaki, jst(2026, 1, 7, 21, 0)) is False
    assert opening_interval(iwaki, date(2026, 1, 7)) == (
        jst(2026, 1, 7, 8, 30),
        jst(2026, 1, 7, 21, 0),
    )


def test_exception_set_again_replaces_the_earlier_one(iwaki):
    services.calendar_exception_set(
        actor=None, calendar=iwaki.calendar, day=date(2026, 1, 6), kind=ExceptionKind.CLOSED
    )
    services.calendar_exception_set(
        actor=None,
        calendar=iwaki.calendar,
        day=date(2026, 1, 6),
        kind=ExceptionKind.OPEN,
        opens=time(13, 0),
        closes=time(16, 0),
    )
    assert iwaki.calendar.exceptions.count() == 1
    assert is_open(iwaki, jst(2026, 1, 6, 12, 59)) is False
    assert is_open(iwaki, jst(2026, 1, 6, 13, 0)) is True


# --- the other reference centers ------------------------------------------------------


def test_niigata_has_no_year_end_closure(load_scenarios):
    niigata = load_scenarios("niigata")["niigata"]
    assert niigata.calendar.year_end_closure is False
    hours = calendar_day_hours(calendar=niigata.calendar, day=date(2026, 1, 1))
    assert (hours.reason, hours.opens, hours.closes) == ("holiday", time(9, 0), time(17, 0))
    assert is_open(niigata, jst(2026, 1, 1, 8, 59)) is False
    assert is_open(niigata, jst(2026, 1, 1, 9, 0)) is True
    assert is_open(niigata, jst(2026, 1, 1, 16, 59)) is True
    assert is_open(niigata, jst(2026, 1, 1, 17, 0)) is False
    # Dec 30 2026 is a Wednesday: weekday hours 08:30–18:00.
    assert opening_interval(niigata, date(2026, 12, 30)) == (
        jst(2026, 12, 30, 8, 30),
        jst(2026, 12, 30, 18, 0),
    )


def test_oita_is_closed_on_weekends_and_holidays(load_scenarios):
    oita = load_scenarios("oita")["oita"]
    assert is_open(oita, jst(2026, 1, 10, 10, 0)) is False  # Saturday
    assert is_open(oita, jst(2026, 1, 11, 10, 0)) is False  # Sunday
    assert is_open(oita, jst(2026, 1, 12, 10, 0)) is False  # 成人の日
    assert is_open(oita, jst(2026, 1, 13, 8, 30)) is True
    assert is_open(oita, jst(2026, 1, 13, 18, 0)) is False
    days = calendar_days(calendar=oita.calendar, start=date(2026, 1, 5), days=7)
    assert [d.is_open_day for d in days] == [True, True, True, True, True, False, False]
    assert [d.reason for d in days[-2:]] == ["saturday", "sunday"]


def test_sapporo_weekday_hours(load_scenarios):
    sapporo = load_scenarios("sapporo")["sapporo"]
    assert is_open(sapporo, jst(2026, 1, 5, 8, 59)) is False
    assert is_open(sapporo, jst(2026, 1, 5, 9, 0)) is True
    assert is_open(sapporo, jst(2026, 1, 5, 17, 59, 59)) is True
    assert is_open(sapporo, jst(2026, 1, 5, 18, 0)) is False
    assert is_open(sapporo, jst(2026, 1, 10, 10, 0)) is False  # Saturday
    assert opening_interval(sapporo, date(2026, 1, 5)) == (
        jst(2026, 1, 5, 9, 0),
        jst(2026, 1, 5, 18, 0),
    )

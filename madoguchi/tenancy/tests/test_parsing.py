"""Parsing dates and date-times typed on the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.parsing import parse_date, parse_datetime_jst


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-05T08:30", datetime(2026, 1, 5, 8, 30, tzinfo=TOKYO)),
        ("2026-01-05 08:30:15", datetime(2026, 1, 5, 8, 30, 15, tzinfo=TOKYO)),
        ("2026-01-05", datetime(2026, 1, 5, 0, 0, tzinfo=TOKYO)),
        ("  2026-01-05T08:30  ", datetime(2026, 1, 5, 8, 30, tzinfo=TOKYO)),
        ("２０２６-01-05T08:30", datetime(2026, 1, 5, 8, 30, tzinfo=TOKYO)),
        ("２０２６－０１－０５Ｔ０８：３０", datetime(2026, 1, 5, 8, 30, tzinfo=TOKYO)),
        ("2026-01-05T08:30+00:00", datetime(2026, 1, 5, 8, 30, tzinfo=UTC)),
        ("2026-01-05T08:30Z", datetime(2026, 1, 5, 8, 30, tzinfo=UTC)),
        (
            "2026-01-05T08:30+05:30",
            datetime(2026, 1, 5, 8, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
    ],
)
def test_parse_datetime_jst_accepts(raw, expected):
    value = parse_datetime_jst(raw)
    assert value == expected
    assert value.utcoffset() == expected.utcoffset()


def test_parse_datetime_jst_reads_a_missing_offset_as_tokyo():
    value = parse_datetime_jst("2026-01-05T08:30")
    assert value.tzinfo is TOKYO
    assert value.isoformat() == "2026-01-05T08:30:00+09:00"
    assert value.astimezone(UTC) == datetime(2026, 1, 4, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw", ["2026-13-01", "yesterday", "", "   ", "2026/01/05 08:30", "2026-01-05T25:00", "明日"]
)
def test_parse_datetime_jst_refuses(raw):
    with pytest.raises(TenancyError) as excinfo:
        parse_datetime_jst(raw)
    assert str(excinfo.value) == (
        f"「{raw}」は日時として読めません。2026-01-05T08:30 のように入力してください。"
    )
    assert excinfo.value.field == "at"


def test_parse_datetime_jst_names_the_field_it_was_given():
    with pytest.raises(TenancyError) as excinfo:
        parse_datetime_jst("x", field="since")
    assert excinfo.value.field == "since"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-05", date(2026, 1, 5)),
        ("２０２６-０１-０５", date(2026, 1, 5)),
        (" 2026-12-29 ", date(2026, 12, 29)),
        ("20260105", date(2026, 1, 5)),  # ISO 8601 basic format
    ],
)
def test_parse_date_accepts(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["2026-02-30", "", "2026-01-05T08:30", "令和8年1月5日", "2026/01/05", "tomorrow"]
)
def test_parse_date_refuses(raw):
    with pytest.raises(TenancyError) as excinfo:
        parse_date(raw)
    assert str(excinfo.value) == (
        f"「{raw}」は日付として読めません。2026-01-05 のように入力してください。"
    )
    assert excinfo.value.field == "date"

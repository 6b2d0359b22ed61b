"""15-minute call totals: quarter-hour boundaries, KPI.md counting, rebuild replaces."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from madoguchi.calls.cdr import COLUMNS, cdr_import
from madoguchi.calls.intervals import call_intervals_rebuild
from madoguchi.calls.models import CallInterval
from madoguchi.tenancy.calendars import TOKYO

ROWS = [
    # answered after 7 s (in SL), talk 228 s, wrap 60 s
    "a,0246-22-1111,2026-01-05T08:30:05+09:00,2026-01-05T08:30:12+09:00,"
    "2026-01-05T08:34:00+09:00,2026-01-05T08:35:00+09:00,answered,,,,,",
    # abandoned after 40 s, last second of the first quarter hour
    "b,0246-22-1111,2026-01-05T08:44:59+09:00,,2026-01-05T08:45:39+09:00,,abandoned,,,,,",
    # next quarter hour: answered after 25 s (outside the 20 s default threshold)
    "c,0246-22-1111,2026-01-05T08:45:00+09:00,2026-01-05T08:45:25+09:00,"
    "2026-01-05T08:50:25+09:00,,answered,,,,,",
    "d,0246-54-2111,2026-01-05T08:46:00+09:00,,,,voicemail,,,,,",
    "e,0246-22-1111,2026-01-05T19:00:00+09:00,,,,after_hours,,,,,",
]


def day(hour: int, minute: int) -> datetime:
    return datetime(2026, 1, 5, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def calls(iwaki):
    data = ("\n".join([",".join(COLUMNS), *ROWS]) + "\n").encode()
    assert cdr_import(actor=None, center=iwaki, data=data).errors == []
    return iwaki


def test_quarter_hours_count_as_kpi_md_says(calls):
    rows = call_intervals_rebuild(center=calls, since=day(0, 0), until=day(23, 59))
    assert rows == 4
    first = CallInterval.objects.get(start=day(8, 30), dialed_number="+81246221111")
    assert (first.offered, first.answered, first.abandoned, first.answered_in_sl) == (2, 1, 1, 1)
    assert (first.wait_answered_s, first.wait_abandoned_s, first.max_wait_s) == (7, 40, 40)
    assert (first.talk_s, first.wrap_s) == (228, 60)
    second = CallInterval.objects.get(start=day(8, 45), dialed_number="+81246221111")
    assert (second.offered, second.answered, second.answered_in_sl) == (1, 1, 0)
    assert second.wait_answered_s == 25
    branch = CallInterval.objects.get(start=day(8, 45), dialed_number="+81246542111")
    assert (branch.offered, branch.voicemail) == (1, 1)
    evening = CallInterval.objects.get(start=day(19, 0))
    assert (evening.offered, evening.after_hours) == (0, 1)


def test_rebuild_replaces_and_hourly_sums_follow(calls):
    call_intervals_rebuild(center=calls, since=day(0, 0), until=day(23, 59))
    call_intervals_rebuild(center=calls, since=day(0, 0), until=day(23, 59))
    assert CallInterval.objects.count() == 4
    hour = CallInterval.objects.filter(start__gte=day(8, 0), start__lt=day(9, 0))
    assert hour.aggregate(o=Sum("offered"), a=Sum("answered")) == {"o": 4, "a": 2}


def test_command_and_its_errors(calls):
    out = io.StringIO()
    call_command(
        "call_intervals",
        "--center",
        "iwaki",
        "--since",
        "2026-01-05",
        "--until",
        "2026-01-05",
        stdout=out,
    )
    assert out.getvalue().strip() == "4 行の15分集計を作りました。"
    with pytest.raises(CommandError, match="--until は --since 以降"):
        call_command(
            "call_intervals", "--center", "iwaki", "--since", "2026-01-06", "--until", "2026-01-05"
        )

"""Pure tests of the KPI engine (no database): each counting rule of KPI.md on CallRecords."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from madoguchi.reports.kpi import (
    CallRecord,
    KpiOptions,
    breakdown,
    bucket_day,
    bucket_fiscal_year,
    bucket_half_year,
    bucket_hour,
    bucket_interval,
    bucket_month,
    bucket_week,
    compute,
)
from madoguchi.tenancy.calendars import TOKYO

T0 = datetime(2026, 10, 1, 10, 0, tzinfo=TOKYO)


def call(
    outcome: str,
    *,
    wait: float = 0,
    talk: float = 0,
    wrap: float = 0,
    in_hours: bool = True,
    line: str = "+81246221111",
    **extra: object,
) -> CallRecord:
    answered = T0 + timedelta(seconds=wait) if outcome == "answered" else None
    ended = (answered or T0 + timedelta(seconds=wait)) + timedelta(seconds=talk)
    return CallRecord(
        call_id=str(id(extra)),
        line=line,
        arrived_at=T0,
        answered_at=answered,
        ended_at=ended,
        wrap_end_at=ended + timedelta(seconds=wrap) if outcome == "answered" else None,
        outcome=outcome,
        in_hours=in_hours,
        **extra,  # type: ignore[arg-type]
    )


def test_small_case_every_figure() -> None:
    records = [
        # waits 0 and 30 s, talks 100 and 1,300 s, wraps 20 and 40 s
        call("answered", wait=0, talk=100, wrap=20, resolved_in_center=True),
        call("answered", wait=30, talk=1300, wrap=40, resolved_in_center=False),
        call("abandoned", wait=10),
        call("voicemail", wait=60),
        call("blocked"),
        call("after_hours", in_hours=False),
    ]
    kpis = compute(records, options=KpiOptions(), operating_hours=2.0)
    assert (kpis.offered, kpis.answered, kpis.abandoned, kpis.after_hours) == (5, 2, 1, 1)
    assert (kpis.voicemail, kpis.blocked) == (1, 1)
    assert kpis.answer_rate == pytest.approx(2 / 5)
    assert kpis.abandon_rate == pytest.approx(1 / 5)
    assert kpis.asa_s == pytest.approx((0 + 30) / 2)
    assert kpis.service_level == pytest.approx(1 / 5)  # only the 0 s wait is ≤ 20 s
    assert kpis.avg_abandon_wait_s == pytest.approx(10)
    assert kpis.avg_talk_s == pytest.approx((100 + 1300) / 2)
    assert kpis.avg_wrap_s == pytest.approx((20 + 40) / 2)
    assert kpis.avg_handle_s == pytest.approx((120 + 1340) / 2)
    assert kpis.long_calls == 1
    assert kpis.first_contact_completion_rate == pytest.approx(1 / 2)
    assert kpis.first_answer_rate == pytest.approx(1 / 2)
    assert kpis.answered_per_operating_hour == pytest.approx(2 / 2.0)
    assert kpis.as_dict()["offered"] == 5


def test_empty_denominators_are_none() -> None:
    kpis = compute([], options=KpiOptions(), operating_hours=0)
    assert kpis.offered == 0
    assert kpis.answer_rate is None
    assert kpis.asa_s is None
    assert kpis.answered_per_operating_hour is None


def test_short_abandon_threshold_inclusive_and_options() -> None:
    records = [
        call("abandoned", wait=5),
        call("abandoned", wait=6),
        call("voicemail"),
        call("blocked"),
    ]
    default = compute(records, options=KpiOptions(), operating_hours=1)
    assert (default.offered, default.abandoned, default.short_abandons) == (4, 2, 0)
    short = compute(
        records,
        options=KpiOptions(short_abandon_s=5, include_blocked=False, include_voicemail=False),
        operating_hours=1,
    )
    # 5 s ≤ 5 s leaves; 6 s stays; voicemail and blocked leave offered but are still counted
    assert (short.offered, short.abandoned, short.short_abandons) == (1, 1, 1)
    assert (short.voicemail, short.blocked) == (1, 1)
    assert short.avg_abandon_wait_s == pytest.approx(6)


def test_long_call_strictly_greater() -> None:
    records = [call("answered", talk=1200), call("answered", talk=1201)]
    assert compute(records, options=KpiOptions(), operating_hours=1).long_calls == 1


def test_breakdown_by_line() -> None:
    records = [call("answered"), call("abandoned", line="+81246542111")]
    groups = breakdown(records, lambda r: r.line, options=KpiOptions(), hours=lambda _k: 4.0)
    assert list(groups) == ["+81246221111", "+81246542111"]
    assert groups["+81246221111"].answered == 1
    assert groups["+81246542111"].abandoned == 1
    assert groups["+81246542111"].operating_hours == 4.0


def test_buckets_in_tokyo() -> None:
    at_utc = datetime(2026, 3, 31, 21, 50, tzinfo=UTC)  # 2026-04-01 06:50 in Tokyo
    assert bucket_hour(at_utc) == "06"
    assert (bucket_day(at_utc), bucket_fiscal_year(at_utc)) == ("2026-04-01", "FY2026")
    moment = datetime(2026, 10, 1, 0, 29, 59, tzinfo=TOKYO)
    assert bucket_interval(moment, 15) == "00:15"
    assert bucket_interval(moment, 30) == "00:00"
    assert bucket_interval(moment, 60) == "00:00"
    assert bucket_day(moment) == "2026-10-01"
    assert bucket_week(moment) == "2026-W40"
    assert bucket_month(moment) == "2026-10"
    assert bucket_half_year(moment) == "2026H2"
    assert bucket_fiscal_year(moment) == "FY2026"
    march = datetime(2027, 3, 31, 23, 59, tzinfo=TOKYO)
    assert (bucket_half_year(march), bucket_fiscal_year(march)) == ("2026H2", "FY2026")
    april = datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO)
    assert (bucket_half_year(april), bucket_fiscal_year(april)) == ("2026H1", "FY2026")

"""Forecast from hand-made history (WFM-2) and the staffing plan built on it (WFM-1, WFM-3)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import ExceptionKind
from madoguchi.tenancy.tests.factories import CalendarExceptionFactory
from madoguchi.workforce.erlang import agents_for_asa, required_agents_erlang_a
from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.forecast import forecast_compute
from madoguchi.workforce.models import Forecast, StaffingPlan
from madoguchi.workforce.selectors import weekly_seats
from madoguchi.workforce.services import (
    forecast_build,
    forecast_event_save,
    staffing_plan_build,
    staffing_plan_set_planned,
    staffing_settings_save,
)
from madoguchi.workforce.tests.factories import CallIntervalFactory, ForecastEventFactory

TARGET = date(2026, 5, 18)  # a Monday
MAY_11, MAY_4, APR_27, APR_20, APR_13, APR_6 = (
    date(2026, 5, 11),
    date(2026, 5, 4),  # みどりの日: a public holiday, not history
    date(2026, 4, 27),  # an event day, not history
    date(2026, 4, 20),
    date(2026, 4, 13),
    date(2026, 4, 6),  # the fourth ordinary Monday: beyond --weeks 3
)


def tokyo(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TOKYO)


def calls(center: Any, day: date, hh: int, mm: int, offered: int, aht: float = 300.0) -> None:
    CallIntervalFactory(
        center=center,
        start=tokyo(day, hh, mm),
        offered=offered,
        answered=offered,
        talk_s=offered * aht * 0.8,
        wrap_s=offered * aht * 0.2,
    )


@pytest.fixture
def history(iwaki):
    """Offered calls per 15 minutes on the Mondays before TARGET (08:30–09:30 and 09:30–10:30
    are the first two 60-minute intervals of Iwaki's 08:30 opening)."""
    calls(iwaki, MAY_11, 8, 30, 4)
    calls(iwaki, MAY_11, 8, 45, 2)
    calls(iwaki, MAY_11, 9, 30, 12, aht=600.0)
    for day in (MAY_4, APR_27, APR_6):
        calls(iwaki, day, 8, 30, 100)
        calls(iwaki, day, 9, 30, 100, aht=50.0)
    calls(iwaki, APR_20, 9, 15, 9)
    calls(iwaki, APR_20, 10, 0, 15)
    calls(iwaki, APR_13, 8, 30, 3)
    calls(iwaki, APR_13, 9, 30, 4)
    calls(iwaki, APR_13, 10, 15, 5)
    calls(iwaki, MAY_11, 7, 0, 50)  # before opening: not in any interval
    calls(iwaki, APR_20, 6, 0, 0)
    ForecastEventFactory(center=iwaki, date=APR_27, uplift=Decimal("3"))
    return iwaki


def test_forecast_averages_ordinary_same_weekdays_and_applies_the_uplift(history):
    ForecastEventFactory(center=history, date=TARGET, uplift=Decimal("1.5"))
    ForecastEventFactory(center=history, date=TARGET, label="広報誌の配布", uplift=Decimal("2"))
    rows = forecast_compute(center=history, first=TARGET, last=TARGET, weeks=3)
    assert len(rows) == 11
    first, second, third = rows[0], rows[1], rows[2]
    assert first.slot.label == "08:30–09:30"
    # (6 + 9 + 3) / 3 = 6 and (12 + 15 + 9) / 3 = 12, times 1.5 × 2.
    assert first.calls == pytest.approx(6 * 3)
    assert second.calls == pytest.approx(12 * 3)
    assert third.calls == 0.0
    assert first.uplift == 3.0
    assert first.history_days == 3
    # AHT: (300 s × 42 calls + 600 s × 12 calls) / 54 answered.
    assert first.aht_s == pytest.approx((300 * 42 + 600 * 12) / 54)
    assert first.aht_s == third.aht_s


def test_forecast_uses_more_weeks_and_thirty_minute_intervals(history):
    staffing_settings_save(
        actor=None,
        center=history,
        interval_minutes=30,
        patience_s=90,
        history_weeks=4,
        default_aht_s=200,
    )
    rows = forecast_compute(center=history, first=TARGET, last=TARGET)
    assert len(rows) == 21
    by_label = {row.slot.label: row for row in rows}
    assert by_label["08:30–09:00"].calls == pytest.approx((6 + 0 + 3 + 100) / 4)
    assert by_label["09:00–09:30"].calls == pytest.approx((0 + 9 + 0 + 0) / 4)
    assert by_label["09:30–10:00"].calls == pytest.approx((12 + 0 + 4 + 100) / 4)
    assert by_label["10:00–10:30"].calls == pytest.approx((0 + 15 + 5 + 0) / 4)


def test_closed_days_forecast_zero_and_days_without_history_use_the_default_aht(history):
    wednesday = date(2026, 5, 20)
    CalendarExceptionFactory(calendar=history.calendar, date=wednesday, kind=ExceptionKind.CLOSED)
    rows = forecast_compute(center=history, first=wednesday, last=date(2026, 5, 21), weeks=2)
    assert {row.slot.day for row in rows} == {date(2026, 5, 21)}
    assert all(row.calls == 0.0 and row.aht_s == 300.0 for row in rows)
    assert forecast_compute(center=history, first=date(2026, 12, 29), last=date(2027, 1, 3)) == []


def test_forecast_command_saves_and_prints_json(history, audit_trail):
    out = io.StringIO()
    call_command(
        "forecast", "--center", "iwaki", "--from", "2026-05-18", "--to", "2026-05-19",
        "--weeks", "3", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["total_calls"] == pytest.approx(18.0)  # 6 + 12 on Monday; no Tuesday history
    monday = [row for row in data["intervals"] if row["date"] == "2026-05-18"]
    assert monday[0] == {
        "date": "2026-05-18",
        "start": "2026-05-18T08:30:00+09:00",
        "minutes": 60,
        "calls": 6.0,
        "aht_s": pytest.approx((300 * 42 + 600 * 12) / 54, abs=1e-3),
        "uplift": 1.0,
        "history_days": 3,
    }
    assert monday[-1]["minutes"] == 30
    assert Forecast.objects.filter(center=history).count() == 22
    assert audit_trail.actions() == ["workforce.forecast.built"]
    # Building again replaces, never duplicates.
    call_command(
        "forecast",
        "--center",
        "iwaki",
        "--from",
        "2026-05-18",
        "--to",
        "2026-05-18",
        stdout=io.StringIO(),
    )
    assert Forecast.objects.filter(center=history).count() == 22


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--center", "nowhere", "--from", "2026-05-18", "--to", "2026-05-18"], "ありません"),
        (
            ["--center", "iwaki", "--from", "2026-5-xx", "--to", "2026-05-18"],
            "日付として読めません",
        ),
        (
            ["--center", "iwaki", "--from", "2026-05-18", "--to", "2026-05-17"],
            "終了日が開始日より前",
        ),
        (["--center", "iwaki", "--from", "2026-01-01", "--to", "2026-12-31"], "92 日まで"),
        (
            ["--center", "iwaki", "--from", "2026-05-18", "--to", "2026-05-18", "--weeks", "0"],
            "1〜52",
        ),
    ],
)
def test_forecast_command_errors_are_japanese(iwaki, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("forecast", *args, stdout=io.StringIO())


# --------------------------------------------------------------------------- plan


def test_plan_requires_agents_for_the_center_targets_and_keeps_planned_edits(history, audit_trail):
    # Iwaki: answer rate ≥ 90 % and ASA ≤ 9 s; default patience 120 s.
    forecast_build(actor=None, center=history, first=TARGET, last=TARGET, weeks=3)
    plans = staffing_plan_build(actor=None, center=history, first=TARGET, last=TARGET)
    assert len(plans) == 11
    aht = (300 * 42 + 600 * 12) / 54
    for plan, cph in ((plans[0], 6.0), (plans[1], 12.0)):
        expected = max(required_agents_erlang_a(cph, aht, 120, 0.9), agents_for_asa(cph, aht, 9.0))
        assert plan.required_agents == plan.planned_agents == expected
    assert plans[1].required_agents == 4
    assert plans[2].required_agents == 0  # no calls forecast
    assert (
        plans[0].target
        == "応答率 90% 以上（アーラン A・平均放棄 120 秒）、平均応答時間 9 秒以下（アーラン C）"
    )
    staffing_plan_set_planned(actor=None, plan=plans[1], planned_agents=2)
    forecast_event_save(actor=None, center=history, day=TARGET, label="商品券発送", uplift="4")
    forecast_build(actor=None, center=history, first=TARGET, last=TARGET, weeks=3)
    again = staffing_plan_build(actor=None, center=history, first=TARGET, last=TARGET)
    assert again[1].planned_agents == 2  # the edit is kept
    expected = max(required_agents_erlang_a(48, aht, 120, 0.9), agents_for_asa(48.0, aht, 9.0))
    assert again[1].required_agents == expected > 4
    assert StaffingPlan.objects.filter(center=history).count() == 11
    assert audit_trail.actions() == [
        "workforce.forecast.built",
        "workforce.plan.built",
        "workforce.plan.changed",
        "workforce.event.saved",
        "workforce.forecast.built",
        "workforce.plan.built",
    ]
    seats = weekly_seats(center=history, first=TARGET, last=TARGET)
    assert [(r.planned, r.required) for r in seats[:2]] == [
        (3, again[0].required_agents),  # planned 3 kept from the first build
        (2, expected),
    ]


def test_plan_builds_the_missing_forecast_and_uses_erlang_c_without_patience(history):
    staffing_settings_save(
        actor=None, center=history, interval_minutes=60, patience_s=None,
        history_weeks=3, default_aht_s=300,
    )  # fmt: skip
    history.target_asa_seconds = None
    history.save()
    plans = staffing_plan_build(actor=None, center=history, first=TARGET, last=TARGET)
    assert Forecast.objects.filter(center=history, date=TARGET).count() == 11
    # Answer rate with Erlang C: every call is answered once N exceeds the load.
    assert plans[1].required_agents == 2  # A = 12 × 366.7 / 3600 = 1.22 Erlangs
    assert plans[1].target == "応答率 90% 以上（アーラン C）"


def test_service_errors_name_the_field(iwaki):
    with pytest.raises(WorkforceError) as caught:
        forecast_event_save(actor=None, center=iwaki, day=TARGET, label=" ", uplift="2")
    assert caught.value.field == "label"
    with pytest.raises(WorkforceError) as caught:
        forecast_event_save(actor=None, center=iwaki, day=TARGET, label="発送", uplift="abc")
    assert caught.value.field == "uplift"
    with pytest.raises(WorkforceError) as caught:
        staffing_settings_save(
            actor=None, center=iwaki, interval_minutes=45, patience_s=60,
            history_weeks=8, default_aht_s=300,
        )  # fmt: skip
    assert caught.value.field == "interval_minutes"


def test_staffing_plan_command_and_forecast_text(history):
    out = io.StringIO()
    call_command("forecast", "--center", "iwaki", "--from", "2026-05-18", "--to", "2026-05-18",
                 "--weeks", "3", "--format", "text", stdout=out)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(
        "2026-05-18 08:30（60分） 入電 6.0 件 平均処理 367 秒 係数 1.000 実績 3 日"
    )
    assert lines[-1] == "合計 18.0 件（11 時間帯）"
    out = io.StringIO()
    call_command(
        "staffing_plan",
        "--center",
        "iwaki",
        "--from",
        "2026-05-18",
        "--to",
        "2026-05-18",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    rows = data["intervals"]
    assert len(rows) == 11
    aht = (300 * 42 + 600 * 12) / 54
    assert rows[1]["start"] == "2026-05-18T09:30:00+09:00"
    assert (
        rows[1]["required"]
        == rows[1]["planned"]
        == max(required_agents_erlang_a(12.0, aht, 120, 0.9), agents_for_asa(12.0, aht, 9.0))
    )
    with pytest.raises(CommandError, match="終了日が開始日より前"):
        call_command(
            "staffing_plan", "--center", "iwaki", "--from", "2026-05-18", "--to", "2026-05-01"
        )


def test_history_from_call_rows_where_call_intervals_were_not_built(iwaki):
    """May 11 has only Call rows (``call_intervals`` not run); Apr 27 has CallInterval totals,
    which win over its Call rows."""
    from datetime import timedelta

    from madoguchi.calls.models import Call, Disposition

    def call(at: datetime, disposition: str, *, in_hours: bool = True, talk: float = 0) -> None:
        answered = at + timedelta(seconds=20) if disposition == Disposition.ANSWERED else None
        ended = answered + timedelta(seconds=talk) if answered else at + timedelta(seconds=30)
        Call.objects.create(
            center=iwaki,
            dialed_number="+81246221111",
            arrived_at=at,
            in_hours=in_hours,
            disposition=disposition,
            answered_at=answered,
            ended_at=ended,
            wrap_end_at=ended + timedelta(seconds=60) if answered else None,
        )

    call(tokyo(MAY_11, 9, 31), Disposition.ANSWERED, talk=600)
    call(tokyo(MAY_11, 9, 40), Disposition.ABANDONED)
    call(tokyo(MAY_11, 9, 50), Disposition.AFTER_HOURS, in_hours=False)
    call(tokyo(MAY_11, 10, 10), Disposition.BLOCKED)
    call(tokyo(MAY_11, 10, 20), Disposition.IN_PROGRESS)
    calls(iwaki, APR_27, 9, 30, 5)
    call(tokyo(APR_27, 9, 35), Disposition.ANSWERED, talk=5000)  # ignored: totals exist
    rows = forecast_compute(center=iwaki, first=TARGET, last=TARGET, weeks=2)
    assert rows[1].slot.label == "09:30–10:30"
    assert rows[1].calls == pytest.approx((3 + 5) / 2)
    assert rows[1].aht_s == pytest.approx((660 + 5 * 300) / 6)
    seats = weekly_seats(center=iwaki, first=MAY_11, last=MAY_11)
    assert (seats[1].offered, seats[1].answered) == (3, 1)

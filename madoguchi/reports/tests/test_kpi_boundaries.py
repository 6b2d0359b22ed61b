"""``madoguchi kpi`` end to end over a hand-built call-record CSV (fixtures/iwaki_boundaries.csv)
imported with the real ``cdr_import``; every expectation is computed by hand below.

いわき: weekdays 08:30–19:00, Saturdays, Sundays and holidays 08:30–17:00. The period is
2026-10-01 (Thu) … 2026-10-12 (Mon, スポーツの日 → holiday hours). Lines:
A = 0246-22-1111, B = 0246-54-2111. Rows (wait = answered/hang-up − arrival):

  a01 A 10-01 08:29:59 abandoned   → after hours (one second before opening)
  a02 A 10-01 08:30:00 answered wait 0  talk 300  wrap 60  completed        ごみ FAQ-0001;FAQ-0002
  a03 A 10-01 18:59:59 answered wait 21 talk 600  wrap 60  completed        税金 FAQ-0001;FAQ-0001
  a04 A 10-01 19:00:00 abandoned   → after hours (closing second is out)
  a05 A 10-01 22:00:00 after_hours
  a06 A 10-01 10:00:00 abandoned wait 5 (exactly a 5 s short-abandon threshold)
  a07 A 10-01 10:10:00 abandoned wait 6 (one second over)                  FAQ-0003 (not answered)
  a08 A 10-01 11:00:00 answered wait 10 talk 1200 wrap 60 completed (NOT long: not > 1200) ごみ
  a09 A 10-01 11:30:00 answered wait 15 talk 1201 wrap 0  not completed (long)            税金
  a10 A 10-01 12:00:00 answered wait 5  talk 60   wrap 30  switchboard → 市民課          電話交換
  a11 A 10-01 12:30:00 answered wait 20 talk 300  wrap 120 hand-over → 保険年金課 (completed) 保険
  a12 A 10-01 13:00:00 voicemail
  a13 A 10-01 13:05:00 blocked
  b01 B 10-01 14:00:00 answered wait 30 talk 240  wrap 60  unknown → not completed ごみ FAQ-0002
  b02 B 10-01 14:10:00 abandoned wait 60
  b03 B 10-01 14:20:00 blocked
  h01 B 10-12 16:59:59 answered wait 10 talk 120  wrap 60  switchboard → 市民課          電話交換
  h02 B 10-12 17:00:00 abandoned   → after hours (holiday closes 17:00; a weekday would not)
  h03 A 10-12 12:00:00 voicemail
  o01 A 09-30, o02 A 10-13 00:00:00 → outside the period, in no figure
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from madoguchi.calls.cdr import cdr_import
from madoguchi.reports.kpi import KpiOptions, calls_in_period, operating_hours
from madoguchi.reports.models import ReportSettings
from madoguchi.reports.periods import custom_period
from madoguchi.tenancy.models import Center

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "iwaki_boundaries.csv"
A, B = "0246-22-1111", "0246-54-2111"

# Operating hours 10-01 … 10-12: weekdays 10-01, 02, 05, 06, 07, 08, 09 = 7 × 10.5 h = 73.5;
# 10-03, 04, 10, 11 (weekend) and 10-12 (holiday) = 5 × 8.5 h = 42.5 → 116.0 h.
HOURS = 116.0


@pytest.fixture
def imported(iwaki: Center) -> Center:
    report = cdr_import(actor=None, center=iwaki, data=FIXTURE.read_bytes())
    assert report.errors == []
    assert report.created == 21
    return iwaki


def kpi(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "kpi", "--center", "iwaki", "--from", "2026-10-01", "--to", "2026-10-12", *args, stdout=out
    )
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_totals_with_the_default_options(imported: Center) -> None:
    result = kpi()
    # answered a02 a03 a08 a09 a10 a11 b01 h01 = 8; abandoned a06 a07 b02 = 3;
    # voicemail a12 h03 = 2; blocked a13 b03 = 2 → offered 8 + 3 + 2 + 2 = 15
    assert result["answered"] == 8
    assert result["abandoned"] == 3
    assert result["voicemail"] == 2
    assert result["blocked"] == 2
    assert result["offered"] == 15
    assert result["short_abandons"] == 0
    # a01 (08:29:59), a04 (19:00:00), a05, h02 (holiday 17:00:00) = 4
    assert result["after_hours"] == 4
    assert result["answer_rate"] == pytest.approx(8 / 15)
    assert result["abandon_rate"] == pytest.approx(3 / 15)
    # waits 0 + 21 + 10 + 15 + 5 + 20 + 30 + 10 = 111 over 8 answered (zero wait included)
    assert result["asa_s"] == pytest.approx(111 / 8)
    # waits ≤ 20 s: a02 0, a08 10, a09 15, a10 5, a11 20 (inclusive), h01 10 = 6 of 15 offered
    assert result["service_level"] == pytest.approx(6 / 15)
    # completed: a02 a03 a08 a10 (switchboard) a11 (hand-over) h01 (switchboard) = 6 of 8
    assert result["first_contact_completion_rate"] == pytest.approx(6 / 8)
    # without switchboard a10 h01: completed a02 a03 a08 a11 = 4 of 6
    assert result["first_answer_rate"] == pytest.approx(4 / 6)
    # abandon waits 5 + 6 + 60 = 71 over 3
    assert result["avg_abandon_wait_s"] == pytest.approx(71 / 3)
    # talk 300 + 600 + 1200 + 1201 + 60 + 300 + 240 + 120 = 4021 over 8
    assert result["avg_talk_s"] == pytest.approx(4021 / 8)
    # wrap 60 + 60 + 60 + 0 + 30 + 120 + 60 + 60 = 450 over 8
    assert result["avg_wrap_s"] == pytest.approx(450 / 8)
    # handle = talk + wrap = 4471 over 8
    assert result["avg_handle_s"] == pytest.approx(4471 / 8)
    assert result["long_calls"] == 1  # a09 (1201 s); a08 at exactly 1200 s is not long
    assert result["transfers"] == 3  # a10, a11, h01
    assert result["switchboard_transfers"] == 2  # a10, h01
    assert result["operating_hours"] == pytest.approx(HOURS)
    assert result["answered_per_operating_hour"] == pytest.approx(8 / HOURS)
    assert result["options"] == {
        "short_abandon_s": None,
        "include_blocked": True,
        "include_voicemail": True,
        "long_call_s": 1200,
        "service_level_s": 20,
    }


def test_short_abandon_threshold_is_inclusive(imported: Center) -> None:
    result = kpi("--short-abandon-s", "5")
    # a06 (wait 5 ≤ 5) leaves offered and abandoned; a07 (6 s) and b02 (60 s) stay
    assert result["short_abandons"] == 1
    assert result["abandoned"] == 2
    assert result["offered"] == 14
    assert result["answer_rate"] == pytest.approx(8 / 14)
    assert result["abandon_rate"] == pytest.approx(2 / 14)
    assert result["avg_abandon_wait_s"] == pytest.approx((6 + 60) / 2)
    assert result["service_level"] == pytest.approx(6 / 14)
    # one second lower and a07 is still in: threshold 4 drops nothing
    assert kpi("--short-abandon-s", "4")["offered"] == 15
    # threshold 6 drops a06 and a07
    assert kpi("--short-abandon-s", "6")["abandoned"] == 1


def test_blocked_and_voicemail_can_leave_offered(imported: Center) -> None:
    blocked = kpi("--exclude-blocked")
    assert blocked["offered"] == 13  # 15 − a13 − b03
    assert blocked["blocked"] == 2  # still counted apart
    voicemail = kpi("--exclude-voicemail")
    assert voicemail["offered"] == 13  # 15 − a12 − h03
    both = kpi("--exclude-blocked", "--exclude-voicemail", "--short-abandon-s", "5")
    assert both["offered"] == 10  # 8 answered + a07 + b02
    assert both["answer_rate"] == pytest.approx(8 / 10)
    assert both["service_level"] == pytest.approx(6 / 10)
    # answered-only figures do not move with the offered options
    assert both["asa_s"] == pytest.approx(111 / 8)
    assert both["after_hours"] == 4


def test_by_line_in_national_form(imported: Center) -> None:
    by_line = kpi()["by_line"]
    assert list(by_line) == [A, B]
    # A in hours: answered a02 a03 a08 a09 a10 a11 = 6, abandoned a06 a07, voicemail a12 h03,
    # blocked a13 → offered 11; after hours a01 a04 a05
    assert (by_line[A]["offered"], by_line[A]["answered"], by_line[A]["after_hours"]) == (11, 6, 3)
    assert by_line[A]["asa_s"] == pytest.approx((0 + 21 + 10 + 15 + 5 + 20) / 6)
    assert by_line[A]["long_calls"] == 1
    # B: answered b01 h01, abandoned b02, blocked b03 → offered 4; after hours h02
    assert (by_line[B]["offered"], by_line[B]["answered"], by_line[B]["after_hours"]) == (4, 2, 1)
    assert by_line[B]["answer_rate"] == pytest.approx(2 / 4)
    assert by_line[B]["first_contact_completion_rate"] == pytest.approx(1 / 2)  # h01 yes, b01 no
    assert by_line[B]["first_answer_rate"] == pytest.approx(0 / 1)  # h01 is switchboard: only b01
    assert set(by_line[B]) >= {"offered", "answer_rate", "asa_s", "answered_per_operating_hour"}


def test_by_hour_is_the_clock_hour_of_arrival(imported: Center) -> None:
    by_hour = kpi()["by_hour"]
    assert list(by_hour) == ["08", "10", "11", "12", "13", "14", "16", "17", "18", "19", "22"]
    counts = {hour: (v["offered"], v["answered"], v["after_hours"]) for hour, v in by_hour.items()}
    assert counts == {
        "08": (1, 1, 1),  # a02 (08:30:00) in, a01 (08:29:59) out
        "10": (2, 0, 0),  # a06 a07
        "11": (2, 2, 0),  # a08 a09
        "12": (3, 2, 0),  # a10 a11 h03
        "13": (2, 0, 0),  # a12 a13
        "14": (3, 1, 0),  # b01 b02 b03
        "16": (1, 1, 0),  # h01
        "17": (0, 0, 1),  # h02 (holiday closes at 17:00)
        "18": (1, 1, 0),  # a03 arrived 18:59:59, answered 19:00:20
        "19": (0, 0, 1),  # a04
        "22": (0, 0, 1),  # a05
    }
    # 18:00–19:00 is open on the 7 weekdays only → 7 h; 08:30–09:00 on all 12 days → 6 h
    assert by_hour["18"]["operating_hours"] == pytest.approx(7.0)
    assert by_hour["18"]["answered_per_operating_hour"] == pytest.approx(1 / 7)
    assert by_hour["08"]["operating_hours"] == pytest.approx(6.0)
    assert by_hour["19"]["operating_hours"] == 0


def test_by_category(imported: Center) -> None:
    by_category = kpi()["by_category"]
    answered = {name: figures["answered"] for name, figures in by_category.items()}
    assert answered == {"": 0, "ごみ": 3, "保険": 1, "税金": 2, "電話交換": 2}
    assert by_category["税金"]["long_calls"] == 1  # a09
    assert by_category[""]["offered"] == 7  # 3 abandoned + 2 voicemail + 2 blocked


def test_faq_use_once_per_answered_contact(imported: Center) -> None:
    # FAQ-0001: a02, a03 (listed twice, counted once) = 2; FAQ-0002: a02, b01 = 2;
    # FAQ-0003 only on the abandoned a07, FAQ-0009 only outside the period
    assert kpi()["faq_use"] == {"FAQ-0001": 2, "FAQ-0002": 2}


def test_options_default_from_the_center_settings(imported: Center) -> None:
    ReportSettings.objects.create(
        center=imported, short_abandon_s=5, include_blocked=False, long_call_s=1199
    )
    assert KpiOptions.for_center(imported).short_abandon_s == 5
    result = kpi()
    assert result["offered"] == 12  # 15 − a06 (short) − a13 − b03 (blocked)
    assert result["long_calls"] == 2  # a08 (1200 > 1199) and a09
    # a command-line option overrides the setting
    assert kpi("--short-abandon-s", "0")["offered"] == 13


def test_in_hours_flags_of_the_streamed_records(imported: Center) -> None:
    period = custom_period(date(2026, 10, 1), date(2026, 10, 12))
    records = {
        r.call_id: r
        for r in calls_in_period(center=imported, since=period.since, until=period.until)
    }
    assert len(records) == 19  # o01 and o02 are outside
    outside = {cid for cid, r in records.items() if not r.in_hours}
    assert outside == {"a01", "a04", "a05", "h02"}
    assert records["a03"].in_hours
    assert records["a03"].faq_ids == ("FAQ-0001",)
    assert records["a10"].is_switchboard_transfer is True
    assert records["b01"].resolved_in_center is None


def test_text_format(imported: Center) -> None:
    out = io.StringIO()
    call_command(
        "kpi",
        "--center",
        "iwaki",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-12",
        "--format",
        "text",
        stdout=out,
    )
    text = out.getvalue()
    assert "総着信呼数: 15" in text
    assert "受電応答率: 53.3%" in text  # 8 / 15
    assert "0246-54-2111: 着信 4 応答 2 応答率 50.0%" in text
    assert "一次回答率:" in text


def test_operating_hours_respect_the_year_end_closure(iwaki: Center) -> None:
    # 12-28 (Mon) 10.5 h; 12-29 … 01-03 closed; 01-04 (Mon) 10.5 h
    assert operating_hours(center=iwaki, first=date(2026, 12, 28), last=date(2027, 1, 4)) == 21.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--center", "nowhere", "--from", "2026-10-01", "--to", "2026-10-02"], "nowhere"),
        (["--center", "iwaki", "--from", "2026-10-02", "--to", "2026-10-01"], "より前です"),
        (["--center", "iwaki", "--from", "2026-13-01", "--to", "2026-10-01"], "2026-13-01"),
        (
            [
                "--center",
                "iwaki",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-01",
                "--short-abandon-s",
                "-1",
            ],
            "0 以上",
        ),
    ],
)
def test_bad_input_is_a_clear_japanese_error(iwaki: Center, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("kpi", *args, stdout=io.StringIO())

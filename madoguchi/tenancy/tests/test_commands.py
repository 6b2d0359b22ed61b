"""``madoguchi center_status`` and ``madoguchi load_scenario``."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from madoguchi.audit.models import AuditEvent
from madoguchi.tenancy.models import Calendar, Center, InboundNumber, OpeningHours

pytestmark = pytest.mark.django_db


def status(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("center_status", *args, "--format", "json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def db_counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (AuditEvent, Center, Calendar, OpeningHours, InboundNumber)
    )


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (
            "2026-01-05T08:30",
            {
                "center": "iwaki",
                "at": "2026-01-05T08:30:00+09:00",
                "open": True,
                "opens_at": "2026-01-05T08:30:00+09:00",
                "closes_at": "2026-01-05T19:00:00+09:00",
                "day_type": "weekday",
                "next_business_day": "2026-01-06",
            },
        ),
        (
            "2026-01-05T08:29",
            {
                "center": "iwaki",
                "at": "2026-01-05T08:29:00+09:00",
                "open": False,
                "opens_at": "2026-01-05T08:30:00+09:00",
                "closes_at": "2026-01-05T19:00:00+09:00",
                "day_type": "weekday",
                "next_business_day": "2026-01-06",
            },
        ),
        (
            "2026-01-02T10:00",
            {
                "center": "iwaki",
                "at": "2026-01-02T10:00:00+09:00",
                "open": False,
                "opens_at": None,
                "closes_at": None,
                "day_type": "year_end",
                "next_business_day": "2026-01-04",
            },
        ),
        (
            "2026-01-12T17:00",
            {
                "center": "iwaki",
                "at": "2026-01-12T17:00:00+09:00",
                "open": False,
                "opens_at": "2026-01-12T08:30:00+09:00",
                "closes_at": "2026-01-12T17:00:00+09:00",
                "day_type": "holiday",
                "next_business_day": "2026-01-13",
            },
        ),
        (
            # UTC input: reported in Tokyo time, on the Tokyo date.
            "2026-01-04T23:30:00Z",
            {
                "center": "iwaki",
                "at": "2026-01-05T08:30:00+09:00",
                "open": True,
                "opens_at": "2026-01-05T08:30:00+09:00",
                "closes_at": "2026-01-05T19:00:00+09:00",
                "day_type": "weekday",
                "next_business_day": "2026-01-06",
            },
        ),
        (
            # Full-width digits are read after NFKC normalisation.
            "２０２６-01-05T08:30",
            {
                "center": "iwaki",
                "at": "2026-01-05T08:30:00+09:00",
                "open": True,
                "opens_at": "2026-01-05T08:30:00+09:00",
                "closes_at": "2026-01-05T19:00:00+09:00",
                "day_type": "weekday",
                "next_business_day": "2026-01-06",
            },
        ),
        (
            "2026-12-28T18:59:59",
            {
                "center": "iwaki",
                "at": "2026-12-28T18:59:59+09:00",
                "open": True,
                "opens_at": "2026-12-28T08:30:00+09:00",
                "closes_at": "2026-12-28T19:00:00+09:00",
                "day_type": "weekday",
                "next_business_day": "2027-01-04",
            },
        ),
    ],
)
def test_center_status_json(iwaki, at, expected):
    before = db_counts()
    assert status("iwaki", "--at", at) == expected
    assert db_counts() == before


def test_center_status_json_for_other_centers(all_scenarios):
    niigata = status("niigata", "--at", "2026-01-01T09:00")
    assert (niigata["open"], niigata["day_type"], niigata["opens_at"], niigata["closes_at"]) == (
        True,
        "holiday",
        "2026-01-01T09:00:00+09:00",
        "2026-01-01T17:00:00+09:00",
    )
    oita = status("oita", "--at", "2026-01-10T10:00")
    assert (oita["open"], oita["day_type"], oita["opens_at"], oita["next_business_day"]) == (
        False,
        "saturday",
        None,
        "2026-01-13",
    )


def test_center_status_without_at_uses_now(iwaki):
    before = timezone.now()
    result = status("iwaki")
    at = datetime.fromisoformat(result["at"])
    assert at.utcoffset() == timedelta(hours=9)
    assert before - timedelta(seconds=1) <= at <= timezone.now() + timedelta(seconds=1)


@pytest.mark.parametrize("at", ["2026-13-01", "yesterday", "2026/01/05 08:30", "2026-01-05T24:30"])
def test_center_status_refuses_malformed_at(iwaki, at):
    before = db_counts()
    with pytest.raises(CommandError) as excinfo:
        status("iwaki", "--at", at)
    assert str(excinfo.value) == (
        f"「{at}」は日時として読めません。2026-01-05T08:30 のように入力してください。"
    )
    assert db_counts() == before


def test_center_status_refuses_an_empty_at(iwaki):
    """``--at ""`` (e.g. an unset shell variable) must not silently mean "now"."""
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("center_status", "iwaki", "--at", "", "--format", "json", stdout=out)
    assert "日時として読めません" in str(excinfo.value)
    assert out.getvalue() == ""


def test_center_status_unknown_center(iwaki):
    before = db_counts()
    with pytest.raises(CommandError) as excinfo:
        status("kawasaki", "--at", "2026-01-05T10:00")
    assert str(excinfo.value) == "センター「kawasaki」はありません。"
    assert db_counts() == before


def test_center_status_text(iwaki):
    out = io.StringIO()
    call_command("center_status", "iwaki", "--at", "2026-01-05T10:00", stdout=out)
    assert out.getvalue() == (
        "いわき市総合コールセンター: 2026-01-05 10:00 は受付中（この日の受付 08:30〜19:00）\n"
    )
    out = io.StringIO()
    call_command("center_status", "iwaki", "--at", "2026-12-31T10:00", stdout=out)
    assert out.getvalue() == (
        "いわき市総合コールセンター: 2026-12-31 10:00 は受付時間外（この日の受付 終日休業）\n"
    )


def test_center_status_refuses_unknown_format(iwaki):
    with pytest.raises(CommandError) as excinfo:
        call_command("center_status", "iwaki", "--format", "xml", stdout=io.StringIO())
    assert "xml" in str(excinfo.value)


def test_load_scenario_prints_each_center():
    out = io.StringIO()
    call_command("load_scenario", "sapporo", "oita", stdout=out)
    assert out.getvalue().splitlines() == [
        "sapporo: 札幌市高齢者施策アンケート コールセンター（011-211-2977）",
        "oita: 大分市マイナンバーカードコールセンター（097-510-5151）",
    ]
    assert sorted(Center.objects.values_list("slug", flat=True)) == ["oita", "sapporo"]


def test_load_scenario_refuses_unknown_slug():
    with pytest.raises(CommandError) as excinfo:
        call_command("load_scenario", "kawasaki", stdout=io.StringIO())
    assert "kawasaki" in str(excinfo.value)
    assert Center.objects.count() == 0
    assert AuditEvent.objects.count() == 0

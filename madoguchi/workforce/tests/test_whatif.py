"""What-if (WFM-4): a planned day through the call simulator against the formula."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from madoguchi.workforce.erlang import erlang_a
from madoguchi.workforce.models import Forecast
from madoguchi.workforce.selectors import slots_between
from madoguchi.workforce.tests.factories import StaffingPlanFactory

DAY = date(2026, 5, 18)  # Monday: Iwaki 08:30–19:00, eleven 60-minute intervals
#: (forecast calls, planned agents) for the first three intervals; the rest are quiet.
LOAD = [(30.0, 4), (60.0, 7), (60.0, 4)]
AHT = 300.0


@pytest.fixture
def planned_day(iwaki):
    for i, slot in enumerate(slots_between(center=iwaki, first=DAY, last=DAY)):
        calls, planned = LOAD[i] if i < len(LOAD) else (0.0, 0)
        Forecast.objects.create(
            center=iwaki, date=DAY, start=slot.start, minutes=slot.minutes, calls=calls, aht_s=AHT
        )
        StaffingPlanFactory(
            center=iwaki,
            start=slot.start,
            minutes=slot.minutes,
            planned_agents=planned,
            required_agents=planned,
        )
    return iwaki


def whatif(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("whatif", *args, stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_whatif_simulated_day_agrees_with_the_formula(planned_day):
    """Tolerance: each busy interval's simulated answer rate within 0.025 of Erlang A (about
    3 CI95 half-widths at ~3,000 simulated calls), ASA within 20 % or 2 s; the call-weighted
    day answer rate within 0.015."""
    data = whatif("--center", "iwaki", "--date", "2026-05-18")
    assert data["model"] == "erlang_a"
    assert data["patience_s"] == 120.0
    assert data["calls"] == 150.0
    rows = data["intervals"]
    assert isinstance(rows, list) and len(rows) == 11
    for row, (calls, planned) in zip(rows, LOAD, strict=False):
        exact = erlang_a(calls, AHT, 120, planned, 20)
        assert row["formula"]["answer_rate"] == round(exact.answered_fraction, 6)
        assert row["formula"]["asa_s"] == round(exact.asa_answered_s, 3)
        simulated = row["simulated"]
        assert row["simulated_calls"] > 2000
        assert abs(simulated["answer_rate"] - exact.answered_fraction) <= 0.025
        assert abs(simulated["asa_s"] - exact.asa_answered_s) <= max(
            0.2 * exact.asa_answered_s, 2.0
        )
        assert 0 < row["ci95_half_width_answer_rate"] < 0.025
    assert rows[0]["interval"] == "08:30" and rows[-1]["minutes"] == 30
    # The understaffed third interval answers fewer calls, in both.
    assert rows[2]["formula"]["answer_rate"] < rows[1]["formula"]["answer_rate"] - 0.1
    assert rows[2]["simulated"]["answer_rate"] < rows[1]["simulated"]["answer_rate"] - 0.1
    day_formula = sum(c * erlang_a(c, AHT, 120, n, 20).answered_fraction for c, n in LOAD) / 150
    assert data["formula"]["answer_rate"] == pytest.approx(day_formula, abs=1e-6)
    assert abs(data["simulated"]["answer_rate"] - day_formula) <= 0.015
    assert rows[5]["simulated"] == {"answer_rate": 1.0, "asa_s": 0.0, "service_level": 1.0}


def test_whatif_without_a_plan_is_a_clear_error(iwaki):
    with pytest.raises(CommandError, match="2026-05-19 の要員計画がありません"):
        whatif("--center", "iwaki", "--date", "2026-05-19")
    with pytest.raises(CommandError, match="日付として読めません"):
        whatif("--center", "iwaki", "--date", "tomorrow")

"""The simulator gateway: reproducible, recording matches planning, queueing theory holds."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from madoguchi.calls.gateway.simulator import BusinessClock, SimulationSpec, Simulator
from madoguchi.calls.models import AgentStateEvent, Call, CallEvent, Disposition
from madoguchi.calls.selectors import routing_table
from madoguchi.calls.services import queue_ensure_default
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.workforce.erlang import erlang_a


@pytest.fixture
def iwaki_policy(iwaki):
    queue_ensure_default(actor=None, center=iwaki)
    return routing_table().centers[iwaki.pk]


def simulate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("simulate", *args, "--format", "json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_business_clock_skips_closed_time(iwaki_policy):
    clock = BusinessClock(iwaki_policy.calendar, date(2026, 1, 2))  # Jan 2: year-end closure
    first = clock(0).astimezone(TOKYO)
    assert first.isoformat() == "2026-01-04T08:30:00+09:00"  # Sunday hours 08:30–17:00
    assert clock(8.5 * 3600 - 1).astimezone(TOKYO).isoformat() == "2026-01-04T16:59:59+09:00"
    assert clock(8.5 * 3600).astimezone(TOKYO).isoformat() == "2026-01-05T08:30:00+09:00"


def test_same_seed_same_result_other_seed_other_result(iwaki):
    args = [
        "--center",
        "iwaki",
        "--calls-per-hour",
        "60",
        "--aht",
        "240",
        "--patience",
        "90",
        "--agents",
        "5",
        "--hours",
        "50",
    ]
    first = simulate(*args, "--seed", "3")
    again = simulate(*args, "--seed", "3")
    other = simulate(*args, "--seed", "4")
    drop = {"calls_per_wall_s", "wall_s"}
    assert {k: v for k, v in first.items() if k not in drop} == {
        k: v for k, v in again.items() if k not in drop
    }
    assert first["offered"] != other["offered"]


def test_recording_mode_writes_what_planning_counts(iwaki):
    args = [
        "--center",
        "iwaki",
        "--calls-per-hour",
        "40",
        "--aht",
        "200",
        "--patience",
        "60",
        "--agents",
        "2",
        "--hours",
        "20",
        "--seed",
        "5",
    ]
    planned = simulate(*args)
    recorded = simulate(*args, "--mode", "recording")
    assert recorded["offered"] == planned["offered"] == Call.objects.count()
    answered = Call.objects.filter(disposition=Disposition.ANSWERED)
    assert answered.count() == planned["answered"]
    assert Call.objects.filter(disposition=Disposition.ABANDONED).count() == planned["abandoned"]
    call = answered.order_by("arrived_at").first()
    assert call is not None and call.answered_at is not None
    assert call.agent is not None and call.agent.is_simulated
    assert list(call.events.values_list("type", flat=True)) == [
        "arrived",
        "answered",
        "notice_played",
        "recording_started",
        "enqueued",
        "agent_offered",
        "agent_connected",
        "ended",
        "wrap_up_ended",
    ]
    # Every recorded call lies in Iwaki's opening hours.
    for arrived in Call.objects.values_list("arrived_at", flat=True)[:500]:
        local = arrived.astimezone(TOKYO)
        assert (local.hour, local.minute) >= (8, 30)
        assert local.hour < 19
    assert CallEvent.objects.filter(type="abandoned").count() == planned["abandoned"]
    assert AgentStateEvent.objects.filter(state="on_call").count() == planned["answered"]


def test_sapporo_overflows_to_voicemail_and_blocks_the_sixth_line(all_scenarios):
    result = simulate(
        "--center",
        "sapporo",
        "--calls-per-hour",
        "30",
        "--aht",
        "900",
        "--patience",
        "600",
        "--agents",
        "3",
        "--hours",
        "100",
        "--seed",
        "2",
    )
    assert result["blocked"] > 0  # five lines: the sixth caller hears busy
    assert result["offered"] == (
        result["answered"] + result["abandoned"] + result["blocked"] + result["voicemail"]
    )


def test_hourly_profile_shapes_arrivals(iwaki_policy):
    quiet_mornings = [0.0] * 12 + [1.0] * 12  # no calls before noon
    spec = SimulationSpec(
        center=iwaki_policy,
        calls_per_hour=60,
        aht_s=120,
        patience_s=60,
        agents=3,
        hours=40,
        seed=9,
        hourly_profile=quiet_mornings,
    )
    flat = SimulationSpec(
        center=iwaki_policy, calls_per_hour=60, aht_s=120, patience_s=60, agents=3, hours=40, seed=9
    )
    shaped = Simulator(spec).run()
    baseline = Simulator(flat).run()
    assert 0.3 * baseline.offered < shaped.offered < 0.7 * baseline.offered


def test_empirical_handle_times_are_used(iwaki_policy, tmp_path):
    spec = SimulationSpec(
        center=iwaki_policy,
        calls_per_hour=20,
        aht_s=999,
        patience_s=600,
        agents=4,
        hours=30,
        seed=1,
        handle_times=[60.0],
    )
    result = Simulator(spec).run()
    # Every answered call took exactly 60 s: busy time / capacity is known exactly.
    assert result.occupancy == pytest.approx(result.answered * 60 / (4 * 30 * 3600))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--agents", "0", "--agents は1以上"),
        ("--aht", "-3", "--aht は正の数"),
        ("--hours", "0", "--hours は正の数"),
        ("--start", "2026-02-30", "日付として読めません"),
        ("--profile", "1,2,3", "数値24個"),
        ("--ring-no-answer", "1.5", "0以上1未満"),
    ],
)
def test_bad_options_get_a_clear_message(iwaki, option, value, message):
    base = {
        "--center": "iwaki",
        "--calls-per-hour": "10",
        "--aht": "60",
        "--patience": "60",
        "--agents": "1",
        "--hours": "1",
    }
    base[option] = value
    args = [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=message):
        call_command("simulate", *args, stdout=io.StringIO())
    assert Call.objects.count() == 0


def test_unknown_center_is_refused(db):
    with pytest.raises(CommandError, match="センター「nowhere」はありません。"):
        simulate(
            "--center",
            "nowhere",
            "--calls-per-hour",
            "1",
            "--aht",
            "1",
            "--patience",
            "1",
            "--agents",
            "1",
            "--hours",
            "1",
        )


@pytest.mark.parametrize(
    ("calls_per_hour", "aht", "patience", "agents"),
    [(95.24, 180, 60, 7), (273.7, 300, 60, 24), (19.09, 360, 120, 3)],
)
def test_simulation_agrees_with_exact_erlang_a(iwaki, calls_per_hour, aht, patience, agents):
    """400 open hours, seed 11: answer rate within 0.01 and ASA within 15 % (or 1 s)."""
    exact = erlang_a(calls_per_hour, aht, patience, agents)
    result = simulate(
        "--center",
        "iwaki",
        "--calls-per-hour",
        str(calls_per_hour),
        "--aht",
        str(aht),
        "--patience",
        str(patience),
        "--agents",
        str(agents),
        "--hours",
        "400",
        "--seed",
        "11",
    )
    assert abs(result["answer_rate"] - exact.answered_fraction) <= 0.01
    assert abs(result["asa_s"] - exact.asa_answered_s) <= max(0.15 * exact.asa_answered_s, 1.0)
    assert abs(result["occupancy"] - exact.occupancy) <= 0.02
    assert abs(result["service_level"] - exact.sl_offered) <= 0.02
    # The batch-means half-width is reported and narrow enough to mean something.
    half = result["ci95_half_width"]["answer_rate"]
    assert 0 < half < 0.02

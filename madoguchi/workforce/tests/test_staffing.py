"""``madoguchi staffing`` (WFM-1): published worked examples to 6 significant figures, every
target mode, Erlang B / C / A selection, bad input, and agreement with the call simulator."""

from __future__ import annotations

import io
import json
import math
from fractions import Fraction
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from madoguchi.calls.gateway.simulator import SimulationSpec, Simulator
from madoguchi.calls.selectors import routing_table
from madoguchi.calls.services import queue_ensure_default
from madoguchi.workforce.erlang import agents_for_service_level, erlang_a, erlang_b, erlang_c
from madoguchi.workforce.staffing import StaffingQuery, TargetKind, calculate, evaluate


def staffing(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("staffing", *args, "--format", "json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def sig6(x: float) -> float:
    return float(f"{x:.6g}")


def exact_erlang_c(n: int, a: int) -> Fraction:
    """C(N, A) in exact rational arithmetic, straight from the definitions."""
    terms = [Fraction(a**k, math.factorial(k)) for k in range(n + 1)]
    b = terms[-1] / sum(terms)
    return n * b / (n - a * (1 - b))


# --------------------------------------------------------------------------- worked examples


def test_erlang_c_worked_example_to_six_significant_figures():
    """R package ErlangC README: 100 calls / 30 min, AHT 180 s, 14 agents → P(wait) 0.1741,
    SL(20 s) 0.8884, ASA 7.84 s. The exact values below are computed here from the
    definitions in rational arithmetic (P(wait) = 1,0 …), then compared to 6 s.f."""
    result = staffing("--calls-per-hour", "200", "--aht", "180", "--agents", "14")
    c = exact_erlang_c(14, 10)
    p_wait = float(c)
    sl = 1 - p_wait * math.exp(-(14 - 10) * 20 / 180)
    asa = p_wait * 180 / (14 - 10)
    assert result["model"] == "erlang_c"
    assert result["load_erlangs"] == 10.0
    assert sig6(result["p_wait"]) == sig6(p_wait) == 0.174132
    assert sig6(result["service_level"]) == sig6(sl) == 0.888350
    assert sig6(result["asa_answered_s"]) == sig6(asa) == 7.83594
    # … and they round to the published figures.
    assert (round(p_wait, 4), round(sl, 4), round(asa, 2)) == (0.1741, 0.8884, 7.84)
    assert result["occupancy"] == pytest.approx(10 / 14, rel=1e-12)
    assert (result["p_abandon"], result["p_blocked"], result["p_answered"]) == (0.0, 0.0, 1.0)
    assert result["agents"] == result["scheduled_agents"] == 14


@pytest.mark.parametrize(
    ("lines", "erlangs", "blocking"),
    [
        (5, 2.0, 4 / 109),  # B(5, 2) = (2^5/5!) / Σ 2^k/k! = 4/109 exactly
        (1, 1.0, 0.5),  # one line, one Erlang: B = A / (1 + A)
        (10, 4.461, 0.010),  # Erlang B table: 10 lines carry 4.46 Erlangs at 1 %
        (30, 20.337, 0.010),  # 30 lines: 20.34 Erlangs at 1 %
    ],
)
def test_erlang_b_when_lines_equal_agents(lines, erlangs, blocking):
    aht = 180
    result = staffing(
        "--calls-per-hour",
        repr(erlangs * 3600 / aht),
        "--aht",
        str(aht),
        "--lines",
        str(lines),
        "--agents",
        str(lines),
    )
    assert result["model"] == "erlang_b"
    assert result["p_wait"] == 0.0 and result["asa_answered_s"] == 0.0
    digits = 6 if blocking in (4 / 109, 0.5) else 2
    assert float(f"{result['p_blocked']:.{digits}g}") == float(f"{blocking:.{digits}g}")
    assert result["p_answered"] == pytest.approx(1 - result["p_blocked"], abs=1e-15)
    assert result["occupancy"] == pytest.approx(erlangs * (1 - result["p_blocked"]) / lines)


def test_erlang_b_agrees_with_erlang_a_with_no_waiting_room():
    """Erlang A with lines = agents has no queue: it must give the Erlang B figures."""
    q = StaffingQuery(200, 180, TargetKind.AGENTS, 12, patience_s=60, lines=12)
    b = evaluate(q, 12)
    a = erlang_a(200, 180, 60, 12, 20, lines=12)
    assert b.model == "erlang_b"
    assert b.p_blocked == pytest.approx(a.p_blocked, rel=1e-9)
    assert b.p_blocked == pytest.approx(erlang_b(12, 10.0), rel=1e-15)
    assert b.p_answered == pytest.approx(a.answered_fraction, rel=1e-9)
    assert b.occupancy == pytest.approx(a.occupancy, rel=1e-9)


# --------------------------------------------------------------------------- target modes


def test_target_answer_rate_with_patience_is_the_smallest_erlang_a_n():
    result = staffing(
        "--calls-per-hour", "200", "--aht", "180", "--patience", "60",
        "--target-answer-rate", "0.9",
    )  # fmt: skip
    n = result["agents"]
    assert result["model"] == "erlang_a"
    assert result["p_answered"] >= 0.9
    assert erlang_a(200, 180, 60, n - 1).answered_fraction < 0.9
    exact = erlang_a(200, 180, 60, n)
    assert result["p_abandon"] == exact.p_abandon
    assert result["asa_answered_s"] == exact.asa_answered_s
    assert result["service_level"] == exact.sl_offered
    assert result["p_answered"] + result["p_abandon"] + result["p_blocked"] == pytest.approx(1)
    assert n == 12


def test_target_service_level_erlang_c_is_minimal():
    result = staffing(
        "--calls-per-hour", "200", "--aht", "180",
        "--target-service-level", "0.8", "--threshold-s", "20",
    )  # fmt: skip
    n = result["agents"]
    assert result["model"] == "erlang_c"
    assert result["service_level"] >= 0.8
    assert erlang_c(n - 1, 10.0, 180).service_level(20) < 0.8  # 13 agents: 0.795595
    assert n == 14 == agents_for_service_level(200, 180, 0.8, 20)


def test_target_service_level_uses_the_threshold():
    loose = staffing(
        "--calls-per-hour", "200", "--aht", "180",
        "--target-service-level", "0.8", "--threshold-s", "60",
    )  # fmt: skip
    assert loose["agents"] == 13 == agents_for_service_level(200, 180, 0.8, 60)
    assert loose["threshold_s"] == 60.0
    assert loose["service_level"] == pytest.approx(erlang_c(13, 10.0, 180).service_level(60))


def test_target_asa_erlang_c_and_erlang_a():
    c = staffing("--calls-per-hour", "200", "--aht", "180", "--target-asa-s", "8")
    assert c["agents"] == 14  # 7.84 s ≤ 8 s; 13 agents wait longer
    assert erlang_c(13, 10.0, 180).asa_s > 8
    a = staffing(
        "--calls-per-hour", "200", "--aht", "180", "--patience", "60", "--target-asa-s", "8"
    )
    assert a["model"] == "erlang_a"
    assert a["asa_answered_s"] <= 8
    assert erlang_a(200, 180, 60, a["agents"] - 1).asa_answered_s > 8
    assert a["agents"] <= c["agents"]  # abandoning callers shorten the queue


def test_max_occupancy_and_shrinkage():
    result = staffing(
        "--calls-per-hour", "200", "--aht", "180", "--target-asa-s", "8",
        "--max-occupancy", "0.7", "--shrinkage", "0.3",
    )  # fmt: skip
    assert result["agents"] == 15  # 10/14 = 0.714 > 0.7
    assert result["occupancy"] == pytest.approx(10 / 15)
    assert result["scheduled_agents"] == 22  # ⌈15 / 0.7⌉ = ⌈21.43⌉


def test_line_limit_blocks_and_every_fraction_adds_up():
    result = staffing(
        "--calls-per-hour", "200", "--aht", "180", "--patience", "60",
        "--lines", "14", "--agents", "10",
    )  # fmt: skip
    exact = erlang_a(200, 180, 60, 10, 20, lines=14)
    assert result["model"] == "erlang_a"
    assert result["p_blocked"] == exact.p_blocked > 0
    assert result["p_answered"] + result["p_abandon"] + result["p_blocked"] == pytest.approx(1)
    # A line limit without patience is still finite even when the load exceeds the agents.
    overloaded = staffing(
        "--calls-per-hour", "400", "--aht", "180", "--lines", "12", "--agents", "10"
    )
    assert overloaded["model"] == "erlang_a"
    assert overloaded["p_abandon"] == 0.0
    assert 0 < overloaded["p_blocked"] < 1


def test_text_format_is_japanese():
    out = io.StringIO()
    call_command(
        "staffing", "--calls-per-hour", "200", "--aht", "180", "--agents", "14", stdout=out
    )
    text = out.getvalue()
    assert "計算モデル: erlang_c" in text
    assert "平均応答時間（応答呼）: 7.84 秒" in text
    assert "サービスレベル（20 秒以内に応答 ÷ 着信）: 88.8350%" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agents", "14", "--target-asa-s", "9"], "いずれか1つを指定"),
        ([], "いずれか1つを指定"),
        (["--target-service-level", "0.8"], "--threshold-s"),
        (["--agents", "14", "--aht", "0"], "平均処理時間は正の秒数"),
        (["--target-answer-rate", "90"], "目標の率は0より大きく1未満"),
        (["--agents", "5"], "待ち行列が限りなく伸びます"),
        (["--agents", "14", "--lines", "12"], "回線数（12）が要員数（14）より少なく"),
        (["--agents", "14", "--patience", "-3"], "平均放棄時間は正の秒数"),
        (["--agents", "14", "--shrinkage", "1"], "シュリンケージは0以上1未満"),
        (["--agents", "14", "--max-occupancy", "0"], "稼働率の上限"),
        (["--agents", "0"], "要員数は1以上の整数"),
        (["--target-answer-rate", "0.99", "--lines", "8"], "要員 8 名までで目標を満たせません"),
    ],
)
def test_bad_or_contradictory_input_is_a_clear_japanese_error(args, message):
    base = ["--calls-per-hour", "200", "--aht", "180"]
    if "--aht" in args:
        base = ["--calls-per-hour", "200"]
    with pytest.raises(CommandError, match=message):
        staffing(*base, *args)


# --------------------------------------------------------------------------- simulator


@pytest.mark.parametrize(
    ("calls_per_hour", "aht", "patience", "target"),
    [(200.0, 180.0, 60.0, 0.9), (60.0, 300.0, 120.0, 0.95)],
)
def test_computed_staffing_holds_in_the_call_simulator(
    iwaki, calls_per_hour, aht, patience, target
):
    """Staff by the formula, simulate 300 open hours through the real routing + ACD engine:
    the simulated answer rate lies within 0.01 of the formula (≈ 3 batch-means CI95
    half-widths at this length) and still meets the target minus that tolerance; ASA within
    15 % or 1 s; service level within 0.02."""
    q = StaffingQuery(calls_per_hour, aht, TargetKind.ANSWER_RATE, target, patience_s=patience)
    formula = calculate(q)
    queue_ensure_default(actor=None, center=iwaki)
    spec = SimulationSpec(
        center=routing_table().centers[iwaki.pk],
        calls_per_hour=calls_per_hour,
        aht_s=aht,
        patience_s=patience,
        agents=formula.agents,
        hours=300,
        seed=5,
    )
    simulated = Simulator(spec).run()
    assert simulated.offered > 0.95 * calls_per_hour * 300
    assert abs(simulated.answer_rate - formula.p_answered) <= 0.01
    assert simulated.answer_rate >= target - 0.01
    assert abs(simulated.asa_s - formula.asa_answered_s) <= max(0.15 * formula.asa_answered_s, 1)
    assert abs(simulated.service_level - formula.service_level) <= 0.02
    assert 0 < simulated.half_widths["answer_rate"] < 0.01


def test_erlang_c_staffing_holds_in_the_simulator_with_very_patient_callers(iwaki):
    formula = staffing("--calls-per-hour", "200", "--aht", "180", "--target-asa-s", "8")
    queue_ensure_default(actor=None, center=iwaki)
    spec = SimulationSpec(
        center=routing_table().centers[iwaki.pk],
        calls_per_hour=200,
        aht_s=180,
        patience_s=1e9,  # nobody gives up: M/M/N
        agents=formula["agents"],
        hours=300,
        seed=8,
    )
    simulated = Simulator(spec).run()
    assert simulated.abandoned == 0
    assert abs(simulated.asa_s - formula["asa_answered_s"]) <= 0.2 * formula["asa_answered_s"]
    assert abs(simulated.service_level - formula["service_level"]) <= 0.02

"""Erlang B, C and A (REQUIREMENTS WFM-1): published values, limits, identities, and an
independent Monte-Carlo check of the exact Erlang A figures. No database."""

from __future__ import annotations

import heapq
import math
import random
import time
from typing import Any

import pytest

from madoguchi.workforce.erlang import (
    ErlangAResult,
    agents_for_asa,
    agents_for_service_level,
    capacity_for_blocking,
    erlang_a,
    erlang_b,
    erlang_c,
    lines_for_blocking,
    required_agents_erlang_a,
    with_shrinkage,
)


def sig6(x: float) -> float:
    """``x`` rounded to 6 significant digits."""
    return float(f"{x:.6g}")


def erlang_b_by_factorials(n: int, a: float) -> float:
    """B(N, A) straight from the definition (A^N/N!) / Σ A^k/k!, for small N."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / math.fsum(terms)


# --------------------------------------------------------------------------- Erlang B


def test_erlang_b_published_values():
    # Tables print 0.018384 (truncated); the exact value is 0.0183845703...
    assert erlang_b(10, 5) == pytest.approx(0.018384, abs=1e-6)
    assert erlang_b(10, 5) == pytest.approx(0.018384570337, abs=1e-12)
    assert erlang_b(1, 1) == 0.5
    assert erlang_b(2, 1) == pytest.approx(0.2, abs=1e-15)
    for a in (0.0, 0.5, 7.0, 1e6):
        assert erlang_b(0, a) == 1.0
    assert erlang_b(5, 0.0) == 0.0


def test_erlang_b_matches_the_factorial_definition():
    for n in range(0, 25):
        for a in (0.1, 1.0, 4.5, 12.0, 30.0):
            assert erlang_b(n, a) == pytest.approx(erlang_b_by_factorials(n, a), rel=1e-12)


def test_erlang_b_is_stable_for_large_systems():
    b = erlang_b(2000, 1900.0)
    assert 0.0 < b < 0.05
    assert math.isfinite(b)


def test_erlang_b_capacity_matches_published_tables():
    # Standard Erlang B table (load in Erlangs at 1 %, 2 %, 5 % blocking), 2 decimals.
    table = {
        10: (4.46, 5.08, 6.22),
        20: (12.03, 13.18, 15.25),
        50: (37.90, 40.26, 44.53),
    }
    for n, loads in table.items():
        for target, load in zip((0.01, 0.02, 0.05), loads, strict=True):
            assert capacity_for_blocking(n, target) == pytest.approx(load, abs=0.005)


def test_lines_for_blocking():
    assert lines_for_blocking(5.0, 0.02) == 10  # B(10, 5) = 0.018 <= 0.02 < B(9, 5)
    assert erlang_b(9, 5.0) > 0.02
    assert lines_for_blocking(5.0, 1.0) == 0
    assert lines_for_blocking(0.0, 0.01) == 1
    assert lines_for_blocking(10.0, 0.01) == 18
    assert erlang_b(18, 10.0) <= 0.01 < erlang_b(17, 10.0)


def test_capacity_and_lines_round_trip():
    for n in (1, 2, 5, 10, 30, 100):
        for target in (0.001, 0.01, 0.05, 0.2):
            cap = capacity_for_blocking(n, target)
            assert erlang_b(n, cap) <= target
            assert erlang_b(n, cap) == pytest.approx(target, rel=1e-12)
            assert lines_for_blocking(cap, target) == n
            assert lines_for_blocking(cap * (1 + 1e-9), target) == n + 1
    assert capacity_for_blocking(1, 0.5) == pytest.approx(1.0, rel=1e-14)  # B(1, A) = A/(1+A)
    assert capacity_for_blocking(3, 1.0) == math.inf


def test_erlang_b_rejects_bad_arguments():
    with pytest.raises(ValueError):
        erlang_b(-1, 1.0)
    with pytest.raises(ValueError):
        erlang_b(3, -0.1)
    with pytest.raises(ValueError):
        erlang_b(3, math.nan)
    with pytest.raises(ValueError):
        lines_for_blocking(1.0, 0.0)
    with pytest.raises(ValueError):
        capacity_for_blocking(0, 0.1)


# --------------------------------------------------------------------------- Erlang C


def test_erlang_c_worked_example():
    """ErlangC README: 100 calls / 30 min, AHT 180 s, 14 agents."""
    a = 100 / 1800 * 180
    assert a == pytest.approx(10.0)
    r = erlang_c(14, a, 180)
    assert r.p_wait == pytest.approx(0.1741, abs=5e-5)
    assert r.service_level(20) == pytest.approx(0.8884, abs=5e-5)
    assert r.asa_s == pytest.approx(7.84, abs=0.005)
    assert r.mean_wait_delayed_s == pytest.approx(45.0, abs=1e-12)  # 180 / (14 − 10)
    assert r.occupancy == pytest.approx(10 / 14, abs=1e-15)
    assert r.lq == pytest.approx(r.p_wait * 10 / 4, abs=1e-15)
    assert r.service_level(0) == pytest.approx(1 - r.p_wait, abs=1e-15)
    # Little's law: Lq = λ · ASA
    assert r.lq == pytest.approx((100 / 1800) * r.asa_s, rel=1e-12)


def test_erlang_c_matches_its_definition_via_erlang_b():
    for n, a in ((1, 0.5), (3, 2.5), (20, 15.0), (50, 49.9)):
        b = erlang_b_by_factorials(n, a)
        assert erlang_c(n, a, 60).p_wait == pytest.approx(n * b / (n - a * (1 - b)), rel=1e-12)
    # M/M/1: C = ρ
    assert erlang_c(1, 0.3, 60).p_wait == pytest.approx(0.3, abs=1e-15)


def test_erlang_c_overloaded():
    for n, a in ((14, 14.0), (14, 20.0), (1, 1.0)):
        r = erlang_c(n, a, 180)
        assert not r.stable
        assert r.p_wait == 1.0
        assert r.service_level(20) == 0.0
        assert r.asa_s == math.inf
        assert r.mean_wait_delayed_s == math.inf
        assert r.lq == math.inf
        assert r.occupancy == 1.0


def test_agents_for_service_level_and_asa():
    assert agents_for_service_level(200, 180, 0.80, 20) == 14
    assert erlang_c(13, 10.0, 180).service_level(20) == pytest.approx(0.795595, abs=5e-7)
    assert agents_for_service_level(200, 180, 0.70, 20) == 13
    assert agents_for_service_level(200, 180, 0.0, 20) == 11  # N >= floor(A) + 1
    assert agents_for_service_level(200, 180, 0.80, 20, max_occupancy=0.65) == 16  # 10/16
    assert agents_for_service_level(0, 180, 0.80, 20) == 1
    assert agents_for_asa(200, 180, 10) == 14
    assert erlang_c(13, 10.0, 180).asa_s == pytest.approx(17.1162, abs=5e-5)
    assert agents_for_asa(200, 180, 7.84) == 14
    assert agents_for_asa(200, 180, 7.83) == 15


def test_with_shrinkage():
    assert with_shrinkage(7, 0.3) == 10  # 7 / 0.7 is 10.000000000000002 in binary
    assert with_shrinkage(14, 0.3) == 20
    assert with_shrinkage(14, 0.25) == 19  # 18.67
    assert with_shrinkage(10, 0.0) == 10
    assert with_shrinkage(1, 0.5) == 2
    assert with_shrinkage(0, 0.4) == 0
    with pytest.raises(ValueError):
        with_shrinkage(10, 1.0)


# --------------------------------------------------------------------------- Erlang A


def test_erlang_a_converges_to_erlang_c_when_patience_is_huge():
    c = erlang_c(14, 10.0, 180)
    r = erlang_a(200, 180, 1e9, 14)
    assert r.p_wait == pytest.approx(c.p_wait, abs=1e-4)
    assert r.asa_answered_s == pytest.approx(c.asa_s, abs=1e-4)
    assert r.mean_wait_all_s == pytest.approx(c.asa_s, abs=1e-4)
    assert r.sl_offered == pytest.approx(c.service_level(20), abs=1e-4)
    assert r.occupancy == pytest.approx(c.occupancy, abs=1e-4)
    assert r.expected_queue == pytest.approx(c.lq, abs=1e-4)
    assert r.p_abandon == pytest.approx(0.0, abs=1e-7)
    # No abandonment at all is Erlang C exactly.
    r = erlang_a(200, 180, math.inf, 14)
    assert r.p_wait == pytest.approx(c.p_wait, rel=1e-12)
    assert r.asa_answered_s == pytest.approx(c.asa_s, rel=1e-12)
    assert r.sl_offered == pytest.approx(c.service_level(20), rel=1e-12)
    assert r.answered_fraction == 1.0


def test_erlang_a_with_many_agents_loses_nobody():
    r = erlang_a(300, 300, 60, 60)
    assert r.p_abandon == pytest.approx(0.0, abs=1e-9)
    assert r.answered_fraction == pytest.approx(1.0, abs=1e-9)
    assert r.sl_offered == pytest.approx(1.0, abs=1e-9)
    assert r.occupancy == pytest.approx(25 / 60, abs=1e-9)


def test_erlang_a_without_waiting_room_is_erlang_b():
    for cph, aht, patience, n in ((300, 300, 60, 30), (95.24, 180, 60, 7), (19.09, 360, 120, 3)):
        a = cph * aht / 3600
        r = erlang_a(cph, aht, patience, n, lines=n)
        assert r.p_blocked == pytest.approx(erlang_b(n, a), abs=1e-9)
        assert r.p_wait == 0.0
        assert r.p_abandon == 0.0
        assert r.answered_fraction == pytest.approx(1 - erlang_b(n, a), abs=1e-9)
        assert r.asa_answered_s == 0.0
        assert r.sl_offered == pytest.approx(1 - erlang_b(n, a), abs=1e-9)


def test_erlang_a_flow_balance_and_throughput():
    """answered + abandoned + blocked = 1, and the answered fraction equals the throughput
    of the agents (E[busy]·μ / λ, computed from π independently of the flow balance)."""
    cases: list[dict[str, Any]] = [
        dict(calls_per_hour=300, aht_s=300, patience_s=60, agents=30),
        dict(calls_per_hour=300, aht_s=300, patience_s=60, agents=20),  # overloaded
        dict(calls_per_hour=300, aht_s=300, patience_s=60, agents=28, lines=33),
        dict(calls_per_hour=95.24, aht_s=180, patience_s=30, agents=5, lines=6),
        dict(calls_per_hour=600, aht_s=300, patience_s=600, agents=10),
    ]
    for kw in cases:
        r = erlang_a(**kw)
        assert r.answered_fraction + r.p_abandon + r.p_blocked == pytest.approx(1.0, abs=1e-12)
        assert r.answered_fraction == pytest.approx(r.occupancy * r.agents / r.load, abs=1e-12)
        # Little: E[Q] = λ_accepted · E[wait of accepted]
        lam = r.calls_per_hour / 3600
        assert r.expected_queue == pytest.approx(
            lam * (1 - r.p_blocked) * r.mean_wait_all_s, rel=1e-12
        )


def test_erlang_a_when_patience_equals_handle_time_is_poisson():
    """With θ = μ the death rate is kμ at every k: π is Poisson(A) (M/M/∞), and
    P(answered | j ahead) = N / (N + j + 1)."""
    cph, aht, n = 240, 300, 22
    a = cph * aht / 3600  # 20 Erlangs
    r = erlang_a(cph, aht, aht, n)
    pois = [math.exp(-a + k * math.log(a) - math.lgamma(k + 1)) for k in range(400)]
    assert r.p_wait == pytest.approx(math.fsum(pois[n:]), abs=1e-14)
    eq = math.fsum((k - n) * p for k, p in enumerate(pois) if k > n)
    assert r.expected_queue == pytest.approx(eq, abs=1e-13)
    assert r.p_abandon == pytest.approx(eq / a, abs=1e-14)
    answered = math.fsum(pois[:n]) + math.fsum(
        p * n / (k + 1) for k, p in enumerate(pois) if k >= n
    )
    assert r.answered_fraction == pytest.approx(answered, abs=1e-13)


def _chain(lam: float, mu: float, theta: float, n: int, lines: int) -> list[float]:
    weights = [1.0]
    for k in range(1, lines + 1):
        weights.append(weights[-1] * lam / (min(k, n) * mu + max(k - n, 0) * theta))
    total = sum(weights)
    return [w / total for w in weights]


def test_erlang_a_waiting_time_with_one_and_two_waiting_places():
    """Closed forms for the tagged caller: from place 0 it waits Exp(q0), q0 = Nμ + θ, and is
    answered w.p. Nμ/q0; from place 1 it waits Exp(q1) then Exp(q0) (hypoexponential)."""
    cph, aht, patience, n, t = 95.24, 180, 60, 5, 20
    lam, mu, theta = cph / 3600, 1 / aht, 1 / patience
    q0, q1 = n * mu + theta, n * mu + 2 * theta

    pi = _chain(lam, mu, theta, n, n + 1)
    r = erlang_a(cph, aht, patience, n, threshold_s=t, lines=n + 1)
    assert r.p_blocked == pytest.approx(pi[n + 1], abs=1e-15)
    ans_t = pi[n] * (n * mu / q0) * (1 - math.exp(-q0 * t))
    ab_t = pi[n] * (theta / q0) * (1 - math.exp(-q0 * t))
    assert r.sl_offered == pytest.approx(sum(pi[:n]) + ans_t, abs=1e-13)
    assert r.sl_wait_le_t == pytest.approx(sum(pi[:n]) + ans_t + ab_t, abs=1e-13)
    assert r.asa_answered_s == pytest.approx(
        pi[n] * (n * mu / q0) / q0 / (sum(pi[:n]) + pi[n] * n * mu / q0), rel=1e-12
    )

    pi = _chain(lam, mu, theta, n, n + 2)
    r = erlang_a(cph, aht, patience, n, threshold_s=t, lines=n + 2)
    both = 1 - (q0 * math.exp(-q1 * t) - q1 * math.exp(-q0 * t)) / (q0 - q1)
    p_fwd1 = (n * mu + theta) / q1
    ans_t = (
        pi[n] * (n * mu / q0) * (1 - math.exp(-q0 * t)) + pi[n + 1] * p_fwd1 * (n * mu / q0) * both
    )
    assert r.sl_offered == pytest.approx(sum(pi[:n]) + ans_t, abs=1e-13)


def test_erlang_a_threshold_zero_and_infinite():
    r = erlang_a(273.7, 300, 60, 24, threshold_s=0)
    assert r.sl_offered == pytest.approx(1 - r.p_wait, abs=1e-15)
    r = erlang_a(273.7, 300, 60, 24, threshold_s=36_000)
    assert r.sl_offered == pytest.approx(r.answered_fraction, abs=1e-12)
    assert r.sl_wait_le_t == pytest.approx(1.0, abs=1e-12)
    assert r.sl_answered == pytest.approx(1.0, abs=1e-12)


def test_erlang_a_is_monotone_in_agents():
    prev: ErlangAResult | None = None
    for n in range(15, 45):
        r = erlang_a(300, 300, 60, n)
        if prev is not None:
            assert r.answered_fraction > prev.answered_fraction
            assert r.p_abandon < prev.p_abandon
            assert r.asa_answered_s < prev.asa_answered_s
            assert r.mean_wait_all_s < prev.mean_wait_all_s
            assert r.sl_offered > prev.sl_offered
            assert r.p_wait < prev.p_wait
        prev = r


def test_erlang_a_service_level_variants_are_ordered():
    for n in range(18, 40, 3):
        for t in (0, 5, 20, 60):
            r = erlang_a(300, 300, 60, n, threshold_s=t)
            assert 0.0 <= r.sl_offered <= r.sl_wait_le_t <= 1.0
            assert r.sl_offered <= r.sl_excl_short_ab <= r.sl_answered <= 1.0
            assert r.sl_offered <= r.answered_fraction


def test_erlang_a_line_limit_far_away_changes_nothing():
    free = erlang_a(273.7, 300, 60, 24)
    limited = erlang_a(273.7, 300, 60, 24, lines=500)
    assert limited.p_blocked == 0.0
    assert limited.answered_fraction == pytest.approx(free.answered_fraction, abs=1e-15)
    assert limited.sl_offered == pytest.approx(free.sl_offered, abs=1e-15)


def test_erlang_a_edge_cases():
    idle = erlang_a(0, 180, 60, 1)
    assert (idle.answered_fraction, idle.asa_answered_s, idle.sl_offered) == (1.0, 0.0, 1.0)
    nobody = erlang_a(100, 180, 60, 0)
    assert nobody.answered_fraction == 0.0
    assert nobody.p_abandon == 1.0
    assert nobody.asa_answered_s == math.inf
    assert nobody.mean_wait_all_s == pytest.approx(60.0, rel=1e-12)  # everyone waits Exp(θ)
    assert nobody.sl_wait_le_t == pytest.approx(1 - math.exp(-20 / 60), abs=1e-12)
    all_blocked = erlang_a(100, 180, 60, 3, lines=0)
    assert all_blocked.p_blocked == 1.0
    assert all_blocked.answered_fraction == 0.0
    with pytest.raises(ValueError):
        erlang_a(200, 180, math.inf, 10)  # A = N, no abandonment: unstable
    with pytest.raises(ValueError):
        erlang_a(200, 180, 0, 10)
    with pytest.raises(ValueError):
        erlang_a(200, -1, 60, 10)
    with pytest.raises(ValueError):
        erlang_a(200, 180, 60, -1)


def test_erlang_a_is_fast():
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        erlang_a(300, 300, 60, 30)
        best = min(best, time.perf_counter() - start)
    assert best < 0.020


# --------------------------------------------------------------------------- scenarios


SCENARIOS = [
    # (calls/h, AHT s, patience s, agents): answer rate, asa_answered_s, occupancy, sl_offered(20 s)
    ((95.24, 180, 60, 7), (0.934908, 2.66868, 0.636004, 0.887643)),
    ((273.7, 300, 60, 24), (0.911402, 4.23665, 0.866148, 0.834462)),
    ((19.09, 360, 120, 3), (0.858972, 9.17474, 0.546593, 0.771967)),
]


def test_simulator_scenarios_pinned():
    """The exact values the simulator is checked against (6 significant digits):

    ========================  ===========  ==============  =========  ===============
    calls/h, AHT, P, agents   answer rate  asa_answered_s  occupancy  sl_offered 20 s
    ========================  ===========  ==============  =========  ===============
    95.24, 180 s, 60 s, 7     0.934908     2.66868         0.636004   0.887643
    273.7, 300 s, 60 s, 24    0.911402     4.23665         0.866148   0.834462
    19.09, 360 s, 120 s, 3    0.858972     9.17474         0.546593   0.771967
    ========================  ===========  ==============  =========  ===============

    Cross-checked by the Monte-Carlo below.
    """
    for args, (answered, asa, occupancy, sl) in SCENARIOS:
        r = erlang_a(*args)
        assert sig6(r.answer_rate) == answered
        assert sig6(r.asa_answered_s) == asa
        assert sig6(r.occupancy) == occupancy
        assert sig6(r.sl_offered) == sl


def simulate_mmn_m(
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    threshold_s: float,
    calls: int,
    seed: int,
) -> dict[str, float]:
    """Discrete-event M/M/N+M, FCFS, independent of the chain code.

    Callers are handled in arrival order: the earliest time an agent frees up (a heap of
    agents' free times) is the caller's offered wait; the caller is answered iff that wait
    does not exceed its own Exp(θ) patience, and only then occupies the agent. The first
    5 % of calls warm the system up and are not counted.
    """
    rng = random.Random(seed)
    expo = rng.expovariate
    lam, mu, theta = calls_per_hour / 3600, 1 / aht_s, 1 / patience_s
    free = [0.0] * agents
    now = 0.0
    warm = calls // 20
    answered = within = abandoned_within = 0
    wait_answered = wait_all = 0.0
    for i in range(warm + calls):
        now += expo(lam)
        first_free = free[0]
        if first_free <= now:
            wait, ok = 0.0, True
            heapq.heapreplace(free, now + expo(mu))
        else:
            wait = first_free - now
            patience = expo(theta)
            ok = wait <= patience
            if ok:
                heapq.heapreplace(free, first_free + expo(mu))
            else:
                wait = patience
        if i < warm:
            continue
        wait_all += wait
        if ok:
            answered += 1
            wait_answered += wait
            within += wait <= threshold_s
        else:
            abandoned_within += wait <= threshold_s
    return {
        "answer_rate": answered / calls,
        "asa_answered_s": wait_answered / answered,
        "mean_wait_all_s": wait_all / calls,
        "sl_offered": within / calls,
        "sl_wait_le_t": (within + abandoned_within) / calls,
    }


def test_simulator_scenarios_against_monte_carlo():
    """400k simulated calls per scenario (~0.3 s each): answer rate within 0.005, ASA of
    answered and mean wait within 5 %, service levels within 0.01."""
    for seed, (args, _) in enumerate(SCENARIOS, start=20250101):
        exact = erlang_a(*args)
        sim = simulate_mmn_m(*args, threshold_s=20, calls=400_000, seed=seed)
        assert sim["answer_rate"] == pytest.approx(exact.answer_rate, abs=0.005)
        assert sim["asa_answered_s"] == pytest.approx(exact.asa_answered_s, rel=0.05)
        assert sim["mean_wait_all_s"] == pytest.approx(exact.mean_wait_all_s, rel=0.05)
        assert sim["sl_offered"] == pytest.approx(exact.sl_offered, abs=0.01)
        assert sim["sl_wait_le_t"] == pytest.approx(exact.sl_wait_le_t, abs=0.01)


# --------------------------------------------------------------------------- staffing


def test_required_agents_erlang_a():
    cph, aht, patience = 273.7, 300, 60
    n = required_agents_erlang_a(cph, aht, patience, 0.90)
    assert n == 24
    assert erlang_a(cph, aht, patience, 23).answered_fraction == pytest.approx(0.889983, abs=1e-6)
    assert required_agents_erlang_a(cph, aht, patience, target_asa_s=5.0) == 24
    assert erlang_a(cph, aht, patience, 23).asa_answered_s == pytest.approx(5.30734, abs=1e-5)
    assert required_agents_erlang_a(cph, aht, patience, target_service_level=0.80) == 24
    assert required_agents_erlang_a(cph, aht, patience, 0.92, target_asa_s=5.0) == 25
    assert required_agents_erlang_a(0, aht, patience, 0.90) == 1
    with pytest.raises(ValueError):
        required_agents_erlang_a(cph, aht, patience)
    with pytest.raises(ValueError):
        required_agents_erlang_a(cph, aht, patience, 0.99, lines=25)  # lines cap the answer rate

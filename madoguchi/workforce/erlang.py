"""Erlang B, C and A staffing formulas (REQUIREMENTS WFM-1, research note ``erlang.md``).

Pure Python (``math`` only). Notation: λ arrival rate (calls/s), AHT mean handle time
(talk + hold + wrap, s), μ = 1/AHT, load A = λ·AHT (Erlangs), N agents, t service-level
threshold (s), mean patience P (s), θ = 1/P. Public functions take calls per hour and
seconds; every probability is a fraction in [0, 1].

* **Erlang B** (N lines, blocked calls lost): B(N, A) = (A^N/N!) / Σ_{k≤N} A^k/k!, by the
  recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)).
* **Erlang C** (M/M/N, infinite patience): C(N, A) = N·B / (N − A·(1 − B)); valid for A < N,
  otherwise P(wait) = 1, SL = 0, ASA = ∞.
* **Erlang A** (M/M/N+M, exponential patience), solved exactly on the birth–death chain of
  the number in system, with the waiting-time distribution from the tagged-caller chain.

Invalid arguments raise ``ValueError``; an internal consistency failure of the Erlang A
solution raises ``ArithmeticError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

SECONDS_PER_HOUR = 3600.0
#: The stationary distribution is truncated once the geometric bound on the mass beyond
#: the current state falls below this fraction of the total.
TAIL_TOLERANCE = 1e-20
#: Flow balance and the tagged-caller chain must agree on P(abandon) to this (absolute).
CONSISTENCY_TOLERANCE = 1e-9
#: Refuse chains longer than this (an almost-unstable system with tiny abandonment).
MAX_STATES = 1_000_000
#: Uniformisation stops when the neglected Poisson tail / transient mass is below this.
_UNIFORMISATION_TOLERANCE = 1e-17


# --------------------------------------------------------------------------- validation


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def _check_non_negative(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def _check_fraction(name: str, value: float, *, low_open: bool, high_open: bool) -> None:
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < 1 if high_open else value <= 1
    if not (math.isfinite(value) and low_ok and high_ok):
        interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")


def _load(calls_per_hour: float, aht_s: float) -> float:
    _check_non_negative("calls_per_hour", calls_per_hour)
    _check_positive("aht_s", aht_s)
    return calls_per_hour * aht_s / SECONDS_PER_HOUR


# --------------------------------------------------------------------------- Erlang B


def erlang_b(n: int, a: float) -> float:
    """Blocking probability B(N, A) of N lines offered A Erlangs, blocked calls lost.

    B(N, A) = (A^N/N!) / Σ_{k=0..N} A^k/k!, computed by the recursion B(0) = 1,
    B(k) = A·B(k−1) / (k + A·B(k−1)) (no factorials, no overflow). B(0, A) = 1 for every A.
    """
    _check_count("n", n)
    _check_non_negative("a", a)
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def lines_for_blocking(a: float, target: float) -> int:
    """Smallest number of lines N with B(N, A) ≤ ``target`` (0 < target ≤ 1)."""
    _check_non_negative("a", a)
    _check_fraction("target", target, low_open=True, high_open=False)
    n, b = 0, 1.0
    while b > target:
        n += 1
        ab = a * b
        b = ab / (n + ab)
    return n


def capacity_for_blocking(n: int, target: float) -> float:
    """Largest load A (Erlangs) with B(N, A) ≤ ``target``, by bisection (table capacity).

    B(N, A) increases with A, so the answer is the root of B(N, A) = target, returned from
    below (to the last representable float): B(N, result) ≤ target. N must be ≥ 1; a target
    of 1 admits any load and returns ``math.inf``.
    """
    _check_count("n", n)
    if n < 1:
        raise ValueError("n must be >= 1: B(0, A) = 1 for every load")
    _check_fraction("target", target, low_open=True, high_open=False)
    if target >= 1:
        return math.inf
    lo, hi = 0.0, float(n)
    while erlang_b(n, hi) <= target:
        lo, hi = hi, 2 * hi
    while True:
        mid = (lo + hi) / 2
        if mid <= lo or mid >= hi:
            return lo
        if erlang_b(n, mid) <= target:
            lo = mid
        else:
            hi = mid


# --------------------------------------------------------------------------- Erlang C


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """M/M/N (Erlang C) figures for N agents offered A Erlangs with handle time AHT.

    For A < N:

    * ``p_wait`` = C(N, A) = N·B / (N − A·(1 − B)), B = B(N, A): fraction of calls that wait;
    * ``asa_s`` = C·AHT / (N − A): mean wait over **all** calls, zero waits included (with
      infinite patience every call is answered, so this is also the mean over answered);
    * ``mean_wait_delayed_s`` = AHT / (N − A): mean wait of the calls that do wait;
    * ``occupancy`` = A / N; ``lq`` = C·A / (N − A), the mean number waiting;
    * :meth:`service_level` (t) = 1 − C·exp(−(N − A)·t / AHT).

    For A ≥ N the queue is unstable: ``p_wait`` = 1, service level 0, ``asa_s``,
    ``mean_wait_delayed_s`` and ``lq`` are ∞ and ``occupancy`` is 1.
    """

    n: int
    a: float
    aht_s: float
    p_wait: float
    asa_s: float
    mean_wait_delayed_s: float
    occupancy: float
    lq: float

    @property
    def stable(self) -> bool:
        """Whether A < N (otherwise the queue grows without bound)."""
        return self.a < self.n

    def service_level(self, t_s: float) -> float:
        """SL(t) = P(wait ≤ t) = 1 − C·exp(−(N − A)·t / AHT): fraction of offered calls
        answered within ``t_s`` seconds (0 when A ≥ N)."""
        _check_non_negative("t_s", t_s)
        if not self.stable:
            return 0.0
        return 1.0 - self.p_wait * math.exp(-(self.n - self.a) * t_s / self.aht_s)


def erlang_c(n: int, a: float, aht_s: float) -> ErlangCResult:
    """Erlang C (M/M/N) for ``n`` ≥ 1 agents, load ``a`` Erlangs and handle time ``aht_s``.

    The handle time only scales the time figures (ASA, mean delayed wait, service level);
    see :class:`ErlangCResult` for the definitions.
    """
    _check_count("n", n)
    if n < 1:
        raise ValueError("n must be >= 1")
    _check_non_negative("a", a)
    _check_positive("aht_s", aht_s)
    if a >= n:
        return ErlangCResult(
            n=n,
            a=a,
            aht_s=aht_s,
            p_wait=1.0,
            asa_s=math.inf,
            mean_wait_delayed_s=math.inf,
            occupancy=1.0,
            lq=math.inf,
        )
    b = erlang_b(n, a)
    c = n * b / (n - a * (1.0 - b))
    return ErlangCResult(
        n=n,
        a=a,
        aht_s=aht_s,
        p_wait=c,
        asa_s=c * aht_s / (n - a),
        mean_wait_delayed_s=aht_s / (n - a),
        occupancy=a / n,
        lq=c * a / (n - a),
    )


def _agents_c(a: float, max_occupancy: float | None) -> int:
    if max_occupancy is not None:
        _check_fraction("max_occupancy", max_occupancy, low_open=True, high_open=False)
    return math.floor(a) + 1


def agents_for_service_level(
    calls_per_hour: float,
    aht_s: float,
    target_sl: float,
    t_s: float,
    max_occupancy: float | None = None,
) -> int:
    """Smallest N > A (so N ≥ ⌊A⌋ + 1, at least 1) with Erlang C SL(t) ≥ ``target_sl`` and,
    if given, occupancy A/N ≤ ``max_occupancy``. A = calls_per_hour · aht_s / 3600.

    Shrinkage is not included; apply :func:`with_shrinkage` afterwards.
    """
    a = _load(calls_per_hour, aht_s)
    _check_fraction("target_sl", target_sl, low_open=False, high_open=True)
    _check_non_negative("t_s", t_s)
    n = _agents_c(a, max_occupancy)
    while True:
        r = erlang_c(n, a, aht_s)
        if r.service_level(t_s) >= target_sl and (
            max_occupancy is None or r.occupancy <= max_occupancy
        ):
            return n
        n += 1


def agents_for_asa(
    calls_per_hour: float,
    aht_s: float,
    target_asa_s: float,
    max_occupancy: float | None = None,
) -> int:
    """Smallest N > A (so N ≥ ⌊A⌋ + 1, at least 1) with Erlang C ASA (mean wait over all
    calls) ≤ ``target_asa_s`` > 0 and, if given, occupancy A/N ≤ ``max_occupancy``.

    Shrinkage is not included; apply :func:`with_shrinkage` afterwards.
    """
    a = _load(calls_per_hour, aht_s)
    _check_positive("target_asa_s", target_asa_s)
    n = _agents_c(a, max_occupancy)
    while True:
        r = erlang_c(n, a, aht_s)
        if r.asa_s <= target_asa_s and (max_occupancy is None or r.occupancy <= max_occupancy):
            return n
        n += 1


def with_shrinkage(n: int, shrinkage: float) -> int:
    """Agents to schedule so that ``n`` are on the phones: ⌈N / (1 − shrinkage)⌉ (S2).

    The shrinkage is read as the decimal it was written as (0.3 is 3/10 exactly), so
    ``with_shrinkage(7, 0.3)`` is 10, not 11 from binary rounding of 7 / 0.7.
    """
    _check_count("n", n)
    _check_fraction("shrinkage", shrinkage, low_open=False, high_open=True)
    s = Fraction(repr(float(shrinkage)))
    return math.ceil(Fraction(n) / (1 - s))


# --------------------------------------------------------------------------- Erlang A


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """M/M/N+M (Erlang A) figures; every fraction is of **offered** calls (blocked included).

    Inputs are echoed (``lines`` None = unlimited waiting room); ``load`` is A = λ·AHT.

    * ``p_wait`` = Σ_{N ≤ k < K} π_k: offered calls accepted that find all agents busy (PASTA).
    * ``p_blocked`` = π_K with K = ``lines`` (0 without a line limit).
    * ``p_abandon`` = θ·E[Q] / λ (flow balance; checked against the tagged-caller chain).
    * ``answered_fraction`` = 1 − p_blocked − p_abandon, the answer rate (answered ÷ offered).
    * ``asa_answered_s`` = E[wait | answered], zero waits included (Iwaki CDR definition:
      waits of answered ÷ answered); ∞ when nothing is answered.
    * ``mean_wait_all_s`` = E[Q] / (λ·(1 − p_blocked)) (Little): mean wait of accepted calls,
      abandoned callers counted with their wait (pyworkforce ``average_speed_of_answer``).
    * ``occupancy`` = E[busy agents] / N = A·answered_fraction / N (0 when N = 0).
    * ``expected_queue`` = E[Q], the mean number waiting.
    * Service levels at ``threshold_s`` = t:

      - ``sl_offered`` = P(answered and wait ≤ t) = answered within t ÷ offered (default;
        pyworkforce ErlangA ``service_level``, S9 convention, KPI.md);
      - ``sl_wait_le_t`` = (answered within t + abandoned within t) ÷ offered: a caller's
        actual wait ≤ t, abandons within t count as met (blocked calls do not);
      - ``sl_excl_short_ab`` = answered within t ÷ (offered − abandoned within t);
      - ``sl_answered`` = answered within t ÷ answered (0 when nothing is answered).
    * ``states`` = number of states of the (truncated) chain used.
    """

    calls_per_hour: float
    aht_s: float
    patience_s: float
    agents: int
    threshold_s: float
    lines: int | None
    load: float
    p_wait: float
    p_abandon: float
    p_blocked: float
    answered_fraction: float
    asa_answered_s: float
    mean_wait_all_s: float
    occupancy: float
    sl_offered: float
    sl_wait_le_t: float
    sl_excl_short_ab: float
    sl_answered: float
    expected_queue: float
    states: int

    @property
    def answer_rate(self) -> float:
        """受電応答率: answered ÷ offered (= ``answered_fraction``)."""
        return self.answered_fraction

    @property
    def abandon_rate(self) -> float:
        """Abandoned ÷ offered (= ``p_abandon``)."""
        return self.p_abandon


def _stationary(lam: float, mu: float, theta: float, n: int, lines: int | None) -> list[float]:
    """Stationary π_0..π_M of the birth–death chain (birth λ below ``lines``, death
    min(k, N)·μ + max(k − N, 0)·θ), in log space, truncated when the geometric bound on the
    remaining tail is below ``TAIL_TOLERANCE`` of the mass so far, or at ``lines``."""
    if lam == 0.0:
        return [1.0]
    log_lam = math.log(lam)
    log_tol = math.log(TAIL_TOLERANCE)
    logs = [0.0]
    lse = 0.0  # log Σ of the unnormalised terms so far
    k = 0
    while lines is None or k < lines:
        death = min(k + 1, n) * mu + max(k + 1 - n, 0) * theta
        if death <= 0.0:
            raise ValueError("no agents and no abandonment: the queue never empties")
        log_r = log_lam - math.log(death)
        # Deaths never decrease with k, so every later ratio is ≤ r: the tail beyond k is
        # at most π_k · r / (1 − r).
        if log_r < 0.0 and logs[k] + log_r - math.log1p(-math.exp(log_r)) - lse < log_tol:
            break
        k += 1
        if k > MAX_STATES:
            raise ValueError(
                "the chain needs more than MAX_STATES states (load above capacity and "
                "almost no abandonment); give a finite patience or a line limit"
            )
        nxt = logs[-1] + log_r
        logs.append(nxt)
        lse = max(lse, nxt) + math.log1p(math.exp(-abs(lse - nxt)))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = math.fsum(weights)
    return [w / total for w in weights]


def _absorbed_within(
    t: float, start: list[float], n_mu: float, theta: float
) -> tuple[float, float]:
    """Mass of the tagged-caller chain absorbed by time ``t`` as (answered, abandoned).

    ``start[j]`` is the (unnormalised) probability of joining the queue with j callers
    ahead. With i callers ahead the caller moves forward at rate Nμ + iθ (answered when it
    leaves place 0) and abandons at rate θ. Uniformisation at Λ = max_i (Nμ + (i + 1)θ):
    the result is Σ_n Poisson(n; Λt) · (mass absorbed within n jumps), all terms positive.
    """
    size = len(start)
    if size == 0 or t == 0.0:
        return 0.0, 0.0
    rate = n_mu + size * theta
    forward = [(n_mu + i * theta) / rate for i in range(size)]
    stay = [1.0 - (n_mu + (i + 1) * theta) / rate for i in range(size)]
    abandon_step = theta / rate
    x = rate * t
    log_x = math.log(x)
    v = list(start)
    absorbed_ans = absorbed_ab = 0.0  # absorbed within n jumps
    result_ans = result_ab = 0.0
    weight_sum = 0.0
    steps = 0
    while True:
        w = math.exp(steps * log_x - x - math.lgamma(steps + 1))
        result_ans += w * absorbed_ans
        result_ab += w * absorbed_ab
        weight_sum += w
        transient = math.fsum(v)
        if transient < _UNIFORMISATION_TOLERANCE:
            # Nothing left to absorb: later jumps keep the absorbed mass as it is.
            rest = max(0.0, 1.0 - weight_sum)
            return result_ans + rest * absorbed_ans, result_ab + rest * absorbed_ab
        if steps + 1 > x and w * x / (steps + 1 - x) < _UNIFORMISATION_TOLERANCE:
            return result_ans, result_ab
        absorbed_ans += v[0] * forward[0]
        absorbed_ab += transient * abandon_step
        v = [v[i] * stay[i] + v[i + 1] * forward[i + 1] for i in range(size - 1)] + [
            v[-1] * stay[-1]
        ]
        steps += 1


def _erlang_a(
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    threshold_s: float,
    lines: int | None,
    *,
    with_service_level: bool,
) -> ErlangAResult:
    load = _load(calls_per_hour, aht_s)
    if not (patience_s > 0):  # math.inf (no abandonment) is allowed
        raise ValueError(f"patience_s must be > 0 (math.inf allowed), got {patience_s!r}")
    _check_count("agents", agents)
    _check_non_negative("threshold_s", threshold_s)
    if lines is not None:
        _check_count("lines", lines)
    lam = calls_per_hour / SECONDS_PER_HOUR
    mu = 1.0 / aht_s
    theta = 0.0 if math.isinf(patience_s) else 1.0 / patience_s
    n = agents
    if n == 0 and theta == 0.0:
        raise ValueError("no agents and no abandonment: the queue never empties")
    n_mu = n * mu

    pi = _stationary(lam, mu, theta, n, lines)
    last = len(pi) - 1
    blocked_at_end = lines is not None and last == lines
    p_blocked = pi[last] if blocked_at_end else 0.0
    accepted = pi[:last] if blocked_at_end else pi  # states an arrival may join
    p_accepted = 1.0 - p_blocked

    queue_start = accepted[n:]  # queue_start[j]: join with j callers ahead
    answered_at_once = math.fsum(accepted[:n])
    p_wait = math.fsum(queue_start)
    expected_queue = math.fsum((k - n) * pi[k] for k in range(n + 1, len(pi)))
    busy = math.fsum(min(k, n) * p for k, p in enumerate(pi))

    # Tagged caller joining with j ahead: P(answered), P(abandon), E[wait·1{answered}], E[wait].
    tagged_ans = tagged_ab = tagged_wait_ans = tagged_wait = 0.0
    a_prev, b_prev, m_prev, w_prev = 1.0, 0.0, 0.0, 0.0
    for j, p in enumerate(queue_start):
        q = n_mu + (j + 1) * theta
        forward = (n_mu + j * theta) / q
        a_j = forward * a_prev
        b_j = theta / q + forward * b_prev
        m_j = a_j / q + forward * m_prev
        w_j = 1.0 / q + forward * w_prev
        tagged_ans += p * a_j
        tagged_ab += p * b_j
        tagged_wait_ans += p * m_j
        tagged_wait += p * w_j
        a_prev, b_prev, m_prev, w_prev = a_j, b_j, m_j, w_j
    p_answered_tagged = answered_at_once + tagged_ans

    if lam > 0.0:
        p_abandon = theta * expected_queue / lam
        if abs(p_abandon - tagged_ab) > CONSISTENCY_TOLERANCE:
            raise ArithmeticError(
                f"P(abandon) by flow balance {p_abandon!r} and by the tagged-caller chain "
                f"{tagged_ab!r} disagree"
            )
        mean_wait_all = expected_queue / (lam * p_accepted) if p_accepted > 0.0 else 0.0
        if p_accepted > 0.0 and abs(mean_wait_all - tagged_wait / p_accepted) > (
            CONSISTENCY_TOLERANCE * max(1.0, mean_wait_all)
        ):
            raise ArithmeticError(
                f"mean wait by Little's law {mean_wait_all!r} and by the tagged-caller chain "
                f"{tagged_wait / p_accepted!r} disagree"
            )
    else:  # no traffic: the limit λ → 0, a caller finds the system empty
        p_abandon = tagged_ab
        mean_wait_all = tagged_wait / p_accepted if p_accepted > 0.0 else 0.0
    p_abandon = min(max(p_abandon, 0.0), p_accepted)  # rounding only
    answered = min(1.0, max(0.0, 1.0 - p_blocked - p_abandon))
    asa_answered = tagged_wait_ans / p_answered_tagged if p_answered_tagged > 0.0 else math.inf
    occupancy = busy / n if n > 0 else 0.0

    if with_service_level:
        ans_t, ab_t = _absorbed_within(threshold_s, queue_start, n_mu, theta)
        answered_within = min(answered, answered_at_once + ans_t)
        abandoned_within = min(p_abandon, ab_t)
        sl_offered = answered_within
        sl_wait_le_t = min(1.0, answered_within + abandoned_within)
        sl_excl = min(1.0, answered_within / (1.0 - abandoned_within))
        sl_answered = min(1.0, answered_within / answered) if answered > 0.0 else 0.0
    else:
        sl_offered = sl_wait_le_t = sl_excl = sl_answered = math.nan

    return ErlangAResult(
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        patience_s=patience_s,
        agents=agents,
        threshold_s=threshold_s,
        lines=lines,
        load=load,
        p_wait=p_wait,
        p_abandon=p_abandon,
        p_blocked=p_blocked,
        answered_fraction=answered,
        asa_answered_s=asa_answered,
        mean_wait_all_s=mean_wait_all,
        occupancy=occupancy,
        sl_offered=sl_offered,
        sl_wait_le_t=sl_wait_le_t,
        sl_excl_short_ab=sl_excl,
        sl_answered=sl_answered,
        expected_queue=expected_queue,
        states=len(pi),
    )


def erlang_a(
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    threshold_s: float = 20,
    lines: int | None = None,
) -> ErlangAResult:
    """Erlang A (M/M/N+M): Poisson arrivals, exponential handle time and patience, FCFS.

    The number in system is a birth–death chain (birth λ, death min(k, N)·μ +
    max(k − N, 0)·θ); its stationary π is computed in log space and truncated when the
    geometric tail bound is below 1e−20, or at ``lines`` (maximum number in system,
    talking + waiting; arrivals finding ``lines`` in system are blocked). Waiting-time
    figures come from the tagged-caller chain: with i callers ahead the caller moves
    forward at rate Nμ + iθ and abandons at rate θ, so P(answered | j ahead) =
    Π_{i=0..j} (Nμ + iθ) / (Nμ + (i + 1)θ), with first-step recursions for the mean waits and
    uniformisation for P(wait ≤ t). P(abandon) by flow balance and by the tagged chain are
    checked to agree to 1e−9 (``ArithmeticError`` otherwise).

    ``patience_s`` may be ``math.inf`` (no abandonment, Erlang C); an unstable chain
    (no abandonment, A ≥ N and no ``lines``) raises ``ValueError``. See
    :class:`ErlangAResult` for every definition.
    """
    if math.isinf(patience_s) and lines is None and _load(calls_per_hour, aht_s) >= agents:
        raise ValueError("infinite patience with load >= agents and no line limit is unstable")
    return _erlang_a(
        calls_per_hour, aht_s, patience_s, agents, threshold_s, lines, with_service_level=True
    )


def required_agents_erlang_a(
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    target_answer_rate: float | None = None,
    *,
    target_asa_s: float | None = None,
    target_service_level: float | None = None,
    threshold_s: float = 20,
    lines: int | None = None,
    max_agents: int = 10_000,
) -> int:
    """Smallest N whose Erlang A figures meet every target given (at least one):
    ``answered_fraction`` ≥ ``target_answer_rate`` (e.g. 0.90 for "answer rate ≥ 90 %"),
    ``asa_answered_s`` ≤ ``target_asa_s``, ``sl_offered`` at ``threshold_s`` ≥
    ``target_service_level``.

    Scans N upwards from ⌊target_answer_rate·A⌋ (answered·A = E[busy] ≤ N, so no smaller N
    can qualify) or from 0. Shrinkage is not included; apply :func:`with_shrinkage`.
    ``ValueError`` if no N ≤ ``max_agents`` (or, with ``lines``, N ≤ lines) qualifies.
    """
    if target_answer_rate is None and target_asa_s is None and target_service_level is None:
        raise ValueError("give at least one target")
    a = _load(calls_per_hour, aht_s)
    n = 0
    if target_answer_rate is not None:
        _check_fraction("target_answer_rate", target_answer_rate, low_open=False, high_open=True)
        n = math.floor(target_answer_rate * a)
    if target_asa_s is not None:
        _check_positive("target_asa_s", target_asa_s)
    if target_service_level is not None:
        _check_fraction(
            "target_service_level", target_service_level, low_open=False, high_open=True
        )
    _check_count("max_agents", max_agents)
    limit = max_agents if lines is None else min(max_agents, lines)
    while n <= limit:
        if not (math.isinf(patience_s) and lines is None and a >= n):
            r = _erlang_a(
                calls_per_hour,
                aht_s,
                patience_s,
                n,
                threshold_s,
                lines,
                with_service_level=target_service_level is not None,
            )
            if (
                (target_answer_rate is None or r.answered_fraction >= target_answer_rate)
                and (target_asa_s is None or r.asa_answered_s <= target_asa_s)
                and (target_service_level is None or r.sl_offered >= target_service_level)
            ):
                return n
        n += 1
    raise ValueError(f"no agent count up to {limit} meets the targets")

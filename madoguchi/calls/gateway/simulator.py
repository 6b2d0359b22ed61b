"""The simulator gateway: a discrete-event simulation that drives the real engine.

Calls arrive as a Poisson process (optionally shaped by an hourly profile), talk for an
exponential or empirical handle time and give up after an exponential patience; the
engine (routing + ACD) decides everything through the gateway protocol, exactly as for
a live call.

The simulated clock counts **business seconds**: it runs through the center's opening
intervals one after another (closed time is skipped), so a 400-hour run is 400 open
hours, the process is stationary and results compare with Erlang A. Every event time
is mapped to the wall-clock instant it stands for, and routing checks the calendar at
that instant as it would for a real call.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
import time as wallclock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from madoguchi.calls.acd import CallCenterEngine, EventSink, LiveAgent, LiveCall
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.models import Disposition
from madoguchi.calls.policy import CenterPolicy, RoutingTable
from madoguchi.tenancy.calendars import CalendarRules

SIMULATED_NUMBER = "+81000000000"  # never a real number: routing resolves it to the center
_ARRIVAL, _CONNECT, _NO_ANSWER, _END, _ABANDON, _TIMEOUT, _VM_END = range(7)
# Student's t quantile (0.975) for 19 degrees of freedom: 20 batches.
_T_975_19 = 2.093


class BusinessClock:
    """Maps business seconds (open time only) to the instants they stand for."""

    def __init__(self, calendar: CalendarRules, start: date) -> None:
        self.calendar = calendar
        self.next_day = start
        self.starts: list[float] = []  # business second at which interval i begins
        self.opens: list[datetime] = []
        self.total = 0.0
        self._extend()

    def _extend(self) -> None:
        for _attempt in range(400):
            hours = self.calendar.day_hours(self.next_day)
            self.next_day += timedelta(days=1)
            interval = hours.interval()
            if interval is not None:
                self.starts.append(self.total)
                self.opens.append(interval[0])
                self.total += (interval[1] - interval[0]).total_seconds()
                return
        raise ValueError("the center never opens")

    def __call__(self, business_s: float) -> datetime:
        while business_s >= self.total:
            self._extend()
        index = bisect.bisect_right(self.starts, business_s) - 1
        return self.opens[index] + timedelta(seconds=business_s - self.starts[index])


@dataclass
class SimulationSpec:
    center: CenterPolicy
    calls_per_hour: float
    aht_s: float
    patience_s: float
    agents: int
    hours: float
    seed: int = 1
    start: date = field(default_factory=lambda: date(2026, 4, 6))
    handle_times: Sequence[float] | None = None  # empirical; else exponential(aht_s)
    hourly_profile: Sequence[float] | None = None  # 24 relative weights by hour of day
    ring_no_answer_p: float = 0.0
    voicemail_s: float = 40.0
    agent_skills: frozenset[str] = frozenset()
    agent_ids: Sequence[int] | None = None
    language: str = "ja"


@dataclass
class SimulationResult:
    offered: int
    answered: int
    abandoned: int
    blocked: int
    voicemail: int
    answer_rate: float
    asa_s: float
    service_level: float
    occupancy: float
    calls: int
    wall_s: float
    calls_per_wall_s: float
    half_widths: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "blocked": self.blocked,
            "voicemail": self.voicemail,
            "answer_rate": round(self.answer_rate, 6),
            "asa_s": round(self.asa_s, 3),
            "service_level": round(self.service_level, 6),
            "occupancy": round(self.occupancy, 6),
            "calls_per_wall_s": round(self.calls_per_wall_s, 1),
            "wall_s": round(self.wall_s, 3),
            "ci95_half_width": {k: round(v, 6) for k, v in self.half_widths.items()},
        }


class _Batch:
    __slots__ = ("offered", "answered", "abandoned", "in_sl", "wait_sum", "busy_s")

    def __init__(self) -> None:
        self.offered = self.answered = self.abandoned = self.in_sl = 0
        self.wait_sum = self.busy_s = 0.0


class MetricsSink:
    """Counts finished calls into 20 batches by arrival time (batch means for the CIs)."""

    BATCHES = 20

    def __init__(self, horizon_s: float, sl_threshold_s: float, inner: EventSink | None) -> None:
        self.batch_len = horizon_s / self.BATCHES
        self.batches = [_Batch() for _ in range(self.BATCHES)]
        self.threshold = sl_threshold_s
        self.inner = inner
        self.blocked = self.voicemail = 0

    def call_event(
        self, call: LiveCall, type: str, at: float, agent: int | None, data: dict[str, object]
    ) -> None:
        if self.inner is not None:
            self.inner.call_event(call, type, at, agent, data)

    def agent_state(self, agent: LiveAgent, at: float, reason: str, call: LiveCall | None) -> None:
        if self.inner is not None:
            self.inner.agent_state(agent, at, reason, call)

    def call_finished(self, call: LiveCall) -> None:
        if self.inner is not None:
            self.inner.call_finished(call)
        index = min(int(call.arrived_at / self.batch_len), self.BATCHES - 1)
        batch = self.batches[index]
        disposition = call.disposition
        if disposition == Disposition.ANSWERED:
            assert call.answered_at is not None and call.wrap_end_at is not None  # noqa: S101
            wait = call.answered_at - call.arrived_at
            batch.offered += 1
            batch.answered += 1
            batch.wait_sum += wait
            batch.in_sl += wait <= self.threshold
            batch.busy_s += call.wrap_end_at - call.answered_at
        elif disposition == Disposition.ABANDONED:
            batch.offered += 1
            batch.abandoned += 1
        elif disposition == Disposition.BLOCKED:
            batch.offered += 1
            self.blocked += 1
        elif disposition == Disposition.VOICEMAIL:
            batch.offered += 1
            self.voicemail += 1


def _half_width(values: list[float]) -> float:
    n = len(values)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return _T_975_19 * math.sqrt(variance / n)


class Simulator:
    """Runs one simulation; ``sink`` (optional) also receives everything (recording mode)."""

    def __init__(
        self,
        spec: SimulationSpec,
        *,
        sink: EventSink | None = None,
        clock: BusinessClock | None = None,
    ) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311  (reproducible simulation, not crypto)
        queue = spec.center.queue_for(spec.language)
        threshold = queue.sl_threshold_s if queue else 20
        self.horizon = spec.hours * 3600.0
        self.metrics = MetricsSink(self.horizon, threshold, sink)
        self.clock = clock or BusinessClock(spec.center.calendar, spec.start)
        routing = RoutingTable(by_number={}, centers={spec.center.id: spec.center})
        self.dialed = SIMULATED_NUMBER
        routing.by_number[self.dialed] = spec.center
        self.engine = CallCenterEngine(routing, clock=self.clock, sink=self.metrics)
        self.heap: list[tuple[float, int, int, str, int]] = []
        self.seq = 0
        self.connected: set[str] = set()
        self.waiting: set[str] = set()
        self.handle_for: dict[str, float] = {}

    def _push(self, at: float, kind: int, call_id: str = "", agent_id: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, call_id, agent_id))

    def _handle_time(self) -> float:
        samples = self.spec.handle_times
        if samples:
            return self.rng.choice(samples)
        return self.rng.expovariate(1.0 / self.spec.aht_s)

    def _execute(self, commands: list[gw.Command], now: float) -> None:
        for command in commands:
            if isinstance(command, gw.OfferToAgent):
                self.waiting.discard(command.call_id)
                if self.spec.ring_no_answer_p and self.rng.random() < self.spec.ring_no_answer_p:
                    self._push(
                        now + command.ring_timeout_s, _NO_ANSWER, command.call_id, command.agent_id
                    )
                else:
                    self._push(now, _CONNECT, command.call_id, command.agent_id)
            elif isinstance(command, gw.Enqueue):
                self.waiting.add(command.call_id)
                if command.max_wait_s is not None:
                    self._push(now + command.max_wait_s, _TIMEOUT, command.call_id)
            elif isinstance(command, gw.StartVoicemail):
                self.waiting.discard(command.call_id)
                self._push(now + self.spec.voicemail_s, _VM_END, command.call_id)

    def run(self) -> SimulationResult:
        spec = self.spec
        started = wallclock.perf_counter()
        ids = list(spec.agent_ids or range(1, spec.agents + 1))[: spec.agents]
        for agent_id in ids:
            self._execute(
                self.engine.agent_login(agent_id, spec.center.id, spec.agent_skills, 0.0), 0.0
            )
        rate = spec.calls_per_hour / 3600.0
        profile = spec.hourly_profile
        peak = max(profile) if profile else 1.0
        self._push(self.rng.expovariate(rate), _ARRIVAL)
        engine = self.engine
        calls = 0
        while self.heap:
            now, _seq, kind, call_id, agent_id = heapq.heappop(self.heap)
            if kind == _ARRIVAL:
                if now >= self.horizon:
                    continue
                self._push(now + self.rng.expovariate(rate), _ARRIVAL)
                if profile and self.rng.random() * peak > profile[self.clock(now).hour]:
                    continue  # thinning: fewer calls in quieter hours
                calls += 1
                call_id = str(calls)
                patience = self.rng.expovariate(1.0 / spec.patience_s)
                self._push(now + patience, _ABANDON, call_id)
                commands = engine.handle(
                    gw.CallArrived(call_id, now, self.dialed, language=spec.language)
                )
                self._execute(commands, now)
            elif kind == _CONNECT:
                commands = engine.handle(gw.AgentConnected(call_id, agent_id, now))
                if call_id in engine.calls and engine.calls[call_id].answered_at == now:
                    self.connected.add(call_id)
                    self._push(now + self._handle_time(), _END, call_id, agent_id)
                self._execute(commands, now)
            elif kind == _NO_ANSWER:
                commands = engine.handle(gw.AgentNoAnswer(call_id, agent_id, now))
                # The agent comes back after a short break.
                self._execute(commands, now)
                self._execute(engine.agent_ready(agent_id, now), now)
            elif kind == _END:
                self.connected.discard(call_id)
                self._execute(engine.handle(gw.Ended(call_id, now)), now)
                self._execute(engine.wrap_up_done(agent_id, now), now)
            elif kind == _ABANDON:
                if call_id in self.waiting:
                    self.waiting.discard(call_id)
                    self._execute(engine.handle(gw.Abandoned(call_id, now)), now)
            elif kind == _TIMEOUT:
                if call_id in self.waiting:
                    self.waiting.discard(call_id)
                    self._execute(engine.handle(gw.QueueTimeout(call_id, now)), now)
            elif kind == _VM_END:
                self._execute(engine.handle(gw.Ended(call_id, now)), now)
        wall = wallclock.perf_counter() - started
        return self._result(calls, wall)

    def _result(self, calls: int, wall: float) -> SimulationResult:
        batches = self.metrics.batches
        offered = sum(b.offered for b in batches)
        answered = sum(b.answered for b in batches)
        abandoned = sum(b.abandoned for b in batches)
        in_sl = sum(b.in_sl for b in batches)
        wait = sum(b.wait_sum for b in batches)
        busy = sum(b.busy_s for b in batches)
        capacity = self.spec.agents * self.horizon
        batch_capacity = capacity / len(batches)

        def ratio(a: float, b: float) -> float:
            return a / b if b else 0.0

        half_widths = {
            "answer_rate": _half_width([ratio(b.answered, b.offered) for b in batches]),
            "asa_s": _half_width([ratio(b.wait_sum, b.answered) for b in batches]),
            "service_level": _half_width([ratio(b.in_sl, b.offered) for b in batches]),
            "occupancy": _half_width([ratio(b.busy_s, batch_capacity) for b in batches]),
        }
        return SimulationResult(
            offered=offered,
            answered=answered,
            abandoned=abandoned,
            blocked=self.metrics.blocked,
            voicemail=self.metrics.voicemail,
            answer_rate=ratio(answered, offered),
            asa_s=ratio(wait, answered),
            service_level=ratio(in_sl, offered),
            occupancy=ratio(busy, capacity),
            calls=calls,
            wall_s=wall,
            calls_per_wall_s=ratio(calls, wall),
            half_widths=half_widths,
        )


def utc_clock(at: float) -> datetime:
    """The live clock: gateway times are Unix seconds."""
    return datetime.fromtimestamp(at, UTC)


SimulationRunner = Callable[[SimulationSpec], SimulationResult]

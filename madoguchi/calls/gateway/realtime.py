"""A real-time simulator gateway: the demo call stream and a phone for the operator desk.

It runs in a background thread of the router process and carries out the engine's
commands on the wall clock: simulated callers arrive (Poisson), wait with a patience,
simulated seats answer and talk; human agents see the offer on the desk and answer
there (in place of a SIP phone). Timers are kept in a heap under a condition variable.
"""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.live import LiveRouter

logger = logging.getLogger(__name__)


@dataclass
class DemoSettings:
    center_id: int
    dialed: str
    calls_per_hour: float = 40.0
    aht_s: float = 90.0
    patience_s: float = 120.0
    answer_delay_s: float = 2.0
    wrap_up_s: float = 20.0
    voicemail_s: float = 30.0
    simulated_agents: frozenset[int] = frozenset()


class RealtimeGateway:
    def __init__(self, router: LiveRouter, settings: DemoSettings, *, seed: int | None = None):
        self.router = router
        self.settings = settings
        self.rng = random.Random(seed)  # noqa: S311  (simulated callers, not crypto)
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = 0
        self.cond = threading.Condition()
        self.stopped = False
        self.waiting: set[str] = set()
        self.thread = threading.Thread(target=self._loop, name="madoguchi-demo-calls", daemon=True)
        router.gateway = self

    # --- scheduling ----------------------------------------------------------------------

    def at(self, delay: float, action: Callable[[], None]) -> None:
        with self.cond:
            self.seq += 1
            heapq.heappush(self.heap, (time.time() + delay, self.seq, action))
            self.cond.notify()

    def start(self, *, arrivals: bool = True) -> None:
        if arrivals and self.settings.calls_per_hour > 0:
            self.at(self._next_arrival(), self._arrive)
        self.thread.start()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self.cond:
                while not self.stopped and (not self.heap or self.heap[0][0] > time.time()):
                    timeout = self.heap[0][0] - time.time() if self.heap else None
                    self.cond.wait(timeout)
                if self.stopped:
                    break
                _due, _seq, action = heapq.heappop(self.heap)
            try:
                close_old_connections()
                action()
            except Exception:  # a failed timer is logged; the stream goes on
                logger.exception("demo call timer failed")
        close_old_connections()

    # --- the protocol ----------------------------------------------------------------------

    def execute(self, commands: list[gw.Command]) -> None:
        s = self.settings
        for command in commands:
            if isinstance(command, gw.OfferToAgent):
                self.waiting.discard(command.call_id)
                if command.agent_id in s.simulated_agents:
                    self.at(s.answer_delay_s, self._connect(command.call_id, command.agent_id))
                else:
                    self.at(command.ring_timeout_s, self._no_answer(command))
            elif isinstance(command, gw.Enqueue):
                self.waiting.add(command.call_id)
                if command.max_wait_s is not None:
                    self.at(command.max_wait_s, self._timeout(command.call_id))
            elif isinstance(command, gw.StartVoicemail):
                self.waiting.discard(command.call_id)
                self.at(s.voicemail_s, self._ended(command.call_id))

    def _ended(self, call_id: str) -> Callable[[], None]:
        def run() -> None:
            self.router.event(gw.Ended(call_id, time.time()))

        return run

    def _connect(self, call_id: str, agent_id: int) -> Callable[[], None]:
        def run() -> None:
            self.router.event(gw.AgentConnected(call_id, agent_id, time.time()))
            talk = self.rng.expovariate(1.0 / self.settings.aht_s)
            self.at(talk, self._end(call_id, agent_id))

        return run

    def _end(self, call_id: str, agent_id: int) -> Callable[[], None]:
        def run() -> None:
            self.router.event(gw.Ended(call_id, time.time()))
            self.at(self.settings.wrap_up_s, self._wrap_up(agent_id))

        return run

    def wrap_up_timer(self, agent_id: int) -> None:
        """After a human agent's call: ready again when the wrap-up time runs out."""
        self.at(self.settings.wrap_up_s, self._wrap_up(agent_id))

    def _wrap_up(self, agent_id: int) -> Callable[[], None]:
        def run() -> None:
            live = self.router.engine.agents.get(agent_id)
            if live is not None and live.state == "wrap_up":
                with self.router.lock:
                    commands = self.router.engine.wrap_up_done(agent_id, time.time())
                self.execute(commands)

        return run

    def _no_answer(self, command: gw.OfferToAgent) -> Callable[[], None]:
        def run() -> None:
            call = self.router.engine.calls.get(command.call_id)
            if call is not None and call.offered_agent == command.agent_id:
                self.router.event(gw.AgentNoAnswer(command.call_id, command.agent_id, time.time()))

        return run

    def _timeout(self, call_id: str) -> Callable[[], None]:
        def run() -> None:
            if call_id in self.waiting:
                self.waiting.discard(call_id)
                self.router.event(gw.QueueTimeout(call_id, time.time()))

        return run

    def _abandon(self, call_id: str) -> Callable[[], None]:
        def run() -> None:
            if call_id in self.waiting:
                self.waiting.discard(call_id)
                self.router.event(gw.Abandoned(call_id, time.time()))

        return run

    # --- callers -----------------------------------------------------------------------------

    def _next_arrival(self) -> float:
        return self.rng.expovariate(self.settings.calls_per_hour / 3600.0)

    def call_now(self, *, language: str = "ja") -> str:
        """One simulated caller dials the demo number now (also the training button)."""
        call_id = str(uuid.uuid4())
        self.router.event(gw.CallArrived(call_id, time.time(), self.settings.dialed, "", language))
        if call_id in self.waiting:
            self.at(self.rng.expovariate(1.0 / self.settings.patience_s), self._abandon(call_id))
        return call_id

    def _arrive(self) -> None:
        self.at(self._next_arrival(), self._arrive)
        self.call_now()

"""The live router: one engine per process for real-time calls (desk, demo stream, SIP).

Calls in progress and agent states live in the engine's memory; every event is written to
the database at once (``DatabaseSink``) and the center's wallboard is told after commit.
Run exactly one router process per installation (in ``make run``: the ASGI server); the
state of calls in progress is not shared between processes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from madoguchi.calls.acd import CallCenterEngine, LiveAgent, LiveCall
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.gateway.simulator import utc_clock
from madoguchi.calls.models import (
    Agent,
    AgentStateEvent,
    Call,
    CallEvent,
    CallEventType,
    Voicemail,
)
from madoguchi.calls.selectors import routing_table


class WallboardListeners:
    """WebSocket consumers of this process waiting for a center's next change.

    The router writes from worker threads; a consumer waits in the server's event loop.
    ``call_soon_threadsafe`` is the one safe bridge between the two, so the router wakes
    its own process's wallboards directly (the single-router design, docs/telephony.md).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listeners: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def add(self, center_id: int, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        with self.lock:
            self.listeners.setdefault(center_id, set()).add((loop, event))

    def remove(self, center_id: int, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        with self.lock:
            self.listeners.get(center_id, set()).discard((loop, event))

    def wake(self, center_id: int) -> None:
        with self.lock:
            targets = list(self.listeners.get(center_id, ()))
        for loop, event in targets:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


wallboard_listeners = WallboardListeners()
# The same bridge keyed by agent id: operator desks waiting for an offer to their seat.
agent_listeners = WallboardListeners()


def notify_wallboard(center_id: int) -> None:
    """Wake the center's wallboards once the current transaction commits."""
    transaction.on_commit(lambda: wallboard_listeners.wake(center_id))


def _at(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def _dt(at: float | None) -> datetime | None:
    return _at(at) if at is not None else None


class DatabaseSink:
    """Writes each call event, call summary and agent state as it happens."""

    _FIELDS_BY_EVENT = {
        CallEventType.ENQUEUED: ("enqueued_at",),
        CallEventType.AGENT_OFFERED: ("offered_at",),
        CallEventType.AGENT_CONNECTED: ("answered_at", "agent_id", "disposition"),
        CallEventType.ENDED: ("ended_at",),
        CallEventType.TRANSFERRED: ("transferred_to",),
    }

    def call_event(
        self, call: LiveCall, type: str, at: float, agent: int | None, data: dict[str, object]
    ) -> None:
        if type == CallEventType.ARRIVED:
            Call.objects.update_or_create(
                id=call.id,
                defaults={
                    "center_id": call.center.id if call.center else None,
                    "dialed_number": call.dialed,
                    "caller_number": call.caller,
                    "caller_withheld": not call.caller,
                    "language": call.language,
                    "arrived_at": _at(call.arrived_at),
                },
            )
        else:
            changes: dict[str, Any] = {
                "queue_id": call.queue.id if call.queue else None,
                "in_hours": call.in_hours,
                "ring_no_answer_count": call.ring_no_answer_count,
            }
            for name in self._FIELDS_BY_EVENT.get(CallEventType(type), ()):
                if name == "agent_id":
                    changes[name] = call.agent
                elif name in {"disposition", "transferred_to"}:
                    changes[name] = getattr(call, name)
                else:
                    changes[name] = _dt(at)
            Call.objects.filter(id=call.id).update(**changes)
        if type == CallEventType.VOICEMAIL_STARTED:
            # The message is worked from the voicemail list until called back (TEL-4).
            Voicemail.objects.get_or_create(call_id=call.id, defaults={"recorded_at": _at(at)})
        CallEvent.objects.create(
            call_id=call.id,
            at=_at(at),
            type=type,
            queue_id=call.queue.id if call.queue else None,
            agent_id=agent,
            data=data,
        )
        if call.center is not None:
            notify_wallboard(call.center.id)

    def agent_state(self, agent: LiveAgent, at: float, reason: str, call: LiveCall | None) -> None:
        AgentStateEvent.objects.create(
            agent_id=agent.id,
            at=_at(at),
            state=agent.state,
            reason=reason,
            call_id=call.id if call is not None else None,
        )
        notify_wallboard(agent.center_id)
        agent_id = agent.id
        transaction.on_commit(lambda: agent_listeners.wake(agent_id))

    def call_finished(self, call: LiveCall) -> None:
        Call.objects.filter(id=call.id).update(
            disposition=call.disposition,
            in_hours=call.in_hours,
            ended_at=_dt(call.ended_at),
            wrap_end_at=_dt(call.wrap_end_at),
            sl_threshold_s=call.queue.sl_threshold_s if call.queue else None,
        )
        if call.center is not None:
            notify_wallboard(call.center.id)


RELOAD_S = 30.0


class LiveRouter:
    """The process's engine, serialised by a lock; commands go to the attached gateway."""

    def __init__(self, *, now: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.now = now
        self.engine = CallCenterEngine(routing_table(), clock=utc_clock, sink=DatabaseSink())
        self.gateway: gw.Gateway = gw.CommandLog()
        self.loaded_at = time.monotonic()

    def reload(self) -> None:
        """Pick up changed numbers, hours, queues and forwarding for new calls."""
        with self.lock:
            self.engine.routing = routing_table()
            self.loaded_at = time.monotonic()

    def _run(self, work: Callable[[], list[gw.Command]]) -> list[gw.Command]:
        with self.lock, transaction.atomic():
            commands = work()
        self.gateway.execute(commands)
        return commands

    def event(self, event: gw.Event) -> list[gw.Command]:
        if isinstance(event, gw.CallArrived) and time.monotonic() - self.loaded_at > RELOAD_S:
            # Settings changed in the console (hours, forwarding, queues) reach new calls
            # within RELOAD_S seconds without any signal between processes.
            self.reload()
        return self._run(lambda: self.engine.handle(event))

    def agent_ready(self, agent: Agent) -> list[gw.Command]:
        at = self.now()

        def work() -> list[gw.Command]:
            if agent.pk not in self.engine.agents:
                return self.engine.agent_login(
                    agent.pk, agent.center_id, frozenset(agent.skills), at
                )
            return self.engine.agent_ready(agent.pk, at)

        return self._run(work)

    def agent_not_ready(self, agent: Agent, reason: str) -> list[gw.Command]:
        at = self.now()
        if agent.pk not in self.engine.agents:
            self.agent_ready(agent)
        return self._run(lambda: self.engine.agent_not_ready(agent.pk, at, reason))

    def agent_logout(self, agent: Agent) -> list[gw.Command]:
        if agent.pk not in self.engine.agents:
            return []
        at = self.now()
        return self._run(lambda: self.engine.agent_logout(agent.pk, at))

    def wrap_up_done(self, agent: Agent) -> list[gw.Command]:
        at = self.now()
        return self._run(lambda: self.engine.wrap_up_done(agent.pk, at))

    def hang_up(self, call_id: str, at: float) -> list[gw.Command]:
        """The agent ends the call from the desk. A gateway carrying real calls (SIP) hangs
        up both legs and reports the end as an event; otherwise the call ends here."""
        hang_up = getattr(self.gateway, "hang_up", None)
        if callable(hang_up):
            hang_up(call_id)
            return []
        return self.event(gw.Ended(call_id, at))

    def transfer(self, call_id: str, department_id: int, at: float) -> list[gw.Command]:
        """The agent transfers the call to a department (the gateway carries it out)."""
        return self._run(lambda: self.engine.transfer(call_id, department_id, at))

    @property
    def answers_on_phone(self) -> bool:
        """Whether agents answer on a real phone (SIP) rather than with the desk button."""
        return bool(getattr(self.gateway, "answers_on_phone", False))

    def agent_state(self, agent: Agent) -> LiveAgent | None:
        return self.engine.agents.get(agent.pk)

    def offered_call(self, agent: Agent) -> LiveCall | None:
        live = self.engine.agents.get(agent.pk)
        return self.engine.calls.get(live.call) if live and live.call else None


_router: LiveRouter | None = None
_router_lock = threading.Lock()


def live_router() -> LiveRouter:
    """The process-wide router, created on first use."""
    global _router
    with _router_lock:
        if _router is None:
            _router = LiveRouter()
        return _router


def live_router_reset() -> None:
    """Forget the router (tests; a new database means new state)."""
    global _router
    with _router_lock:
        _router = None

"""Routing and automatic call distribution: the domain's decisions (TEL-1..5, 9, 10).

``CallCenterEngine`` is pure Python with no database access: it receives gateway events
and agent actions, updates its state and returns gateway commands. What happened is
told to an ``EventSink`` (the recording sink writes Call/CallEvent/AgentStateEvent rows;
the planning sink only counts). The simulator and a live router drive the same engine.

Rules, in the order a call meets them:
1. the dialed number selects the center (an unknown number is refused);
2. outside the center's hours: after-hours announcement, then forward if switched on;
3. all lines of the center in use: busy, counted as blocked (TEL-10);
4. open: answer, recording notice, record, then the queue for the caller's language;
5. a full queue or nobody logged in with the skills: overflow — voicemail or the
   congestion message, per center (TEL-4);
6. the longest-idle available agent with every skill of the queue gets the call;
   otherwise the caller waits, first come first served (TEL-1);
7. an agent who does not answer is set not ready and the call goes to the next agent
   (or back to the head of the queue, keeping its place);
8. after the call the agent wraps up and then takes the longest-waiting call.
Transfers go only to departments open now (TEL-5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.utils.translation import gettext as _

from madoguchi.calls.errors import CallsError
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.models import AgentState, AnnouncementKind, CallEventType, Disposition
from madoguchi.calls.policy import CenterPolicy, QueuePolicy, RoutingTable


@dataclass(slots=True)
class LiveCall:
    id: str
    arrived_at: float
    dialed: str
    caller: str
    language: str
    center: CenterPolicy | None = None
    queue: QueuePolicy | None = None
    enqueued_at: float | None = None
    offered_at: float | None = None
    offered_agent: int | None = None
    answered_at: float | None = None
    agent: int | None = None
    ended_at: float | None = None
    wrap_end_at: float | None = None
    in_hours: bool = True
    disposition: str = Disposition.IN_PROGRESS
    ring_no_answer_count: int = 0
    transferred_to: str = ""
    holds_line: bool = False


@dataclass(slots=True)
class LiveAgent:
    id: int
    center_id: int
    skills: frozenset[str]
    state: str = AgentState.LOGGED_OUT
    idle_since: float = 0.0
    call: str | None = None


class EventSink(Protocol):
    def call_event(
        self, call: LiveCall, type: str, at: float, agent: int | None, data: dict[str, object]
    ) -> None: ...

    def agent_state(
        self, agent: LiveAgent, at: float, reason: str, call: LiveCall | None
    ) -> None: ...

    def call_finished(self, call: LiveCall) -> None: ...


class NullSink:
    """Keeps nothing (planning mode counts finished calls itself)."""

    def call_event(
        self, call: LiveCall, type: str, at: float, agent: int | None, data: dict[str, object]
    ) -> None:
        return None

    def agent_state(self, agent: LiveAgent, at: float, reason: str, call: LiveCall | None) -> None:
        return None

    def call_finished(self, call: LiveCall) -> None:
        return None


@dataclass(slots=True)
class _Waiting:
    """Callers waiting in one queue, in arrival order (dict keeps insertion order)."""

    calls: dict[str, LiveCall] = field(default_factory=dict)


class CallCenterEngine:
    def __init__(
        self,
        routing: RoutingTable,
        *,
        clock: Callable[[float], datetime],
        sink: EventSink | None = None,
        record_calls: bool = True,
    ) -> None:
        self.routing = routing
        self.clock = clock
        self.sink: EventSink = sink or NullSink()
        self.record_calls = record_calls
        self.calls: dict[str, LiveCall] = {}
        self.agents: dict[int, LiveAgent] = {}
        self.waiting: dict[int, _Waiting] = {}
        self.lines_in_use: dict[int, int] = {}

    # --- agent actions (from the operator desk) --------------------------------------

    def agent_login(
        self, agent_id: int, center_id: int, skills: frozenset[str], at: float
    ) -> list[gw.Command]:
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = LiveAgent(id=agent_id, center_id=center_id, skills=skills)
            self.agents[agent_id] = agent
        agent.skills = skills
        return self.agent_ready(agent_id, at)

    def agent_ready(self, agent_id: int, at: float) -> list[gw.Command]:
        """Ready for calls: takes the longest-waiting call it can handle, if any."""
        agent = self._agent(agent_id)
        if agent.state in (AgentState.RINGING, AgentState.ON_CALL):
            raise CallsError(_("通話中は受付可にできません。"))
        if agent.state == AgentState.WRAP_UP:
            return self.wrap_up_done(agent_id, at)
        return self._make_available(agent, at)

    def agent_not_ready(self, agent_id: int, at: float, reason: str) -> list[gw.Command]:
        agent = self._agent(agent_id)
        if agent.state in (AgentState.RINGING, AgentState.ON_CALL):
            raise CallsError(_("通話中は離席にできません。"))
        self._set_state(agent, AgentState.NOT_READY, at, reason=reason)
        return []

    def agent_logout(self, agent_id: int, at: float) -> list[gw.Command]:
        agent = self._agent(agent_id)
        if agent.state in (AgentState.RINGING, AgentState.ON_CALL):
            raise CallsError(_("通話中はログアウトできません。"))
        self._set_state(agent, AgentState.LOGGED_OUT, at)
        return []

    def wrap_up_done(self, agent_id: int, at: float) -> list[gw.Command]:
        """The agent finished after-call work (or its timer ran out)."""
        agent = self._agent(agent_id)
        call = self.calls.pop(agent.call, None) if agent.call else None
        agent.call = None
        if call is not None:
            call.wrap_end_at = at
            self.sink.call_event(call, CallEventType.WRAP_UP_ENDED, at, agent.id, {})
            self.sink.call_finished(call)
        return self._make_available(agent, at)

    # --- gateway events ---------------------------------------------------------------

    def handle(self, event: gw.Event) -> list[gw.Command]:
        if isinstance(event, gw.CallArrived):
            return self._arrived(event)
        call = self.calls.get(event.call_id)
        if call is None:
            return []
        if isinstance(event, gw.AgentConnected):
            return self._connected(call, event.agent_id, event.at)
        if isinstance(event, gw.AgentNoAnswer):
            return self._no_answer(call, event.agent_id, event.at)
        if isinstance(event, gw.QueueTimeout):
            return self._queue_timeout(call, event.at)
        if isinstance(event, gw.Abandoned):
            return self._abandoned(call, event.at)
        if isinstance(event, gw.Ended):
            return self._ended(call, event.at)
        return []

    def transfer(self, call_id: str, department_id: int, at: float) -> list[gw.Command]:
        """Transfer a connected call to a department, only while its office is open (TEL-5)."""
        call = self.calls.get(call_id)
        if call is None or call.center is None or call.answered_at is None:
            raise CallsError(_("転送できる通話がありません。"))
        department = call.center.departments.get(department_id)
        if department is None:
            raise CallsError(_("転送先の所管課が見つかりません。"))
        now = self.clock(at)
        if not department.calendar.is_open(now):
            hours = department.calendar.day_hours(now.date())
            if hours.is_open_day:
                assert hours.opens is not None and hours.closes is not None  # noqa: S101
                span = f"{hours.opens:%H:%M}〜{hours.closes:%H:%M}"
            else:
                span = _("本日は閉庁")
            raise CallsError(
                _(
                    "%(name)s は現在、時間外です（本日の開庁時間: %(span)s）。"
                    "お客様には %(number)s へのおかけ直しをご案内ください。"
                )
                % {
                    "name": department.name,
                    "span": span,
                    "number": department.external_display or department.extension,
                }
            )
        kind, target = (
            ("extension", department.extension)
            if department.extension
            else ("external", department.external)
        )
        call.transferred_to = department.name
        self.sink.call_event(
            call, CallEventType.TRANSFERRED, at, call.agent, {"department": department.name}
        )
        return [gw.Transfer(call.id, kind, target, department.name)]

    # --- routing ----------------------------------------------------------------------

    def _arrived(self, event: gw.CallArrived) -> list[gw.Command]:
        call = LiveCall(
            id=event.call_id,
            arrived_at=event.at,
            dialed=event.dialed,
            caller=event.caller,
            language=event.language,
        )
        center = self.routing.by_number.get(event.dialed)
        call.center = center
        self.sink.call_event(call, CallEventType.ARRIVED, event.at, None, {})
        if center is None:
            return self._finish(
                call, Disposition.UNKNOWN_NUMBER, event.at, [gw.HangUp(call.id, "unknown_number")]
            )
        if not center.is_open(self.clock(event.at)):
            call.in_hours = False
            commands: list[gw.Command] = [
                gw.Answer(call.id),
                gw.Play(call.id, AnnouncementKind.AFTER_HOURS, call.language),
            ]
            self.sink.call_event(call, CallEventType.AFTER_HOURS, event.at, None, {})
            if center.forward_enabled and center.forward_to:
                self.sink.call_event(
                    call, CallEventType.FORWARDED, event.at, None, {"to": center.forward_to}
                )
                commands.append(gw.Forward(call.id, center.forward_to))
                return self._finish(call, Disposition.AFTER_HOURS_FORWARDED, event.at, commands)
            commands.append(gw.HangUp(call.id, "after_hours"))
            return self._finish(call, Disposition.AFTER_HOURS, event.at, commands)
        in_use = self.lines_in_use.get(center.id, 0)
        if center.line_limit is not None and in_use >= center.line_limit:
            self.sink.call_event(call, CallEventType.BLOCKED, event.at, None, {"lines": in_use})
            return self._finish(call, Disposition.BLOCKED, event.at, [gw.HangUp(call.id, "busy")])
        self.lines_in_use[center.id] = in_use + 1
        call.holds_line = True
        self.calls[call.id] = call
        commands = [
            gw.Answer(call.id),
            gw.Play(call.id, AnnouncementKind.RECORDING_NOTICE, call.language),
            gw.Record(call.id),
        ]
        self.sink.call_event(call, CallEventType.ANSWERED, event.at, None, {})
        self.sink.call_event(call, CallEventType.NOTICE_PLAYED, event.at, None, {})
        self.sink.call_event(call, CallEventType.RECORDING_STARTED, event.at, None, {})
        queue = center.queue_for(call.language)
        if queue is None:
            return commands + self._overflow(call, event.at, "no_queue")
        call.queue = queue
        waiting = self.waiting.setdefault(queue.id, _Waiting())
        if queue.max_length is not None and len(waiting.calls) >= queue.max_length:
            return commands + self._overflow(call, event.at, "queue_full")
        if not self._anyone_staffed(center.id, queue):
            return commands + self._overflow(call, event.at, "no_agent")
        call.enqueued_at = event.at
        self.sink.call_event(
            call, CallEventType.ENQUEUED, event.at, None, {"position": len(waiting.calls) + 1}
        )
        agent = self._longest_idle(center.id, queue)
        if agent is not None:
            return commands + self._offer(call, agent, event.at)
        waiting.calls[call.id] = call
        return commands + [
            gw.Enqueue(call.id, queue.id, queue.max_wait_s),
            gw.Play(call.id, AnnouncementKind.WAITING, call.language),
        ]

    def _overflow(self, call: LiveCall, at: float, reason: str) -> list[gw.Command]:
        center = call.center
        assert center is not None  # noqa: S101  (only reached after routing)
        self.sink.call_event(call, CallEventType.OVERFLOW, at, None, {"reason": reason})
        if center.voicemail_on_overflow:
            call.disposition = Disposition.VOICEMAIL
            self.sink.call_event(call, CallEventType.VOICEMAIL_STARTED, at, None, {})
            return [
                gw.Play(call.id, AnnouncementKind.VOICEMAIL, call.language),
                gw.StartVoicemail(call.id),
            ]
        commands: list[gw.Command] = [
            gw.Play(call.id, AnnouncementKind.CONGESTION, call.language),
            gw.HangUp(call.id, "congestion"),
        ]
        self._release_line(call)
        self.calls.pop(call.id, None)
        return self._finish(call, Disposition.BLOCKED, at, commands)

    def _offer(self, call: LiveCall, agent: LiveAgent, at: float) -> list[gw.Command]:
        assert call.queue is not None  # noqa: S101
        call.offered_at = call.offered_at if call.offered_at is not None else at
        call.offered_agent = agent.id
        agent.call = call.id
        self._set_state(agent, AgentState.RINGING, at, call=call)
        self.sink.call_event(call, CallEventType.AGENT_OFFERED, at, agent.id, {})
        return [gw.OfferToAgent(call.id, agent.id, call.queue.ring_timeout_s)]

    def _connected(self, call: LiveCall, agent_id: int, at: float) -> list[gw.Command]:
        agent = self.agents.get(agent_id)
        if agent is None or call.offered_agent != agent_id:
            return []
        call.answered_at = at
        call.agent = agent_id
        call.offered_agent = None
        call.disposition = Disposition.ANSWERED
        self._set_state(agent, AgentState.ON_CALL, at, call=call)
        self.sink.call_event(call, CallEventType.AGENT_CONNECTED, at, agent_id, {})
        return []

    def _no_answer(self, call: LiveCall, agent_id: int, at: float) -> list[gw.Command]:
        agent = self.agents.get(agent_id)
        if agent is None or call.offered_agent != agent_id:
            return []
        call.ring_no_answer_count += 1
        call.offered_agent = None
        agent.call = None
        self.sink.call_event(call, CallEventType.AGENT_NO_ANSWER, at, agent_id, {})
        self._set_state(agent, AgentState.NOT_READY, at, reason="missed_call")
        return self._place(call, at)

    def _place(self, call: LiveCall, at: float) -> list[gw.Command]:
        """Offer to the next agent, or put back at the head of the line it had."""
        assert call.center is not None and call.queue is not None  # noqa: S101
        agent = self._longest_idle(call.center.id, call.queue)
        if agent is not None:
            return self._offer(call, agent, at)
        waiting = self.waiting.setdefault(call.queue.id, _Waiting())
        # Keep its place: re-insert in enqueue order.
        merged = dict(sorted([*waiting.calls.items(), (call.id, call)], key=_enqueue_order))
        waiting.calls = merged
        return [gw.Enqueue(call.id, call.queue.id, None)]

    def _queue_timeout(self, call: LiveCall, at: float) -> list[gw.Command]:
        if call.queue is None or call.answered_at is not None or call.offered_agent is not None:
            return []
        self.waiting[call.queue.id].calls.pop(call.id, None)
        return self._overflow(call, at, "max_wait")

    def _abandoned(self, call: LiveCall, at: float) -> list[gw.Command]:
        if call.answered_at is not None:
            return self._ended(call, at)
        commands: list[gw.Command] = []
        if call.queue is not None:
            self.waiting[call.queue.id].calls.pop(call.id, None)
        if call.offered_agent is not None:
            agent = self.agents[call.offered_agent]
            agent.call = None
            call.offered_agent = None
            commands += self._make_available(agent, at)
        self.calls.pop(call.id, None)
        self._release_line(call)
        if call.disposition == Disposition.VOICEMAIL:
            self.sink.call_event(call, CallEventType.ENDED, at, None, {})
            return commands + self._finish(call, Disposition.VOICEMAIL, at, [])
        self.sink.call_event(call, CallEventType.ABANDONED, at, None, {})
        return commands + self._finish(call, Disposition.ABANDONED, at, [])

    def _ended(self, call: LiveCall, at: float) -> list[gw.Command]:
        if call.answered_at is None:
            return self._abandoned(call, at)
        call.ended_at = at
        self._release_line(call)
        self.sink.call_event(call, CallEventType.ENDED, at, call.agent, {})
        assert call.agent is not None  # noqa: S101
        agent = self.agents[call.agent]
        self._set_state(agent, AgentState.WRAP_UP, at, call=call)
        return []

    def _finish(
        self, call: LiveCall, disposition: str, at: float, commands: list[gw.Command]
    ) -> list[gw.Command]:
        call.disposition = disposition
        call.ended_at = at
        self.sink.call_finished(call)
        return commands

    # --- agents -------------------------------------------------------------------------

    def _agent(self, agent_id: int) -> LiveAgent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise CallsError(_("このオペレーター席はログインしていません。"))
        return agent

    def _set_state(
        self,
        agent: LiveAgent,
        state: str,
        at: float,
        *,
        reason: str = "",
        call: LiveCall | None = None,
    ) -> None:
        agent.state = state
        self.sink.agent_state(agent, at, reason, call)

    def _make_available(self, agent: LiveAgent, at: float) -> list[gw.Command]:
        self._set_state(agent, AgentState.AVAILABLE, at)
        agent.idle_since = at
        return self._next_call_for(agent, at)

    def _anyone_staffed(self, center_id: int, queue: QueuePolicy) -> bool:
        return any(
            a.center_id == center_id
            and a.state != AgentState.LOGGED_OUT
            and queue.skills <= a.skills
            for a in self.agents.values()
        )

    def _longest_idle(self, center_id: int, queue: QueuePolicy) -> LiveAgent | None:
        best: LiveAgent | None = None
        for agent in self.agents.values():
            if (
                agent.state == AgentState.AVAILABLE
                and agent.center_id == center_id
                and queue.skills <= agent.skills
                and (best is None or agent.idle_since < best.idle_since)
            ):
                best = agent
        return best

    def _next_call_for(self, agent: LiveAgent, at: float) -> list[gw.Command]:
        """The longest-waiting call among the queues this agent can serve."""
        oldest: LiveCall | None = None
        for waiting in self.waiting.values():
            for call in waiting.calls.values():
                if (
                    call.center is not None
                    and call.center.id == agent.center_id
                    and call.queue is not None
                    and call.queue.skills <= agent.skills
                ):
                    if oldest is None or _enqueue_order((call.id, call)) < _enqueue_order(
                        (oldest.id, oldest)
                    ):
                        oldest = call
                    break  # the first call of a queue is its oldest
        if oldest is None or oldest.queue is None:
            return []
        del self.waiting[oldest.queue.id].calls[oldest.id]
        return self._offer(oldest, agent, at)

    def _release_line(self, call: LiveCall) -> None:
        if call.holds_line and call.center is not None:
            call.holds_line = False
            self.lines_in_use[call.center.id] -= 1


def _enqueue_order(item: tuple[str, LiveCall]) -> tuple[float, str]:
    call = item[1]
    return (call.enqueued_at if call.enqueued_at is not None else call.arrived_at, call.id)

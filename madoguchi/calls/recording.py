"""Recording mode: the simulator's calls written as real Call/CallEvent/AgentStateEvent rows.

Rows are buffered and written with ``bulk_create`` in batches, so a simulated day lands
in seconds even on SQLite; reports then read them like live calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from madoguchi.calls.acd import LiveAgent, LiveCall
from madoguchi.calls.models import (
    AgentStateEvent,
    Call,
    CallEvent,
    CallSource,
    Disposition,
    Voicemail,
)

_FLUSH_EVERY = 2000


class RecordingSink:
    def __init__(self, *, center_id: int, dialed: str, clock: Callable[[float], datetime]) -> None:
        self.center_id = center_id
        self.dialed = dialed
        self.clock = clock
        self.ids: dict[str, uuid.UUID] = {}
        self.calls: list[Call] = []
        self.events: list[CallEvent] = []
        self.states: list[AgentStateEvent] = []
        self.written = 0

    def _id(self, call: LiveCall) -> uuid.UUID:
        found = self.ids.get(call.id)
        if found is None:
            found = self.ids[call.id] = uuid.uuid4()
        return found

    def call_event(
        self, call: LiveCall, type: str, at: float, agent: int | None, data: dict[str, object]
    ) -> None:
        self.events.append(
            CallEvent(
                call_id=self._id(call),
                at=self.clock(at),
                type=type,
                queue_id=call.queue.id if call.queue else None,
                agent_id=agent,
                data=data,
            )
        )

    def agent_state(self, agent: LiveAgent, at: float, reason: str, call: LiveCall | None) -> None:
        self.states.append(
            AgentStateEvent(
                agent_id=agent.id,
                at=self.clock(at),
                state=agent.state,
                reason=reason,
                call_id=None,  # the call row may not be written yet; events link calls
            )
        )

    def call_finished(self, call: LiveCall) -> None:
        clock = self.clock
        self.calls.append(
            Call(
                id=self.ids.pop(call.id, None) or self._id(call),
                center_id=self.center_id,
                source=CallSource.SIMULATED,
                dialed_number=self.dialed,
                language=call.language,
                queue_id=call.queue.id if call.queue else None,
                agent_id=call.agent,
                arrived_at=clock(call.arrived_at),
                in_hours=call.in_hours,
                enqueued_at=clock(call.enqueued_at) if call.enqueued_at is not None else None,
                offered_at=clock(call.offered_at) if call.offered_at is not None else None,
                answered_at=clock(call.answered_at) if call.answered_at is not None else None,
                ended_at=clock(call.ended_at) if call.ended_at is not None else None,
                wrap_end_at=clock(call.wrap_end_at) if call.wrap_end_at is not None else None,
                disposition=call.disposition,
                ring_no_answer_count=call.ring_no_answer_count,
                sl_threshold_s=call.queue.sl_threshold_s if call.queue else None,
                transferred_to=call.transferred_to,
            )
        )
        if len(self.calls) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write finished calls with their events; events of calls still open wait."""
        if not self.calls:
            return
        done = {c.id for c in self.calls}
        events = [e for e in self.events if e.call_id in done]
        self.events = [e for e in self.events if e.call_id not in done]
        voicemails = [
            Voicemail(call_id=c.id, recorded_at=c.arrived_at)
            for c in self.calls
            if c.disposition == Disposition.VOICEMAIL
        ]
        with transaction.atomic():
            Call.objects.bulk_create(self.calls, batch_size=500)
            Voicemail.objects.bulk_create(voicemails, batch_size=500)
            CallEvent.objects.bulk_create(events, batch_size=1000)
            AgentStateEvent.objects.bulk_create(self.states, batch_size=1000)
        self.written += len(self.calls)
        self.calls, self.states = [], []

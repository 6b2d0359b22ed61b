"""The live router writes every event at once; the wallboard reads today's figures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.calls.agents import agent_for_user
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.live import LiveRouter, wallboard_listeners
from madoguchi.calls.models import AgentStateEvent, Call, CallEvent, Disposition
from madoguchi.calls.routing import websocket_urlpatterns
from madoguchi.calls.services import queue_ensure_default, simulated_agents_ensure
from madoguchi.calls.wallboard import wallboard_snapshot
from madoguchi.tenancy.calendars import TOKYO

MONDAY_10 = datetime(2026, 1, 5, 10, 0, tzinfo=TOKYO).timestamp()


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def router(iwaki):
    queue_ensure_default(actor=None, center=iwaki)
    clock = FakeClock(MONDAY_10)
    live = LiveRouter(now=clock)
    live.clock = clock  # type: ignore[attr-defined]
    return live


def test_a_call_is_written_as_it_happens(router, iwaki):
    agent = simulated_agents_ensure(center=iwaki, count=1)[0]
    router.agent_ready(agent)
    call_id = str(uuid.uuid4())
    commands = router.event(gw.CallArrived(call_id, MONDAY_10 + 1, "+81246221111", "+819011112222"))
    assert commands[-1] == gw.OfferToAgent(call_id, agent.pk, 15)
    call = Call.objects.get(id=call_id)
    assert (call.disposition, call.caller_number, call.center) == (
        Disposition.IN_PROGRESS,
        "+819011112222",
        iwaki,
    )
    router.event(gw.AgentConnected(call_id, agent.pk, MONDAY_10 + 6))
    router.event(gw.Ended(call_id, MONDAY_10 + 186))
    router.clock.now = MONDAY_10 + 200
    router.wrap_up_done(agent)
    call.refresh_from_db()
    assert call.disposition == Disposition.ANSWERED
    assert call.wait_s == 5.0
    assert call.ended_at is not None and call.answered_at is not None
    assert call.wrap_end_at is not None
    assert (call.ended_at - call.answered_at).total_seconds() == 180
    assert (call.wrap_end_at - call.ended_at).total_seconds() == 14
    assert list(CallEvent.objects.filter(call=call).values_list("type", flat=True)) == [
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
    states = list(AgentStateEvent.objects.filter(agent=agent).values_list("state", flat=True))
    assert states == ["available", "ringing", "on_call", "wrap_up", "available"]


def test_wallboard_snapshot_counts_today(router, iwaki):
    agent = simulated_agents_ensure(center=iwaki, count=1)[0]
    router.agent_ready(agent)
    answered, waiting, gone = (str(uuid.uuid4()) for _ in range(3))
    router.event(gw.CallArrived(answered, MONDAY_10, "+81246221111"))
    router.event(gw.AgentConnected(answered, agent.pk, MONDAY_10 + 30))
    router.event(gw.CallArrived(waiting, MONDAY_10 + 40, "+81246542111"))
    router.event(gw.CallArrived(gone, MONDAY_10 + 50, "+81246542111"))
    router.event(gw.Abandoned(gone, MONDAY_10 + 70))
    now = datetime.fromtimestamp(MONDAY_10 + 100, TOKYO)
    snapshot: dict[str, Any] = wallboard_snapshot(center=iwaki, now=now)
    assert snapshot["waiting"] == 1
    assert snapshot["longest_wait_s"] == 60
    assert snapshot["agents"]["on_call"] == 1
    total = snapshot["total"]
    assert (total["offered"], total["answered"], total["abandoned"]) == (2, 1, 1)
    assert total["answer_rate"] == 0.5
    assert total["asa_s"] == 30.0
    assert total["service_level"] == 0.0  # answered after 30 s, threshold 20 s
    assert [n["label"] for n in snapshot["numbers"]] == ["0246-22-1111", "0246-54-2111"]


def test_wallboard_socket_pushes_after_a_change(router, iwaki, transactional_db):
    user = user_create(actor=None, username="suzuki", password="correct-horse-battery")
    membership_grant(actor=None, user=user, center=iwaki, role=Role.SUPERVISOR)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/wallboard/{iwaki.pk}/"
        )
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        first = await communicator.receive_json_from(timeout=5)
        wallboard_listeners.wake(iwaki.pk)
        second = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return first, second

    first, second = async_to_sync(scenario)()
    assert first["center"] == "いわき市総合コールセンター"
    assert second["waiting"] == first["waiting"] == 0


def test_wallboard_socket_refuses_an_operator(iwaki, transactional_db):
    user = user_create(actor=None, username="sato", password="correct-horse-battery")
    membership_grant(actor=None, user=user, center=iwaki, role=Role.OPERATOR)

    async def scenario() -> tuple[bool, object]:
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/wallboard/{iwaki.pk}/"
        )
        communicator.scope["user"] = user
        connected, code = await communicator.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert connected is False
    assert code == 4403


def test_agent_for_user_creates_one_seat(iwaki):
    user = user_create(actor=None, username="sato", password="correct-horse-battery")
    first = agent_for_user(user=user, center=iwaki)
    assert agent_for_user(user=user, center=iwaki) == first
    assert first.name == "sato"
    assert (first.user, first.center, first.is_simulated) == (user, iwaki, False)


def test_changed_settings_reach_new_calls_after_the_reload_interval(router, iwaki):
    from madoguchi.calls.live import RELOAD_S
    from madoguchi.calls.services import forwarding_set

    evening = datetime(2026, 1, 5, 19, 30, tzinfo=TOKYO).timestamp()
    first = router.event(gw.CallArrived(str(uuid.uuid4()), evening, "+81246221111"))
    assert [type(c).__name__ for c in first] == ["Answer", "Play", "HangUp"]
    forwarding_set(actor=None, center=iwaki, enabled=True, number="0246-22-0110")
    router.loaded_at -= RELOAD_S + 1
    second = router.event(gw.CallArrived(str(uuid.uuid4()), evening + 60, "+81246221111"))
    assert second[-1] == gw.Forward(second[-1].call_id, "+81246220110")
    assert Call.objects.filter(disposition=Disposition.AFTER_HOURS_FORWARDED).count() == 1

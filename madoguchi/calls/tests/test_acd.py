"""Routing and ACD decisions at every boundary, through the gateway protocol (TEL-1..5, 9, 10)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from madoguchi.calls.acd import CallCenterEngine, LiveCall
from madoguchi.calls.errors import CallsError
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.gateway.simulator import utc_clock
from madoguchi.calls.models import AgentState, Disposition, Queue
from madoguchi.calls.selectors import routing_table
from madoguchi.calls.services import forwarding_set, queue_ensure_default
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Department, ExceptionKind
from madoguchi.tenancy.services import calendar_exception_set

IWAKI = "+81246221111"
SAPPORO = "+81112112977"
OITA = "+81975105151"


def t(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    """Gateway time (Unix seconds) of a Japan-time instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO).timestamp()


class Recorder:
    def __init__(self) -> None:
        self.finished: list[LiveCall] = []
        self.events: list[tuple[str, str, int | None, dict[str, object]]] = []
        self.states: list[tuple[int, str, str]] = []

    def call_event(self, call, type, at, agent, data):
        self.events.append((call.id, type, agent, data))

    def agent_state(self, agent, at, reason, call):
        self.states.append((agent.id, agent.state, reason))

    def call_finished(self, call):
        self.finished.append(call)


@pytest.fixture
def centers(all_scenarios):
    for center in all_scenarios.values():
        queue_ensure_default(actor=None, center=center)
    return all_scenarios


@pytest.fixture
def engine_for(centers):
    def make():
        recorder = Recorder()
        engine = CallCenterEngine(routing_table(), clock=utc_clock, sink=recorder)
        return engine, recorder

    return make


def kinds(commands):
    return [type(c).__name__ for c in commands]


def arrive(engine, call_id, at, dialed=IWAKI, language="ja"):
    return engine.handle(gw.CallArrived(call_id, at, dialed, "+819012345678", language))


def login(engine, centers, agent_id, at, slug="iwaki", skills=frozenset()):
    return engine.agent_login(agent_id, centers[slug].pk, skills, at)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ((2026, 1, 5, 8, 29, 59), False),
        ((2026, 1, 5, 8, 30, 0), True),
        ((2026, 1, 5, 18, 59, 59), True),
        ((2026, 1, 5, 19, 0, 0), False),
        ((2026, 1, 12, 16, 59, 59), True),  # Coming of Age Day: holiday hours
        ((2026, 1, 12, 17, 0, 0), False),
        ((2026, 12, 29, 10, 0, 0), False),  # year-end closure
        ((2027, 1, 3, 12, 0, 0), False),
        ((2027, 1, 4, 8, 30, 0), True),
    ],
)
def test_calendar_decides_at_the_second(engine_for, centers, moment, is_open):
    engine, recorder = engine_for()
    login(engine, centers, 1, t(*moment) - 60)
    commands = arrive(engine, "c1", t(*moment))
    if is_open:
        assert kinds(commands) == ["Answer", "Play", "Record", "OfferToAgent"]
        assert commands[1].announcement == "recording_notice"
    else:
        assert kinds(commands) == ["Answer", "Play", "HangUp"]
        assert (commands[1].announcement, commands[2].reason) == ("after_hours", "after_hours")
        assert recorder.finished[0].disposition == Disposition.AFTER_HOURS
        assert recorder.finished[0].in_hours is False


def test_after_hours_forwarding_switch(engine_for, centers):
    forwarding_set(actor=None, center=centers["iwaki"], enabled=True, number="0246-22-0110")
    engine, recorder = engine_for()
    commands = arrive(engine, "c1", t(2026, 1, 5, 19, 0, 0))
    assert kinds(commands) == ["Answer", "Play", "Forward"]
    assert commands[2].number == "+81246220110"
    assert recorder.finished[0].disposition == Disposition.AFTER_HOURS_FORWARDED
    forwarding_set(actor=None, center=centers["iwaki"], enabled=False)
    engine, recorder = engine_for()
    assert kinds(arrive(engine, "c2", t(2026, 1, 5, 19, 0, 0))) == ["Answer", "Play", "HangUp"]


def test_forwarding_without_a_number_is_refused(centers):
    with pytest.raises(CallsError) as excinfo:
        forwarding_set(actor=None, center=centers["iwaki"], enabled=True)
    assert excinfo.value.field == "number"
    with pytest.raises(CallsError):
        forwarding_set(actor=None, center=centers["iwaki"], enabled=True, number="0246-22")


def test_one_off_closure_applies_to_routing(engine_for, centers):
    calendar_exception_set(
        actor=None,
        calendar=centers["iwaki"].calendar,
        day=date(2026, 8, 14),
        kind=ExceptionKind.CLOSED,
    )
    engine, _recorder = engine_for()
    assert kinds(arrive(engine, "c1", t(2026, 8, 14, 10, 0, 0)))[-1] == "HangUp"


def test_unknown_number_is_refused(engine_for):
    engine, recorder = engine_for()
    assert kinds(arrive(engine, "c1", t(2026, 1, 5, 10, 0, 0), dialed="+81312345678")) == ["HangUp"]
    assert recorder.finished[0].disposition == Disposition.UNKNOWN_NUMBER


def test_line_limit_blocks_the_sixth_caller_and_frees_on_hang_up(engine_for, centers):
    engine, recorder = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at, slug="sapporo")
    for number in range(5):
        arrive(engine, f"c{number}", at + number, dialed=SAPPORO)
    sixth = arrive(engine, "c5", at + 10, dialed=SAPPORO)
    assert kinds(sixth) == ["HangUp"] and sixth[0].reason == "busy"
    assert recorder.finished[-1].disposition == Disposition.BLOCKED
    engine.handle(gw.Abandoned("c4", at + 20))
    assert kinds(arrive(engine, "c6", at + 21, dialed=SAPPORO))[:3] == ["Answer", "Play", "Record"]


def test_longest_idle_agent_gets_the_call(engine_for, centers):
    engine, _ = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at)
    login(engine, centers, 2, at - 100)  # idle longer
    login(engine, centers, 3, at - 50)
    commands = arrive(engine, "c1", at)
    assert commands[-1] == gw.OfferToAgent("c1", 2, 15)
    second = arrive(engine, "c2", at + 1)
    assert second[-1].agent_id == 3


def test_callers_wait_in_arrival_order(engine_for, centers):
    engine, _ = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at)
    arrive(engine, "c1", at)
    engine.handle(gw.AgentConnected("c1", 1, at + 1))
    queued = [arrive(engine, f"q{n}", at + 10 + n) for n in range(3)]
    assert all(kinds(q)[-2:] == ["Enqueue", "Play"] for q in queued)
    assert queued[0][-1].announcement == "waiting"
    engine.handle(gw.Ended("c1", at + 100))
    assert engine.wrap_up_done(1, at + 130)[-1].call_id == "q0"


def test_queue_full_overflows_to_congestion(engine_for, centers):
    Queue.objects.filter(center=centers["iwaki"]).update(max_length=2)
    engine, recorder = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at)
    engine.agent_not_ready(1, at, "break")
    arrive(engine, "q1", at + 1)
    arrive(engine, "q2", at + 2)
    third = arrive(engine, "q3", at + 3)
    assert kinds(third)[-2:] == ["Play", "HangUp"]
    assert third[-2].announcement == "congestion"
    assert recorder.finished[-1].disposition == Disposition.BLOCKED
    assert ("q3", "overflow", None, {"reason": "queue_full"}) in recorder.events


def test_max_wait_overflows_to_voicemail_where_configured(engine_for, centers):
    Queue.objects.filter(center=centers["sapporo"]).update(max_wait_s=90)
    engine, recorder = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at, slug="sapporo")
    engine.agent_not_ready(1, at, "break")
    commands = arrive(engine, "q1", at + 1, dialed=SAPPORO)
    assert commands[-2] == gw.Enqueue("q1", commands[-2].queue_id, 90)
    overflow = engine.handle(gw.QueueTimeout("q1", at + 91))
    assert kinds(overflow) == ["Play", "StartVoicemail"]
    engine.handle(gw.Ended("q1", at + 140))
    assert recorder.finished[-1].disposition == Disposition.VOICEMAIL


def test_nobody_logged_in_overflows_at_once(engine_for, centers):
    engine, recorder = engine_for()
    commands = arrive(engine, "c1", t(2026, 1, 5, 10, 0, 0))
    assert kinds(commands)[-2:] == ["Play", "HangUp"]
    assert ("c1", "overflow", None, {"reason": "no_agent"}) in recorder.events


def test_ring_no_answer_moves_on_and_sets_the_agent_not_ready(engine_for, centers):
    engine, recorder = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at - 100)
    login(engine, centers, 2, at - 50)
    assert arrive(engine, "c1", at)[-1].agent_id == 1
    next_offer = engine.handle(gw.AgentNoAnswer("c1", 1, at + 15))
    assert next_offer == [gw.OfferToAgent("c1", 2, 15)]
    assert engine.agents[1].state == AgentState.NOT_READY
    assert (1, "not_ready", "missed_call") in recorder.states
    engine.handle(gw.AgentConnected("c1", 2, at + 20))
    assert engine.calls["c1"].ring_no_answer_count == 1


def test_unanswered_call_keeps_its_place_in_line(engine_for, centers):
    engine, _ = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at)
    arrive(engine, "c1", at)
    arrive(engine, "c2", at + 5)
    engine.handle(gw.AgentNoAnswer("c1", 1, at + 15))
    engine.agent_ready(1, at + 30)
    assert engine.calls["c1"].offered_agent == 1  # c1 (older) before c2


def test_caller_hanging_up_while_ringing_frees_the_agent(engine_for, centers):
    engine, recorder = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at)
    arrive(engine, "c1", at)
    engine.handle(gw.Abandoned("c1", at + 3))
    assert engine.agents[1].state == AgentState.AVAILABLE
    assert recorder.finished[-1].disposition == Disposition.ABANDONED


def test_language_routing_needs_the_skill(engine_for, centers):
    oita = centers["oita"]
    Queue.objects.create(center=oita, name="English", language="en", skills=["en"])
    engine, _ = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at - 100, slug="oita")  # Japanese only, idle longest
    login(engine, centers, 2, at, slug="oita", skills=frozenset({"en"}))
    commands = arrive(engine, "c1", at + 1, dialed=OITA, language="en")
    assert commands[-1].agent_id == 2
    japanese = arrive(engine, "c2", at + 2, dialed=OITA)
    assert japanese[-1].agent_id == 1


def test_agent_states_refuse_impossible_changes(engine_for, centers):
    engine, _ = engine_for()
    at = t(2026, 1, 5, 10, 0, 0)
    login(engine, centers, 1, at)
    arrive(engine, "c1", at)
    engine.handle(gw.AgentConnected("c1", 1, at + 2))
    with pytest.raises(CallsError, match="通話中は離席にできません。"):
        engine.agent_not_ready(1, at + 3, "break")
    with pytest.raises(CallsError):
        engine.agent_ready(99, at)


def test_transfer_only_to_an_open_department(engine_for, centers):
    engine, recorder = engine_for()
    department = Department.objects.get(center=centers["iwaki"], name="市民課")
    at = t(2026, 1, 5, 17, 0, 0)  # Monday 17:00: the center is open, offices close 17:15
    login(engine, centers, 1, at)
    arrive(engine, "c1", at)
    engine.handle(gw.AgentConnected("c1", 1, at + 2))
    assert engine.transfer("c1", department.pk, at + 60) == [
        gw.Transfer("c1", "extension", "2301", "市民課")
    ]
    arrive(engine, "c2", at + 900)
    engine.handle(gw.Ended("c1", at + 905))
    engine.wrap_up_done(1, at + 906)
    engine.handle(gw.AgentConnected("c2", 1, at + 907))
    with pytest.raises(CallsError) as excinfo:
        engine.transfer("c2", department.pk, at + 1000)  # 17:16:40
    message = str(excinfo.value.message)
    assert "市民課 は現在、時間外です（本日の開庁時間: 08:30〜17:15）。" in message
    assert "0246-22-7451" in message


def test_transfer_on_a_closed_day_says_so(engine_for, centers):
    engine, _ = engine_for()
    department = Department.objects.get(center=centers["iwaki"], name="市民課")
    at = t(2026, 1, 10, 10, 0, 0)  # Saturday: center open, city offices closed
    login(engine, centers, 1, at)
    arrive(engine, "c1", at)
    engine.handle(gw.AgentConnected("c1", 1, at + 1))
    with pytest.raises(CallsError, match="本日は閉庁"):
        engine.transfer("c1", department.pk, at + 30)

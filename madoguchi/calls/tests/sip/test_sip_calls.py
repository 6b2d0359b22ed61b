"""Real calls through Kamailio, rtpengine and the media worker, driven by sipp (issue 8)."""

from __future__ import annotations

import io
import math
import time
import wave
from array import array
from datetime import timedelta
from functools import partial

import pytest

from madoguchi.calls.gateway.sip.config import number_routes
from madoguchi.calls.gateway.sip.kamailio import jsonrpc
from madoguchi.calls.gateway.sip.sipp import (
    BUSY_PHONE,
    Sipp,
    caller_xml,
    phone_xml,
    register,
    rejected_xml,
)
from madoguchi.calls.gateway.sip.stack import (
    Stack,
    StackMissing,
    check_installed,
    free_udp_port,
    loopback_settings,
)
from madoguchi.calls.models import (
    Agent,
    Call,
    CallEvent,
    CallEventType,
    Disposition,
    Queue,
    Recording,
)
from madoguchi.calls.recordings import recordings_purge
from madoguchi.calls.selectors import center_voicemails
from madoguchi.calls.services import forwarding_set
from madoguchi.calls.storage import recording_storage
from madoguchi.tenancy.models import Center, Department, InboundNumber, OverflowAction

from .conftest import SUNDAY_22, Telephony


def _channel_levels(recording: Recording) -> tuple[float, float]:
    """RMS of the left and right channels of a stored stereo recording."""
    with recording_storage().open(recording.storage_key) as f:
        data = f.read()
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
        frames = array("h", w.readframes(w.getnframes()))
    left, right = frames[0::2], frames[1::2]
    return (
        math.sqrt(sum(v * v for v in left) / max(1, len(left))),
        math.sqrt(sum(v * v for v in right) / max(1, len(right))),
    )


def _types(call: Call) -> list[str]:
    return list(
        CallEvent.objects.filter(call=call).order_by("at", "pk").values_list("type", flat=True)
    )


def test_in_hours_call_reaches_an_agent_is_recorded_and_written(telephony: Telephony, iwaki):
    agent = Agent.objects.create(center=iwaki, name="オペレーター 1", extension="7001")
    phone = telephony.phone("agent", user="7001", ring_ms=500)
    telephony.in_router(lambda: telephony.router.agent_ready(agent))

    caller = telephony.caller("caller", "0246221111", talk_ms=8000, caller="0312345678")
    assert caller.wait(40) == 0, caller.output()
    assert phone.wait(10) == 0, phone.output()
    telephony.settle(1.5)

    call = Call.objects.get()
    assert (call.center, call.dialed_number, call.caller_number, call.caller_withheld) == (
        iwaki,
        "+81246221111",
        "+81312345678",
        False,
    )
    assert call.agent == agent
    assert call.disposition == Disposition.ANSWERED
    assert call.answered_at is not None and call.ended_at is not None
    # The caller's 8 s run from the worker's answer: notice (~1 s), ring (0.5 s), talk.
    whole = (call.ended_at - call.arrived_at).total_seconds()
    talk = (call.ended_at - call.answered_at).total_seconds()
    assert 7.8 < whole < 9.5, whole
    assert 4.0 < talk < whole - 1.0, talk
    assert _types(call) == [
        CallEventType.ARRIVED,
        CallEventType.ANSWERED,
        CallEventType.NOTICE_PLAYED,
        CallEventType.RECORDING_STARTED,
        CallEventType.ENQUEUED,
        CallEventType.AGENT_OFFERED,
        CallEventType.AGENT_CONNECTED,
        CallEventType.ENDED,
    ]
    recording = Recording.objects.get(call=call)
    assert recording.notice_played is True
    # Recording runs from after the notice to the caller's hang-up.
    started = (recording.started_at - call.arrived_at).total_seconds()
    assert abs((recording.ended_at - call.ended_at).total_seconds()) < 0.5
    assert abs(float(recording.duration_s) - (whole - started)) < 0.5
    left, right = _channel_levels(recording)
    assert left > 100, "the caller's audio is in the left channel"
    assert right > 100, "the agent's (echoed) audio and the prompts are in the right channel"
    edge = telephony.gateway.edge_events[str(call.id)]
    assert edge["offered"] == 1 and edge["ended"] == 1, dict(edge)


@pytest.mark.parametrize("sip_centers", [("iwaki", "niigata", "oita", "sapporo")])
def test_a_call_to_each_scenario_number_reaches_an_agent_of_its_center(telephony: Telephony):
    numbers = list(InboundNumber.objects.select_related("center").order_by("e164"))
    assert len(numbers) >= 8
    phone_port = free_udp_port()
    phones = Sipp.start(
        phone_xml(ring_ms=300),
        workdir=telephony.workdir,
        name="phones",
        port=phone_port,
        media_port=free_udp_port(),
        calls=len(numbers),
        echo=True,
        timeout_s=90,
    )
    telephony.procs.append(phones)
    time.sleep(0.3)
    for n, number in enumerate(numbers):
        agent = Agent.objects.create(center=number.center, name=f"席 {n}", extension=f"75{n:02d}")
        register(
            proxy=("127.0.0.1", telephony.settings.sip_port),
            user=agent.extension,
            contact_port=phone_port,
        )
        telephony.in_router(partial(telephony.router.agent_ready, agent))
    callers = [
        telephony.caller(f"caller{n}", "0" + number.e164[3:], talk_ms=5000)
        for n, number in enumerate(numbers)
    ]
    for caller in callers:
        assert caller.wait(60) == 0, caller.output()
    assert phones.wait(20) == 0, phones.output()
    telephony.settle(1.5)
    for number in numbers:
        call = Call.objects.get(dialed_number=number.e164)
        assert call.center_id == number.center_id
        assert call.disposition == Disposition.ANSWERED, (number.e164, call.disposition)
        assert call.agent is not None and call.agent.center_id == number.center_id
        assert _types(call)[-2:] == [CallEventType.AGENT_CONNECTED, CallEventType.ENDED]
    assert Recording.objects.count() == len(numbers)


def test_the_recording_is_removed_by_the_retention_job(telephony: Telephony, iwaki):
    agent = Agent.objects.create(center=iwaki, name="オペレーター 1", extension="7001")
    phone = telephony.phone("agent", user="7001")
    telephony.in_router(lambda: telephony.router.agent_ready(agent))
    caller = telephony.caller("caller", "0246542111", talk_ms=5000)
    assert caller.wait(40) == 0, caller.output()
    assert phone.wait(10) == 0, phone.output()
    telephony.settle(1.5)
    recording = Recording.objects.get(call__dialed_number="+81246542111")
    assert recording_storage().exists(recording.storage_key)
    assert recording.retention_days == 90
    kept = recordings_purge(now=recording.retention_until - timedelta(seconds=1))
    assert kept.deleted == 0 and recording_storage().exists(recording.storage_key)
    report = recordings_purge(now=recording.retention_until)
    assert report.deleted == 1
    recording.refresh_from_db()
    assert recording.deleted_at is not None
    assert not recording_storage().exists(recording.storage_key)


def test_after_hours_announcement_then_forward_to_the_security_desk(telephony: Telephony, iwaki):
    forwarding_set(actor=None, center=iwaki, enabled=True, number="0246-22-9999")
    telephony.in_router(telephony.router.reload)
    telephony.at(SUNDAY_22)
    desk = telephony.trunk_phone("security-desk")
    caller = telephony.caller("caller", "0246221111", talk_ms=6000, caller="anonymous")
    assert caller.wait(40) == 0, caller.output()
    assert desk.wait(10) == 0, desk.output()
    telephony.settle(1.0)
    call = Call.objects.get()
    assert (call.in_hours, call.disposition, call.caller_withheld) == (
        False,
        Disposition.AFTER_HOURS_FORWARDED,
        True,
    )
    assert _types(call) == [
        CallEventType.ARRIVED,
        CallEventType.AFTER_HOURS,
        CallEventType.FORWARDED,
    ]
    assert CallEvent.objects.get(call=call, type=CallEventType.FORWARDED).data == {
        "to": "+81246229999"
    }
    assert telephony.gateway.worker_events["peer_answered"] == 1
    assert not Recording.objects.exists()  # nothing is recorded after hours


def test_all_agents_busy_waiting_announcement_then_abandon(telephony: Telephony, iwaki):
    agent = Agent.objects.create(center=iwaki, name="オペレーター 1", extension="7001")
    phone = telephony.phone("agent", user="7001")
    telephony.in_router(lambda: telephony.router.agent_ready(agent))
    first = telephony.caller("first", "0246221111", talk_ms=9000)
    time.sleep(4.0)  # the first caller is talking to the only agent
    second = telephony.caller("second", "0246221111", talk_ms=4000, caller="0311112222")
    assert second.wait(40) == 0, second.output()
    assert first.wait(40) == 0, first.output()
    assert phone.wait(10) == 0, phone.output()
    telephony.settle(1.5)
    call = Call.objects.get(caller_number="+81311112222")
    assert call.disposition == Disposition.ABANDONED
    assert call.agent is None
    assert _types(call) == [
        CallEventType.ARRIVED,
        CallEventType.ANSWERED,
        CallEventType.NOTICE_PLAYED,
        CallEventType.RECORDING_STARTED,
        CallEventType.ENQUEUED,
        CallEventType.ABANDONED,
    ]
    assert Call.objects.filter(disposition=Disposition.ANSWERED).count() == 1
    # The abandoned caller heard the waiting announcement: it is in the right channel.
    left, right = _channel_levels(Recording.objects.get(call=call))
    assert right > 100


def test_all_agents_busy_then_voicemail_listed_for_callback(telephony: Telephony, iwaki):
    Center.objects.filter(pk=iwaki.pk).update(overflow_action=OverflowAction.VOICEMAIL)
    Queue.objects.filter(center=iwaki).update(max_wait_s=2)
    telephony.in_router(telephony.router.reload)
    agent = Agent.objects.create(center=iwaki, name="オペレーター 1", extension="7001")
    phone = telephony.phone("agent", user="7001")
    telephony.in_router(lambda: telephony.router.agent_ready(agent))
    first = telephony.caller("first", "0246221111", talk_ms=14000)
    time.sleep(4.0)
    second = telephony.caller("second", "0246221111", talk_ms=9000, caller="0311112222")
    assert second.wait(40) == 0, second.output()
    assert first.wait(40) == 0, first.output()
    assert phone.wait(10) == 0, phone.output()
    telephony.settle(1.5)
    call = Call.objects.get(caller_number="+81311112222")
    assert call.disposition == Disposition.VOICEMAIL
    types = _types(call)
    assert types[-3:] == [
        CallEventType.OVERFLOW,
        CallEventType.VOICEMAIL_STARTED,
        CallEventType.ENDED,
    ], types
    assert CallEvent.objects.get(call=call, type=CallEventType.OVERFLOW).data == {
        "reason": "max_wait"
    }
    listed = list(center_voicemails(iwaki, open_only=True))
    assert [v.call_id for v in listed] == [call.id]
    # The message is its own (mono) recording; its length is on the voicemail row.
    channels, level = {}, 0.0
    for recording in Recording.objects.filter(call=call):
        with recording_storage().open(recording.storage_key) as f, wave.open(f) as w:
            channels[w.getnchannels()] = float(recording.duration_s)
            if w.getnchannels() == 1:
                samples = array("h", w.readframes(w.getnframes()))
                level = math.sqrt(sum(v * v for v in samples) / max(1, len(samples)))
    assert set(channels) == {1, 2}, channels
    assert listed[0].duration_s == round(channels[1])
    assert level > 100, "the caller's message is in the voicemail audio"
    # 9 s after the answer: notice, 2 s of waiting, the voicemail prompt, then the message.
    assert 1.5 < channels[1] < 6.0, channels
    assert 5.0 < channels[1] + channels[2] < 9.0, channels


def test_transfer_to_an_open_department(telephony: Telephony, iwaki):
    agent = Agent.objects.create(center=iwaki, name="オペレーター 1", extension="7001")
    department = Department.objects.get(center=iwaki, name="市民課")
    agent_phone = telephony.phone("agent", user="7001")
    department_phone = telephony.phone("department", user=department.extension)
    telephony.in_router(lambda: telephony.router.agent_ready(agent))
    caller = telephony.caller("caller", "0246221111", talk_ms=10000)
    deadline = time.monotonic() + 15
    while not Call.objects.filter(disposition=Disposition.ANSWERED).exists():
        assert time.monotonic() < deadline, "the agent never answered"
        time.sleep(0.2)
    call = Call.objects.get()

    def transfer() -> None:
        router = telephony.router
        with router.lock:
            commands = router.engine.transfer(str(call.id), department.pk, time.time())
        router.gateway.execute(commands)

    telephony.in_router(transfer)
    assert agent_phone.wait(15) == 0, agent_phone.output()  # the agent is released (BYE)
    assert caller.wait(40) == 0, caller.output()
    assert department_phone.wait(10) == 0, department_phone.output()
    telephony.settle(1.0)
    call.refresh_from_db()
    assert call.transferred_to == "市民課"
    types = _types(call)
    assert types[-3:] == [
        CallEventType.AGENT_CONNECTED,
        CallEventType.TRANSFERRED,
        CallEventType.ENDED,
    ], types
    assert telephony.gateway.worker_events["peer_answered"] == 2


def test_unknown_number_is_refused_at_the_edge(telephony: Telephony):
    caller = Sipp.start(
        rejected_xml(code=404),
        workdir=telephony.workdir,
        name="unknown",
        port=free_udp_port(),
        media_port=free_udp_port(),
        target=telephony.proxy,
        service="0399999999",
    )
    telephony.procs.append(caller)
    assert caller.wait(20) == 0, caller.output()
    telephony.settle(0.5)
    call = Call.objects.get()
    assert (call.dialed_number, call.disposition) == ("+81399999999", Disposition.UNKNOWN_NUMBER)


def test_static_fallback_when_python_does_not_answer(transactional_db, load_scenarios, tmp_path):
    """Kamailio alone (no routing endpoint): the number's fallback forward still works."""
    iwaki = load_scenarios("iwaki", "sapporo")["iwaki"]
    forwarding_set(actor=None, center=iwaki, enabled=True, number="0246-22-9999")
    settings = loopback_settings(run_dir=str(tmp_path / "run"), numbers=number_routes())
    try:
        check_installed()
    except StackMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    stack = Stack(settings)
    stack.start()
    procs = []
    try:
        trunk_port = int(settings.trunk.rsplit(":", 1)[1])
        desk = Sipp.start(
            phone_xml(),
            workdir=settings.run_dir,
            name="desk",
            port=trunk_port,
            media_port=free_udp_port(),
            echo=True,
        )
        procs.append(desk)
        time.sleep(0.3)
        caller = Sipp.start(
            caller_xml(talk_ms=2000),
            workdir=settings.run_dir,
            name="caller",
            port=free_udp_port(),
            media_port=free_udp_port(),
            target=f"127.0.0.1:{settings.sip_port}",
            service="0246221111",
        )
        procs.append(caller)
        assert caller.wait(30) == 0, caller.output()
        assert desk.wait(10) == 0, desk.output()
        # Sapporo has no forward number: 503 with Retry-After.
        busy = Sipp.start(
            rejected_xml(code=503),
            workdir=settings.run_dir,
            name="sapporo",
            port=free_udp_port(),
            media_port=free_udp_port(),
            target=f"127.0.0.1:{settings.sip_port}",
            service="0112112977",
        )
        procs.append(busy)
        assert busy.wait(30) == 0, busy.output()
        assert "routing endpoint: no answer" in stack.log("kamailio")
        assert not Call.objects.exists()  # Python never saw the calls
    finally:
        for proc in procs:
            proc.kill()
        stack.stop()


def test_a_busy_phone_is_ring_no_answer_and_the_call_goes_to_the_next_agent(
    telephony: Telephony, iwaki
):
    first = Agent.objects.create(center=iwaki, name="オペレーター 1", extension="7001")
    second = Agent.objects.create(center=iwaki, name="オペレーター 2", extension="7002")
    port = free_udp_port()
    busy = Sipp.start(
        BUSY_PHONE, workdir=telephony.workdir, name="busy", port=port, media_port=free_udp_port()
    )
    telephony.procs.append(busy)
    time.sleep(0.3)
    register(proxy=("127.0.0.1", telephony.settings.sip_port), user="7001", contact_port=port)
    phone = telephony.phone("agent2", user="7002")
    # Kamailio's registrar knows both phones (asked over jsonrpcs).
    for user in ("7001", "7002"):
        found = jsonrpc(telephony.settings.jsonrpc_socket, "ul.lookup", ["location", user])
        assert found["AoR"] == user
    telephony.in_router(lambda: telephony.router.agent_ready(first))
    time.sleep(0.05)
    telephony.in_router(lambda: telephony.router.agent_ready(second))  # first is longest idle
    caller = telephony.caller("caller", "0246221111", talk_ms=6000)
    assert caller.wait(40) == 0, caller.output()
    assert busy.wait(10) == 0, busy.output()
    assert phone.wait(10) == 0, phone.output()
    telephony.settle(1.5)
    call = Call.objects.get()
    assert (call.agent, call.ring_no_answer_count, call.disposition) == (
        second,
        1,
        Disposition.ANSWERED,
    )
    types = _types(call)
    assert types[-5:] == [
        CallEventType.AGENT_OFFERED,
        CallEventType.AGENT_NO_ANSWER,
        CallEventType.AGENT_OFFERED,
        CallEventType.AGENT_CONNECTED,
        CallEventType.ENDED,
    ], types
    assert telephony.router.engine.agents[first.pk].state == "not_ready"

"""Real calls through Kamailio, rtpengine and the media worker, driven by sipp (issue 8)."""

from __future__ import annotations

import io
import math
import wave
from array import array

from madoguchi.calls.models import Agent, Call, CallEvent, CallEventType, Disposition, Recording
from madoguchi.calls.storage import recording_storage

from .conftest import Telephony


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

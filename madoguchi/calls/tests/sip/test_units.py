"""The media worker's building blocks without a network: G.711, SIP parsing, recorder."""

from __future__ import annotations

import io
import math
import struct
import wave

import pytest

from madoguchi.calls.gateway.sip import codec, sipmsg
from madoguchi.calls.gateway.sip.worker import Recorder


def _tone(n: int = 160, amplitude: int = 8000) -> bytes:
    return b"".join(struct.pack("<h", int(amplitude * math.sin(i / 5))) for i in range(n))


@pytest.mark.parametrize("pt", [codec.PCMA, codec.PCMU])
def test_g711_round_trip_stays_within_one_quantisation_step(pt):
    pcm = _tone()
    back = codec.decode(codec.encode(pcm, pt), pt)
    a = struct.unpack("<160h", pcm)
    b = struct.unpack("<160h", back)
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 256
    silence = set(struct.unpack("<160h", codec.decode(codec.SILENCE[pt], pt)))
    assert silence == ({8} if pt == codec.PCMA else {0})


def test_transcoding_alaw_to_ulaw_keeps_the_signal():
    alaw = codec.encode(_tone(), codec.PCMA)
    ulaw = codec.transcode(alaw, codec.PCMA, codec.PCMU)
    a = struct.unpack("<160h", codec.decode(alaw, codec.PCMA))
    u = struct.unpack("<160h", codec.decode(ulaw, codec.PCMU))
    assert max(abs(x - y) for x, y in zip(a, u, strict=True)) <= 256
    assert codec.transcode(alaw, codec.PCMA, codec.PCMA) is alaw


def test_sip_parse_compact_headers_route_sets_and_tags():
    raw = (
        b"INVITE sip:madoguchi@127.0.0.1:5090 SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa\r\n"
        b"Record-Route: <sip:127.0.0.1:5060;lr>, <sip:10.0.0.1;lr>\r\n"
        b"f: <sip:0312345678@carrier>;tag=abc\r\n"
        b"t: <sip:0246221111@city>\r\n"
        b"i: 1-2@x\r\nCSeq: 1 INVITE\r\nX-Madoguchi-Call: 42\r\n"
        b"l: 4\r\n\r\nbodyEXTRA"
    )
    msg = sipmsg.parse(raw)
    assert (msg.method, msg.call_id, msg.from_tag, msg.to_tag) == ("INVITE", "1-2@x", "abc", "")
    assert msg.get_all("record-route") == ["<sip:127.0.0.1:5060;lr>", "<sip:10.0.0.1;lr>"]
    assert msg.get("x-madoguchi-call") == "42"
    assert msg.body == b"body"
    assert sipmsg.user_of(msg.get("from")) == "0312345678"
    reply = sipmsg.parse(sipmsg.response(msg, 200, "OK", to_tag="xyz").encode())
    assert (reply.status, reply.to_tag, reply.cseq) == (200, "xyz", (1, "INVITE"))
    with pytest.raises(sipmsg.SipParseError):
        sipmsg.parse(b"INVITE sip:x SIP/2.0\r\nbroken")


def test_sdp_round_trip():
    sdp = sipmsg.sdp_parse(sipmsg.sdp_build("127.0.0.1", 40000, [8, 0], 1))
    assert (sdp.ip, sdp.port, sdp.payload_types) == ("127.0.0.1", 40000, [8, 0])


def test_recorder_places_frames_by_time_and_lasts_from_start_to_stop():
    rec = Recorder(started_at=0.0, t0=100.0, channels=2)
    frame = codec.encode(_tone(), codec.PCMA)
    rec.add(0, 100.0, frame, codec.PCMA)  # caller at 0 s
    rec.add(1, 101.0, frame, codec.PCMA)  # agent at 1 s
    data, duration = rec.render(102.5)
    assert duration == 2.5
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getnframes()) == (2, 20000)
        frames = struct.unpack(f"<{2 * 20000}h", w.readframes(20000))
    left, right = frames[0::2], frames[1::2]
    assert any(left[:160]) and not any(left[160:])
    assert not any(right[:8000]) and any(right[8000:8160]) and not any(right[8160:])
    rec.add(0, 102.0, frame, codec.PCMA)
    assert rec.frames[0][-1][0] == 0  # nothing is added after the stop


def test_the_web_process_reads_the_gateway_settings_from_its_environment():
    from madoguchi.calls.gateway.sip.service import gateway_kind, settings_from_env

    assert gateway_kind({}) == ""
    assert gateway_kind({"MADOGUCHI_GATEWAY": "SIP"}) == "sip"
    defaults = settings_from_env({})
    assert (defaults.run_dir, defaults.sip_port, defaults.router_port) == (
        "/run/madoguchi-sip",
        5060,
        8089,
    )
    s = settings_from_env(
        {
            "MADOGUCHI_SIP_DIR": "/etc/madoguchi/sip",
            "MADOGUCHI_SIP_HOST": "10.0.0.5",
            "MADOGUCHI_SIP_PORT": "5080",
            "MADOGUCHI_SIP_EVAPI_PORT": "9448",
            "MADOGUCHI_SIP_ROUTER_PORT": "9089",
            "MADOGUCHI_SIP_WORKER_PORT": "5091",
            "MADOGUCHI_SIP_TRUNK": "192.0.2.10:5060",
        }
    )
    assert (s.run_dir, s.host, s.sip_port, s.evapi_port, s.router_port, s.worker_port) == (
        "/etc/madoguchi/sip",
        "10.0.0.5",
        5080,
        9448,
        9089,
        5091,
    )
    assert s.trunk == "192.0.2.10:5060"
    assert s.jsonrpc_socket == "/etc/madoguchi/sip/kamailio_rpc.sock"


def test_sipps_media_block_moves_away_from_a_busy_neighbour():
    import socket

    from madoguchi.calls.gateway.sip import sipp

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        base = int(probe.getsockname()[1])
    assert sipp._media_block(base) == base  # the block is free: kept
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", base + 1))  # the RTCP neighbour is taken
        moved = sipp._media_block(base)
        assert moved != base
        assert sipp._block_free(moved) and not sipp._block_free(base)

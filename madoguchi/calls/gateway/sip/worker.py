"""The media worker: a small asyncio B2BUA behind Kamailio (no Django, no domain imports).

It answers callers that Kamailio routes to it, plays prompts (8 kHz PCM, G.711 on the
wire), records both directions to a stereo WAV (left: caller, right: what the caller
hears), dials agents, departments and external numbers through Kamailio, bridges the two
legs by relaying RTP (transcoding A-law/μ-law with a table), takes voicemail, and tells
its owner what happened through one callback. One process holds many calls (one event
loop; RTP relay is a dictionary look-up and a ``sendto`` per packet).

Each call has an action queue run in order: a non-looping prompt finishes before the next
action (the recording notice is heard whole before an agent is dialed or the call is
forwarded); a looping prompt (waiting announcement) plays until an agent answers.

Kept deliberately small: UDP only, G.711 only (PCMA/PCMU), no DTMF, no re-INVITE media
changes beyond a new remote address, RFC 3261 retransmission timers for the requests and
the 2xx it sends. It talks only to Kamailio, which does the rest (registrar, trunk,
NAT, rtpengine).
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from madoguchi.calls.gateway.sip import codec, sipmsg
from madoguchi.calls.gateway.sip.sipmsg import SipMessage

logger = logging.getLogger(__name__)

T1 = 0.5
EventCallback = Callable[[str, str, dict[str, Any]], None]


@dataclass
class Recorder:
    started_at: float  # wall clock
    t0: float  # loop clock
    channels: int
    frames: list[list[tuple[int, bytes, int]]] = field(default_factory=list)
    stopped: bool = False

    def __post_init__(self) -> None:
        self.frames = [[] for _ in range(self.channels)]

    def add(self, channel: int, now: float, payload: bytes, pt: int) -> None:
        if not self.stopped and channel < self.channels:
            slot = round((now - self.t0) / codec.FRAME_S) * codec.FRAME_SAMPLES
            self.frames[channel].append((slot, payload, pt))

    def render(self, now: float) -> tuple[bytes, float]:
        """The WAV and its length in seconds (wall time from start to stop)."""
        self.stopped = True
        total = max(0, round((now - self.t0) * codec.SAMPLE_RATE))
        chans = []
        for frames in self.frames:
            buf = bytearray(total * 2)
            for slot, payload, pt in frames:
                pcm = codec.decode(payload, pt)
                start = slot * 2
                if start >= len(buf):
                    continue
                end = min(len(buf), start + len(pcm))
                buf[start:end] = pcm[: end - start]
            chans.append(bytes(buf))
        return codec.write_wav(chans), total / codec.SAMPLE_RATE


class RtpPort(asyncio.DatagramProtocol):
    def __init__(self, leg: Leg) -> None:
        self.leg = leg
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < 12 or data[0] >> 6 != 2:
            return
        pt = data[1] & 0x7F
        if pt not in (codec.PCMA, codec.PCMU):
            return
        offset = 12 + 4 * (data[0] & 0x0F)
        self.leg.worker.on_audio(self.leg, data[offset:], pt)


@dataclass
class Leg:
    worker: MediaWorker
    session: Session
    role: str  # caller | peer
    sip_call_id: str
    local_tag: str
    local_uri: str
    remote_uri: str
    remote_tag: str = ""
    remote_target: str = ""
    route_set: list[str] = field(default_factory=list)
    cseq: int = 1
    invite: SipMessage | None = None  # the INVITE received (caller) or sent (peer)
    invite_branch: str = ""
    state: str = "new"  # new | early | confirmed | ended
    rtp: RtpPort | None = None
    rtp_port: int = 0
    remote_media: tuple[str, int] | None = None
    pt: int = codec.PCMA
    ssrc: int = 0
    seq: int = 0
    ts: int = 0
    answered: asyncio.Future[bool] | None = None
    last_response: bytes = b""
    retrans: asyncio.Task[None] | None = None
    dial_target: str = ""

    def send_rtp(self, payload: bytes, pt: int) -> None:
        if self.rtp is None or self.rtp.transport is None or self.remote_media is None:
            return
        if pt != self.pt:
            payload = codec.transcode(payload, pt, self.pt)
        header = struct.pack(
            "!BBHII", 0x80, self.pt, self.seq & 0xFFFF, self.ts & 0xFFFFFFFF, self.ssrc
        )
        self.seq += 1
        self.ts += len(payload)
        self.rtp.transport.sendto(header + payload, self.remote_media)


@dataclass
class Player:
    pcm_frames: list[dict[int, bytes]]
    loop: bool
    pos: int = 0
    done: asyncio.Future[None] | None = None


@dataclass
class Session:
    call_id: str  # the domain's call id
    caller: Leg | None = None
    peer: Leg | None = None
    bridged: bool = False
    players: list[Player] = field(default_factory=list)
    recorder: Recorder | None = None
    recording_kind: str = ""  # "call" | "voicemail"
    actions: asyncio.Queue[Callable[[], Awaitable[None]]] = field(default_factory=asyncio.Queue)
    runner: asyncio.Task[None] | None = None
    ended: bool = False
    answered: bool = False
    caller_number: str = ""


class SipProtocol(asyncio.DatagramProtocol):
    def __init__(self, worker: MediaWorker) -> None:
        self.worker = worker

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if not data.strip():
            return  # keep-alive
        try:
            msg = sipmsg.parse(data)
        except (sipmsg.SipParseError, ValueError):
            logger.warning("unparsable SIP datagram from %s", addr)
            return
        self.worker.on_sip(msg, addr)


class MediaWorker:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int,
        proxy: tuple[str, int],
        on_event: EventCallback,
        frames: Callable[[str, str], bytes] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.proxy = proxy
        self.on_event = on_event
        self.sessions: dict[str, Session] = {}
        self.legs: dict[str, Leg] = {}  # SIP Call-ID → leg
        self.transport: asyncio.DatagramTransport | None = None
        self.ticker: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stats = {"packets_relayed": 0, "calls": 0, "max_concurrent": 0}
        self.closed = False

    # --- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        transport, _ = await self.loop.create_datagram_endpoint(
            lambda: SipProtocol(self), local_addr=(self.host, self.port)
        )
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self.ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        self.closed = True
        for session in list(self.sessions.values()):
            self.hangup(session.call_id)
        await asyncio.sleep(0.1)
        if self.ticker:
            self.ticker.cancel()
        for leg in list(self.legs.values()):
            self._close_rtp(leg)
        if self.transport:
            self.transport.close()

    @property
    def contact(self) -> str:
        return f"<sip:madoguchi@{self.host}:{self.port}>"

    # --- the actions the owner asks for (call on the loop) ------------------------------------

    def enqueue(self, call_id: str, action: Callable[[Session], Awaitable[None]]) -> None:
        session = self.sessions.get(call_id)
        if session is None or session.ended:
            return

        async def run() -> None:
            await action(session)

        session.actions.put_nowait(run)

    def answer(self, call_id: str) -> None:
        self.enqueue(call_id, self._answer)

    def play(self, call_id: str, pcm: bytes, *, loop: bool = False) -> None:
        async def act(session: Session) -> None:
            if session.bridged:
                return
            player = self._player(pcm, loop)
            # A new prompt replaces a looping one (the waiting announcement).
            session.players = [p for p in session.players if not p.loop]
            session.players.append(player)
            if not loop and player.done is not None:
                await player.done

        self.enqueue(call_id, act)

    def record(self, call_id: str) -> None:
        async def act(session: Session) -> None:
            if session.recorder is None:
                session.recorder = Recorder(time.time(), self._now(), 2)
                session.recording_kind = "call"

        self.enqueue(call_id, act)

    def dial(self, call_id: str, user: str, *, timeout_s: float, purpose: str) -> None:
        """Call ``user`` through Kamailio; bridge on answer (purpose: agent/transfer/forward)."""

        async def act(session: Session) -> None:
            await self._dial(session, user, timeout_s, purpose)

        self.enqueue(call_id, act)

    def transfer(self, call_id: str, user: str, *, timeout_s: float) -> None:
        async def act(session: Session) -> None:
            if session.peer is not None:
                self._bye(session.peer)
                session.peer = None
            session.bridged = False
            await self._dial(session, user, timeout_s, "transfer")

        self.enqueue(call_id, act)

    def voicemail(self, call_id: str, *, max_s: float) -> None:
        async def act(session: Session) -> None:
            session.players.clear()
            if session.recorder is not None and session.recording_kind == "call":
                self._finish_recording(session)
            session.recorder = Recorder(time.time(), self._now(), 1)
            session.recording_kind = "voicemail"
            assert self.loop is not None  # noqa: S101
            self.loop.call_later(max_s, self.hangup, call_id)

        self.enqueue(call_id, act)

    def hangup_after_prompts(self, call_id: str) -> None:
        async def act(session: Session) -> None:
            self.hangup(session.call_id)

        self.enqueue(call_id, act)

    def cancel_offer(self, call_id: str) -> None:
        """Stop ringing the agent (ring timeout); the caller stays."""
        session = self.sessions.get(call_id)
        if session is not None and session.peer is not None and not session.bridged:
            self._cancel(session.peer)

    def hangup(self, call_id: str) -> None:
        session = self.sessions.get(call_id)
        if session is None or session.ended:
            return
        for leg in (session.caller, session.peer):
            if leg is not None:
                if leg.state == "confirmed":
                    self._bye(leg)
                elif leg.role == "caller" and leg.state in {"new", "early"} and leg.invite:
                    self._reply(leg, leg.invite, 480, "Temporarily Unavailable")
                    leg.state = "ended"
                elif leg.role == "peer" and leg.state in {"new", "early"}:
                    self._cancel(leg)
        self._end_session(session, "system")

    # --- SIP in -------------------------------------------------------------------------------

    def on_sip(self, msg: SipMessage, addr: tuple[str | Any, int]) -> None:
        leg = self.legs.get(msg.call_id)
        if msg.is_request:
            method = msg.method
            if method == "INVITE" and leg is None:
                self._incoming(msg)
            elif method == "INVITE" and leg is not None:
                if leg.role == "caller" and leg.invite and msg.get("via") == leg.invite.get("via"):
                    if leg.last_response:
                        self._send_raw(leg.last_response)
                else:
                    self._reinvite(leg, msg)
            elif method == "ACK":
                if leg is not None and leg.retrans is not None:
                    leg.retrans.cancel()
                    leg.retrans = None
            elif method == "BYE":
                self._send(sipmsg.response(msg, 200, "OK"))
                if leg is not None and leg.state != "ended":
                    leg.state = "ended"
                    self._leg_gone(leg, "bye")
            elif method == "CANCEL":
                self._send(sipmsg.response(msg, 200, "OK"))
                if (
                    leg is not None
                    and leg.role == "caller"
                    and leg.state != "confirmed"
                    and leg.invite
                ):
                    self._reply(leg, leg.invite, 487, "Request Terminated")
                    leg.state = "ended"
                    self._leg_gone(leg, "cancel")
            elif method in {"OPTIONS", "UPDATE", "INFO", "NOTIFY"}:
                self._send(sipmsg.response(msg, 200, "OK"))
            else:
                self._send(sipmsg.response(msg, 405, "Method Not Allowed"))
        elif leg is not None:
            self._response(leg, msg)

    def _incoming(self, invite: SipMessage) -> None:
        call_id = invite.get("x-madoguchi-call")
        if not call_id or self.closed:
            self._send(sipmsg.response(invite, 404, "Not Found", to_tag=sipmsg.new_tag()))
            return
        if call_id in self.sessions:
            self._send(sipmsg.response(invite, 482, "Loop Detected", to_tag=sipmsg.new_tag()))
            return
        self._send(sipmsg.response(invite, 100, "Trying"))
        session = Session(call_id)
        leg = Leg(
            self,
            session,
            "caller",
            invite.call_id,
            sipmsg.new_tag(),
            local_uri=invite.get("to"),
            remote_uri=invite.get("from"),
            remote_tag=invite.from_tag,
            remote_target=sipmsg.uri_of(invite.get("contact")),
            route_set=invite.get_all("record-route"),
            invite=invite,
        )
        try:
            sdp = sipmsg.sdp_parse(invite.body)
        except sipmsg.SipParseError:
            self._send(sipmsg.response(invite, 488, "Not Acceptable Here", to_tag=leg.local_tag))
            return
        common = [p for p in sdp.payload_types if p in (codec.PCMA, codec.PCMU)]
        if not common:
            self._send(sipmsg.response(invite, 488, "Not Acceptable Here", to_tag=leg.local_tag))
            return
        leg.pt = common[0]
        leg.remote_media = (sdp.ip, sdp.port)
        session.caller = leg
        session.caller_number = sipmsg.user_of(invite.get("from"))
        self.sessions[call_id] = session
        self.legs[leg.sip_call_id] = leg
        self.stats["calls"] += 1
        self.stats["max_concurrent"] = max(self.stats["max_concurrent"], len(self.sessions))
        session.runner = asyncio.create_task(self._run(session))
        self.on_event("incoming", call_id, {"sip_call_id": invite.call_id})

    async def _run(self, session: Session) -> None:
        while not session.ended:
            action = await session.actions.get()
            try:
                await action()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("media worker action failed for call %s", session.call_id)

    def _reinvite(self, leg: Leg, msg: SipMessage) -> None:
        try:
            sdp = sipmsg.sdp_parse(msg.body) if msg.body else None
        except sipmsg.SipParseError:
            sdp = None
        if sdp is not None:
            leg.remote_media = (sdp.ip, sdp.port)
        body = sipmsg.sdp_build(self.host, leg.rtp_port, [leg.pt], int(time.time()))
        resp = sipmsg.response(msg, 200, "OK", extra=[("contact", self.contact)], body=body)
        self._send(resp)

    def _response(self, leg: Leg, msg: SipMessage) -> None:
        number, method = msg.cseq
        if method == "INVITE":
            if leg.retrans is not None and msg.status >= 100 and leg.state == "new":
                leg.retrans.cancel()
                leg.retrans = None
            if msg.status < 200:
                leg.state = "early" if leg.state == "new" else leg.state
                return
            if 200 <= msg.status < 300:
                first = leg.state in {"new", "early"}
                leg.remote_tag = msg.to_tag
                leg.remote_uri = msg.get("to")
                leg.remote_target = sipmsg.uri_of(msg.get("contact")) or leg.remote_target
                leg.route_set = list(reversed(msg.get_all("record-route")))
                self._ack(leg, number)
                if first:
                    if leg.state == "ended":  # answered after we gave up: hang up
                        self._bye(leg)
                        return
                    try:
                        sdp = sipmsg.sdp_parse(msg.body)
                        leg.remote_media = (sdp.ip, sdp.port)
                        common = [p for p in sdp.payload_types if p in (codec.PCMA, codec.PCMU)]
                        leg.pt = common[0] if common else leg.pt
                    except sipmsg.SipParseError:
                        pass
                    leg.state = "confirmed"
                    if leg.answered and not leg.answered.done():
                        leg.answered.set_result(True)
                return
            # final failure: ACK hop by hop (same branch), then report
            ack = SipMessage(f"ACK {leg.invite.uri if leg.invite else leg.remote_target} SIP/2.0")
            ack.headers = [
                ("via", leg.invite.get("via") if leg.invite else ""),
                ("from", leg.invite.get("from") if leg.invite else ""),
                ("to", msg.get("to")),
                ("call-id", leg.sip_call_id),
                ("cseq", f"{number} ACK"),
                ("max-forwards", "70"),
            ]
            self._send(ack)
            if leg.state != "ended":
                leg.state = "ended"
                leg.last_response = str(msg.status).encode()
                if leg.answered and not leg.answered.done():
                    leg.answered.set_result(False)
                self._forget(leg)

    # --- SIP out ------------------------------------------------------------------------------

    def _send_raw(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.sendto(data, self.proxy)

    def _send(self, msg: SipMessage) -> bytes:
        data = msg.encode()
        self._send_raw(data)
        return data

    def _retransmit(self, leg: Leg, data: bytes, *, limit: float = 32.0) -> None:
        async def again() -> None:
            interval, waited = T1, 0.0
            while waited < limit:
                await asyncio.sleep(interval)
                waited += interval
                self._send_raw(data)
                interval = min(interval * 2, 4.0)

        if leg.retrans is not None:
            leg.retrans.cancel()
        leg.retrans = asyncio.create_task(again())

    def _reply(
        self, leg: Leg, request: SipMessage, code: int, reason: str, body: bytes = b""
    ) -> None:
        extra = [("contact", self.contact)] if code < 300 else []
        resp = sipmsg.response(request, code, reason, to_tag=leg.local_tag, extra=extra, body=body)
        leg.last_response = self._send(resp)
        if 200 <= code < 300:
            self._retransmit(leg, leg.last_response)

    def _request(
        self, leg: Leg, method: str, *, cseq: int | None = None, body: bytes = b""
    ) -> SipMessage:
        if cseq is None:
            leg.cseq += 1
            cseq = leg.cseq
        msg = SipMessage(f"{method} {leg.remote_target} SIP/2.0")
        msg.headers = [
            ("via", f"SIP/2.0/UDP {self.host}:{self.port};branch={sipmsg.new_branch()};rport"),
            ("max-forwards", "70"),
        ]
        msg.headers += [("route", r) for r in leg.route_set]
        to = (
            leg.remote_uri
            if sipmsg.tag_of(leg.remote_uri)
            else f"{leg.remote_uri};tag={leg.remote_tag}"
        )
        frm = (
            leg.local_uri
            if sipmsg.tag_of(leg.local_uri)
            else f"{leg.local_uri};tag={leg.local_tag}"
        )
        msg.headers += [
            ("from", frm),
            ("to", to),
            ("call-id", leg.sip_call_id),
            ("cseq", f"{cseq} {method}"),
            ("contact", self.contact),
        ]
        if body:
            msg.headers.append(("content-type", "application/sdp"))
        msg.body = body
        return msg

    def _ack(self, leg: Leg, cseq: int) -> None:
        self._send(self._request(leg, "ACK", cseq=cseq))

    def _bye(self, leg: Leg) -> None:
        if leg.state != "confirmed":
            return
        leg.state = "ended"
        data = self._send(self._request(leg, "BYE"))
        self._retransmit(leg, data, limit=4.0)
        self._forget(leg, delay=5.0)

    def _cancel(self, leg: Leg) -> None:
        if leg.invite is None or leg.state not in {"new", "early"}:
            return
        leg.state = "ended"
        cancel = SipMessage(leg.invite.start.replace("INVITE", "CANCEL", 1))
        cancel.headers = [
            (k, v) for k, v in leg.invite.headers if k in {"via", "route", "from", "to", "call-id"}
        ]
        cancel.headers += [("cseq", f"{leg.invite.cseq[0]} CANCEL"), ("max-forwards", "70")]
        self._send(cancel)
        if leg.answered and not leg.answered.done():
            leg.answered.set_result(False)
        self._forget(leg, delay=5.0)

    def _forget(self, leg: Leg, delay: float = 0.0) -> None:
        def drop() -> None:
            if leg.retrans is not None:
                leg.retrans.cancel()
            self.legs.pop(leg.sip_call_id, None)
            self._close_rtp(leg)

        if delay and self.loop is not None:
            self.loop.call_later(delay, drop)
        else:
            drop()

    # --- media ----------------------------------------------------------------------------------

    async def _open_rtp(self, leg: Leg) -> None:
        assert self.loop is not None  # noqa: S101
        transport, protocol = await self.loop.create_datagram_endpoint(
            lambda: RtpPort(leg), local_addr=(self.host, 0)
        )
        leg.rtp = protocol
        leg.rtp_port = transport.get_extra_info("sockname")[1]
        leg.ssrc = random.getrandbits(32)  # noqa: S311  (RTP SSRC, not a secret)
        leg.seq = random.getrandbits(15)  # noqa: S311
        leg.ts = random.getrandbits(31)  # noqa: S311

    def _close_rtp(self, leg: Leg) -> None:
        if leg.rtp is not None and leg.rtp.transport is not None:
            leg.rtp.transport.close()
            leg.rtp = None

    def _player(self, pcm: bytes, loop: bool) -> Player:
        step = codec.FRAME_SAMPLES * 2
        pcm += b"\0" * (-len(pcm) % step)
        frames = []
        for i in range(0, len(pcm), step):
            chunk = pcm[i : i + step]
            frames.append({codec.PCMA: codec.encode(chunk, codec.PCMA)})
        assert self.loop is not None  # noqa: S101
        return Player(frames, loop, done=self.loop.create_future())

    async def _tick(self) -> None:
        assert self.loop is not None  # noqa: S101
        start = self._now()
        n = 0
        while True:
            n += 1
            delay = start + n * codec.FRAME_S - self._now()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:  # overloaded: skip ahead rather than burst
                start, n = self._now(), 0
            now = self._now()
            for session in list(self.sessions.values()):
                if session.bridged or not session.players or session.caller is None:
                    continue
                if session.caller.state != "confirmed":
                    continue
                player = session.players[0]
                frame = player.pcm_frames[player.pos][codec.PCMA]
                player.pos += 1
                session.caller.send_rtp(frame, codec.PCMA)
                if session.recorder is not None and session.recording_kind == "call":
                    session.recorder.add(1, now, frame, codec.PCMA)
                if player.pos >= len(player.pcm_frames):
                    if player.loop:
                        player.pos = 0
                    else:
                        session.players.pop(0)
                        if player.done is not None and not player.done.done():
                            player.done.set_result(None)

    def on_audio(self, leg: Leg, payload: bytes, pt: int) -> None:
        session = leg.session
        if session.ended:
            return
        recorder = session.recorder
        if leg.role == "caller":
            if recorder is not None:
                recorder.add(0, self._now(), payload, pt)
            if session.bridged and session.peer is not None:
                session.peer.send_rtp(payload, pt)
                self.stats["packets_relayed"] += 1
        elif session.bridged and session.caller is not None and leg is session.peer:
            if recorder is not None and session.recording_kind == "call":
                recorder.add(1, self._now(), payload, pt)
            session.caller.send_rtp(payload, pt)
            self.stats["packets_relayed"] += 1

    def _now(self) -> float:
        assert self.loop is not None  # noqa: S101
        return self.loop.time()

    # --- call flow --------------------------------------------------------------------------------

    async def _answer(self, session: Session) -> None:
        leg = session.caller
        if leg is None or leg.state != "new" or leg.invite is None:
            return
        await self._open_rtp(leg)
        body = sipmsg.sdp_build(self.host, leg.rtp_port, [leg.pt], int(time.time()))
        self._reply(leg, leg.invite, 200, "OK", body)
        leg.state = "confirmed"
        session.answered = True
        self.on_event("answered", session.call_id, {})

    async def _dial(self, session: Session, user: str, timeout_s: float, purpose: str) -> None:
        caller = session.caller
        if caller is None or caller.state != "confirmed":
            return
        proxy_host = f"{self.proxy[0]}:{self.proxy[1]}"
        leg = Leg(
            self,
            session,
            "peer",
            sipmsg.new_call_id(self.host),
            sipmsg.new_tag(),
            local_uri=f"<sip:{session.caller_number or 'anonymous'}@{self.host}>",
            remote_uri=f"<sip:{user}@{proxy_host}>",
            remote_target=f"sip:{user}@{proxy_host}",
            dial_target=user,
        )
        await self._open_rtp(leg)
        leg.pt = caller.pt
        assert self.loop is not None  # noqa: S101
        leg.answered = self.loop.create_future()
        body = sipmsg.sdp_build(self.host, leg.rtp_port, [caller.pt], int(time.time()))
        invite = self._request(leg, "INVITE", cseq=1, body=body)
        invite.headers.insert(-1, ("x-madoguchi-call", session.call_id))
        invite.headers.insert(-1, ("x-madoguchi-purpose", purpose))
        leg.invite = invite
        session.peer = leg
        self.legs[leg.sip_call_id] = leg
        data = self._send(invite)
        self._retransmit(leg, data, limit=4.0)
        self.on_event("dialing", session.call_id, {"purpose": purpose, "target": user})
        try:
            ok = await asyncio.wait_for(asyncio.shield(leg.answered), timeout_s)
        except TimeoutError:
            self._cancel(leg)
            ok = False
        if session.ended:
            if ok:
                self._bye(leg)
            return
        if not ok:
            if session.peer is leg:
                session.peer = None
            code = leg.last_response.decode() if leg.last_response else "timeout"
            self.on_event("peer_failed", session.call_id, {"purpose": purpose, "code": code})
            return
        session.players.clear()
        session.bridged = True
        self.on_event("peer_answered", session.call_id, {"purpose": purpose, "target": user})

    def _leg_gone(self, leg: Leg, how: str) -> None:
        session = leg.session
        self._forget(leg, delay=1.0)
        if leg.role == "caller":
            if session.peer is not None:
                if session.peer.state == "confirmed":
                    self._bye(session.peer)
                else:
                    self._cancel(session.peer)
            self._end_session(session, "caller")
        elif leg is session.peer:
            session.peer = None
            session.bridged = False
            self.on_event("peer_hangup", session.call_id, {"purpose": "", "how": how})
            if session.caller is not None and session.caller.state == "confirmed":
                self._bye(session.caller)
            self._end_session(session, "peer")

    def _finish_recording(self, session: Session) -> None:
        recorder = session.recorder
        if recorder is None or recorder.stopped:
            return
        data, duration = recorder.render(self._now())
        self.on_event(
            "recording",
            session.call_id,
            {
                "kind": session.recording_kind,
                "wav": data,
                "started_at": recorder.started_at,
                "ended_at": recorder.started_at + duration,
                "duration_s": duration,
            },
        )

    def _end_session(self, session: Session, by: str) -> None:
        if session.ended:
            return
        session.ended = True
        for player in session.players:
            if player.done is not None and not player.done.done():
                player.done.cancel()
        session.players.clear()
        self._finish_recording(session)
        if session.runner is not None and session.runner is not asyncio.current_task():
            session.runner.cancel()
        self.sessions.pop(session.call_id, None)
        self.on_event("ended", session.call_id, {"by": by, "answered": session.answered})

"""The SIP gateway: the gateway protocol carried out by Kamailio and the media worker.

* Kamailio asks the routing endpoint (``POST /route``, JSON) for every call from the
  trunk. The endpoint gives the live router a ``CallArrived`` and answers with what the
  domain decided: a reject (unknown number 404, all lines busy 486) or an rtjson route to
  the media worker carrying ``X-Madoguchi-Call: <call id>``.
* The domain's commands for that call are kept until the worker has the call, then run
  there in order (answer, notice, record, queue prompts, dial the agent, voicemail,
  transfer, forward, hang up). The gateway keeps the protocol's timers (maximum wait).
* The worker's events become protocol events (``AgentConnected``, ``AgentNoAnswer``,
  ``Ended``/``Abandoned``, ``TransferResult``); recordings and voicemail are stored with
  ``recording_store``. Kamailio's own events (offered, rejected, failed, ended) arrive
  over evapi and are counted per call (``edge_events``), which the benchmark checks.

Threads: one asyncio loop (worker, endpoint, evapi) and one router thread that does
everything touching the database, in order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import close_old_connections

from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.gateway.sip.config import TelephonySettings
from madoguchi.calls.gateway.sip.kamailio import EvapiClient
from madoguchi.calls.gateway.sip.prompts import PromptCache
from madoguchi.calls.gateway.sip.worker import MediaWorker
from madoguchi.calls.live import LiveRouter
from madoguchi.calls.models import Agent, AnnouncementKind, Call, Voicemail
from madoguchi.calls.recordings import recording_store

logger = logging.getLogger(__name__)
T = TypeVar("T")

EDGE_EVENTS_KEPT = 20000  # calls whose edge events are kept (benchmark and tests read them)
REJECTS = {"unknown_number": (404, "Not Found"), "busy": (486, "Busy Here")}


def normalize_number(number: str) -> str:
    """National 0XXXXXXXXX → +81XXXXXXXXX; E.164 stays; anything else as digits."""
    number = number.strip()
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.startswith("+"):
        return "+" + digits
    if digits.startswith("0") and len(digits) >= 10:
        return "+81" + digits[1:]
    return digits


def caller_of(user: str, privacy: str) -> str:
    """The caller's E.164, or "" when withheld (非通知: Privacy: id, anonymous, no number)."""
    if {"id", "user"} & {p.strip().lower() for p in privacy.split(";")}:
        return ""
    if not user or user.lower() in {"anonymous", "unavailable", "unknown"}:
        return ""
    normalized = normalize_number(user)
    return normalized if len(normalized) >= 4 else ""


@dataclass
class CallState:
    center_id: int | None = None
    language: str = "ja"
    live: bool = False  # the worker has the call
    pending: list[gw.Command] = field(default_factory=list)
    reject: tuple[int, str] | None = None
    waiting: bool = False
    offered_agent: int | None = None
    connected: bool = False
    end_reported: bool = False
    notice_played: bool = False
    voicemail: bool = False
    transferring: bool = False


class SipGateway:
    def __init__(
        self,
        router: LiveRouter,
        settings: TelephonySettings,
        *,
        prompts: PromptCache,
        voicemail_max_s: float = 120.0,
        transfer_timeout_s: float = 30.0,
        wrap_up_s: float | None = None,
    ) -> None:
        self.router = router
        self.settings = settings
        self.prompts = prompts
        self.voicemail_max_s = voicemail_max_s
        self.transfer_timeout_s = transfer_timeout_s
        # After a call the agent wraps up until they press ready in the desk; with a
        # wrap-up time the gateway makes them ready when it runs out (benchmark, demo).
        self.wrap_up_s = wrap_up_s
        self.lock = threading.Lock()
        self.calls: dict[str, CallState] = {}
        self.edge_events: dict[str, Counter[str]] = defaultdict(Counter)
        self.sip_call_ids: dict[str, str] = {}  # SIP Call-ID of the caller leg → call id
        self.worker_events: Counter[str] = Counter()
        self.errors: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self.db = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sip-router")
        self.worker: MediaWorker | None = None
        self.evapi: EvapiClient | None = None
        self.server: asyncio.Server | None = None
        self.thread: threading.Thread | None = None
        self.started = threading.Event()
        self.stopping: asyncio.Event | None = None
        router.gateway = self

    # --- life cycle ----------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> None:
        self.thread = threading.Thread(target=self._thread, name="sip-gateway", daemon=True)
        self.thread.start()
        if not self.started.wait(timeout):
            raise RuntimeError("the SIP gateway did not start: " + "; ".join(self.errors))
        if self.errors:
            raise RuntimeError("the SIP gateway did not start: " + "; ".join(self.errors))

    def _thread(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:
            logger.exception("the SIP gateway stopped")
            self.errors.append(f"{exc!r} ({traceback.format_exc(limit=-2)})")
            self.started.set()

    async def _main(self) -> None:
        s = self.settings
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.worker = MediaWorker(
            host=s.host, port=s.worker_port, proxy=(s.host, s.sip_port), on_event=self._worker_event
        )
        await self.worker.start()
        self.server = await asyncio.start_server(self._http, s.host, s.router_port)
        self.evapi = EvapiClient(s.host, s.evapi_port, self._edge_event)
        await self.evapi.start()
        self.started.set()
        await self.stopping.wait()
        await self.worker.stop()
        await self.evapi.stop()
        self.server.close()

    def stop(self) -> None:
        if self.loop is not None and self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        if self.thread is not None:
            self.thread.join(10)
        self.db.submit(close_old_connections).result(10)
        self.db.shutdown(wait=True)

    def in_router(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in the router thread (everything that touches the database)."""
        return self.db.submit(fn).result(30)

    # --- the operator desk (console, any thread) -------------------------------------------

    # Agents answer on their SIP phone; the desk has no answer button for these calls.
    answers_on_phone = True

    def hang_up(self, call_id: str) -> None:
        """The agent ends the call from the desk: both legs get BYE; the worker's end event
        then reaches the router like any hang-up (``Ended``), so nothing is counted twice."""
        worker = self.worker
        if worker is not None:
            self._on_loop(lambda: worker.hangup(call_id))

    # --- the routing endpoint (Kamailio → Python) -------------------------------------------

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                body = await reader.readexactly(length) if length else b""
                status, answer = 200, b""
                if head.startswith(b"POST /route"):
                    assert self.loop is not None  # noqa: S101
                    try:
                        request = json.loads(body or b"{}")
                        decision = await self.loop.run_in_executor(self.db, self._decide, request)
                        answer = json.dumps(decision).encode()
                    except Exception:
                        logger.exception("routing endpoint failed")
                        status = 500
                else:
                    status = 404
                writer.write(
                    b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n"
                    % (status, b"OK" if status == 200 else b"Error", len(answer))
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _decide(self, request: dict[str, Any]) -> dict[str, Any]:
        """Router thread: a call arrives at the edge; what does Kamailio do with it?"""
        close_old_connections()
        call_id = str(uuid.uuid4())
        dialed = normalize_number(str(request.get("did", "")))
        caller = caller_of(str(request.get("caller", "")), str(request.get("privacy", "")))
        with self.lock:
            self.calls[call_id] = CallState()
            self.sip_call_ids[str(request.get("callid", ""))] = call_id
        self.router.event(gw.CallArrived(call_id, time.time(), dialed, caller, "ja"))
        with self.lock:
            state = self.calls[call_id]
            if state.reject is not None:
                code, reason = state.reject
                self.calls.pop(call_id, None)
                return {"action": "reject", "code": code, "reason": reason, "call": call_id}
        extra = f"X-Madoguchi-Call: {call_id}\r\n"
        worker = f"sip:madoguchi@{self.settings.host}:{self.settings.worker_port}"
        return {
            "action": "route",
            "call": call_id,
            "version": "1.0",
            "routing": "serial",
            "routes": [{"uri": worker, "headers": {"extra": extra}}],
        }

    # --- commands (domain → gateway; any thread) -----------------------------------------------

    def execute(self, commands: list[gw.Command]) -> None:
        for command in commands:
            with self.lock:
                state = self.calls.get(command.call_id)
                if state is None:
                    state = self.calls[command.call_id] = CallState()
                if isinstance(command, gw.HangUp) and not state.live and command.reason in REJECTS:
                    state.reject = REJECTS[command.reason]
                    continue
                self._prepare(command, state)
                if not state.live:
                    state.pending.append(command)
                    continue
            self._dispatch(command)

    def _prepare(self, command: gw.Command, state: CallState) -> None:
        """Bookkeeping at decision time (caller holds the lock)."""
        if isinstance(command, gw.Enqueue):
            state.waiting = True
        elif isinstance(command, gw.OfferToAgent):
            state.waiting = False
            state.offered_agent = command.agent_id
        elif isinstance(command, gw.StartVoicemail):
            state.waiting = False
            state.voicemail = True
        elif (
            isinstance(command, gw.Play)
            and command.announcement == AnnouncementKind.RECORDING_NOTICE
        ):
            state.notice_played = True
        elif isinstance(command, gw.Transfer):
            state.transferring = True

    def _on_loop(self, fn: Callable[[], None]) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(fn)

    def _dispatch(self, command: gw.Command) -> None:
        """Any thread: hand one command to the worker (prompt audio is resolved here)."""
        worker = self.worker
        assert worker is not None  # noqa: S101
        cid = command.call_id
        if isinstance(command, gw.Answer):
            self._on_loop(lambda: worker.answer(cid))
        elif isinstance(command, gw.Play):
            pcm = self._prompt(cid, command.announcement, command.language)
            looping = command.announcement == AnnouncementKind.WAITING
            if pcm:
                self._on_loop(lambda: worker.play(cid, pcm, loop=looping))
        elif isinstance(command, gw.Record):
            self._on_loop(lambda: worker.record(cid))
        elif isinstance(command, gw.Enqueue):
            if command.max_wait_s is not None:
                wait = float(command.max_wait_s)

                def arm() -> None:
                    assert self.loop is not None  # noqa: S101
                    self.loop.call_later(wait, self._queue_timeout, cid)

                self._on_loop(arm)
        elif isinstance(command, gw.OfferToAgent):
            user = self._agent_user(command.agent_id)
            timeout = float(command.ring_timeout_s)
            purpose = f"agent:{command.agent_id}"
            self._on_loop(lambda: worker.dial(cid, user, timeout_s=timeout, purpose=purpose))
        elif isinstance(command, gw.Transfer):
            target = command.target
            self._on_loop(lambda: worker.transfer(cid, target, timeout_s=self.transfer_timeout_s))
        elif isinstance(command, gw.Forward):
            number = command.number
            self._on_loop(
                lambda: worker.dial(
                    cid, number, timeout_s=self.transfer_timeout_s, purpose="forward"
                )
            )
        elif isinstance(command, gw.HangUp):
            self._on_loop(lambda: worker.hangup_after_prompts(cid))
        elif isinstance(command, gw.StartVoicemail):
            self._on_loop(lambda: worker.voicemail(cid, max_s=self.voicemail_max_s))

    def _prompt(self, call_id: str, kind: str, language: str) -> bytes:
        center_id = self._center_of(call_id)
        if center_id is None:
            return b""
        try:
            return self.prompts.pcm(center_id=center_id, kind=kind, language=language)
        except Exception:
            logger.exception("prompt %s/%s for center %s failed", kind, language, center_id)
            return b""

    def _center_of(self, call_id: str) -> int | None:
        with self.lock:
            state = self.calls.get(call_id)
            if state is not None and state.center_id is not None:
                return state.center_id
        live = self.router.engine.calls.get(call_id)
        center_id = live.center.id if live is not None and live.center is not None else None
        if center_id is None:
            center_id = Call.objects.filter(id=call_id).values_list("center_id", flat=True).first()
        with self.lock:
            if call_id in self.calls:
                self.calls[call_id].center_id = center_id
        return center_id

    @staticmethod
    def agent_user(agent: Agent) -> str:
        """The SIP user an agent's phone registers as: its extension, else ``agent<id>``."""
        return agent.extension or f"agent{agent.pk}"

    def _agent_user(self, agent_id: int) -> str:
        agent = Agent.objects.filter(pk=agent_id).first()
        return self.agent_user(agent) if agent is not None else f"agent{agent_id}"

    # --- events (worker / Kamailio → domain) ----------------------------------------------------

    def _queue_timeout(self, call_id: str) -> None:
        with self.lock:
            state = self.calls.get(call_id)
            due = state is not None and state.waiting and not state.end_reported
        if due:
            self._event(gw.QueueTimeout(call_id, time.time()))

    def _event(self, event: gw.Event) -> None:
        def run() -> None:
            try:
                self.router.event(event)
            except Exception:
                logger.exception("router failed on %s", event)
                self.errors.append(f"router failed on {event!r}")

        self.db.submit(run)

    def _worker_event(self, kind: str, call_id: str, data: dict[str, Any]) -> None:
        """Loop thread: something happened on a call in the worker."""
        self.worker_events[kind] += 1
        now = time.time()
        if kind == "incoming":
            with self.lock:
                state = self.calls.get(call_id)
                if state is None:
                    return
                state.live = True
                pending, state.pending = state.pending, []
            for command in pending:
                self.db.submit(self._dispatch, command)
        elif kind == "peer_answered":
            purpose = str(data.get("purpose", ""))
            if purpose.startswith("agent:"):
                with self.lock:
                    state = self.calls.get(call_id)
                    if state is not None:
                        state.connected = True
                self._event(gw.AgentConnected(call_id, int(purpose[6:]), now))
            elif purpose == "transfer":
                self._event(gw.TransferResult(call_id, now, True, str(data.get("target", ""))))
                self._report_end(call_id, now)
        elif kind == "peer_failed":
            purpose = str(data.get("purpose", ""))
            if purpose.startswith("agent:"):
                self._event(gw.AgentNoAnswer(call_id, int(purpose[6:]), now))
            elif purpose == "transfer":
                self._event(gw.TransferResult(call_id, now, False, str(data.get("code", ""))))
                self._report_end(call_id, now)
                assert self.worker is not None  # noqa: S101
                self.worker.hangup(call_id)
            else:  # forward failed: nothing more to do for the caller
                assert self.worker is not None  # noqa: S101
                self.worker.hangup(call_id)
        elif kind == "recording":
            self.db.submit(self._store_recording, call_id, data)
        elif kind == "ended":
            self._report_end(call_id, now)
            self.db.submit(self._forget, call_id)

    def _report_end(self, call_id: str, at: float) -> None:
        with self.lock:
            state = self.calls.get(call_id)
            if state is None or state.end_reported:
                return
            state.end_reported = True
            state.waiting = False
        self._event(
            gw.Ended(call_id, at)
        )  # before an agent answered, the engine counts it abandoned

    def _forget(self, call_id: str) -> None:
        with self.lock:
            self.calls.pop(call_id, None)

    def _store_recording(self, call_id: str, data: dict[str, Any]) -> None:
        close_old_connections()
        with self.lock:
            state = self.calls.get(call_id)
            notice = state.notice_played if state is not None else False
        call = Call.objects.filter(id=call_id).first()
        if call is None or float(data["duration_s"]) <= 0:
            return
        try:
            recording_store(
                call=call,
                data=data["wav"],
                started_at=datetime.fromtimestamp(float(data["started_at"]), UTC),
                ended_at=datetime.fromtimestamp(float(data["ended_at"]), UTC),
                notice_played=notice,
            )
        except Exception:
            logger.exception("storing the recording of call %s failed", call_id)
            self.errors.append(f"recording of {call_id} not stored")
            return
        if data.get("kind") == "voicemail":
            Voicemail.objects.filter(call_id=call_id).update(
                duration_s=round(float(data["duration_s"]))
            )

    def _edge_event(self, event: dict[str, Any]) -> None:
        """Loop thread: Kamailio reported an edge event (evapi)."""
        with self.lock:
            sip_call_id = str(event.get("callid", ""))
            call_id = str(event.get("call") or self.sip_call_ids.get(sip_call_id, ""))
            self.edge_events[call_id][str(event.get("event", ""))] += 1
            # Bounded memory in a long-running gateway: keep the most recent calls only.
            for table in (self.edge_events, self.sip_call_ids):
                while len(table) > EDGE_EVENTS_KEPT:
                    del table[next(iter(table))]

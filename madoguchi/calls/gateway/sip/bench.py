"""``make bench-telephony``: many simultaneous real calls through the whole SIP path.

A 50-seat center (sipp phones registered at Kamailio, echoing the audio) gets a burst of
callers (sipp, G.711 audio) that exceeds the seats, so some callers wait with the waiting
announcement while the others talk; every call goes through Kamailio → the routing
endpoint → rtpengine → the media worker → Kamailio → an agent phone, and is written to
the database. Prints one JSON object as its last line:

* ``concurrent_calls`` — the most callers the media worker held at once;
* ``calls_per_s`` — calls offered ÷ seconds from the first to the last arrival;
* ``failed_calls`` — sipp callers whose script failed + calls not routed to the worker;
* ``lost_events`` — expected but missing events: per call, Kamailio's "offered" and
  "ended" over evapi, and a final state (ENDED/ABANDONED) in the database;
* ``cpu_pct`` — CPU of Kamailio (all its processes), rtpengine and the gateway process
  (routing endpoint, media worker, router) as % of one core over the run;
* ``rss_mb_per_call`` — (peak RSS of those processes − RSS before the first call) ÷
  ``concurrent_calls``; ``rss_mb_total`` is the peak itself.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.core.management import call_command

from madoguchi.calls.gateway.sip import stack as sip_stack
from madoguchi.calls.gateway.sip.config import number_routes
from madoguchi.calls.gateway.sip.gateway import SipGateway
from madoguchi.calls.gateway.sip.prompts import PromptCache
from madoguchi.calls.gateway.sip.sipp import Sipp, caller_xml, phone_xml, register
from madoguchi.calls.live import LiveRouter
from madoguchi.calls.models import (
    Agent,
    Announcement,
    AnnouncementKind,
    Call,
    CallEvent,
    CallEventType,
    Disposition,
    Queue,
)
from madoguchi.calls.services import queue_ensure_default
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

OPEN_AT = datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO)
PROMPTS = {
    AnnouncementKind.RECORDING_NOTICE: "この通話は録音されます。",
    AnnouncementKind.WAITING: "ただいま混み合っております。このままお待ちください。",
}
_CLK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _proc_stat(pid: int) -> tuple[int, float, int] | None:
    """(process group, CPU seconds, RSS bytes) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / _CLK, int(fields[21]) * _PAGE


def _usage(pids: set[int], groups: set[int]) -> tuple[float, int]:
    cpu, rss = 0.0, 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        stat = _proc_stat(pid)
        if stat is not None and (pid in pids or stat[0] in groups):
            cpu += stat[1]
            rss += stat[2]
    return cpu, rss


def _sipp_failed(output: str) -> int | None:
    m = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", output)
    return int(m.group(1)) if m else None


def run(*, calls: int, agents: int, rate: float, talk_s: float, workdir: str) -> dict[str, Any]:
    sip_stack.check_installed()
    call_command("load_scenario", "iwaki", stdout=io.StringIO())
    center = Center.objects.get(slug="iwaki")
    Center.objects.filter(pk=center.pk).update(line_count=None)
    queue_ensure_default(actor=None, center=center)
    Queue.objects.filter(center=center).update(max_wait_s=None, max_length=None, ring_timeout_s=15)
    for kind, text in PROMPTS.items():
        Announcement.objects.update_or_create(
            center=center, kind=kind, language="ja", defaults={"text": text}
        )
    seats = []
    for n in range(1, agents + 1):
        seat, _ = Agent.objects.get_or_create(
            center=center, name=f"ベンチ席 {n}", defaults={"extension": f"8{n:03d}"}
        )
        seats.append(seat)
    before_calls = set(Call.objects.values_list("id", flat=True))

    settings = sip_stack.loopback_settings(numbers=number_routes(), run_dir=workdir)
    stack = sip_stack.Stack(settings)
    stack.start()
    router = LiveRouter()
    offset = OPEN_AT.timestamp() - time.time()
    router.engine.clock = lambda at: datetime.fromtimestamp(at + offset, UTC)
    gateway = SipGateway(
        router, settings, prompts=PromptCache(os.path.join(workdir, "prompts")), wrap_up_s=1.0
    )
    procs: list[Sipp] = []
    try:
        gateway.start()
        assert gateway.worker is not None  # noqa: S101
        # Prompts are synthesised once before the run (cached as 8 kHz WAV).
        for kind in PROMPTS:
            gateway.prompts.pcm(center_id=center.pk, kind=kind, language="ja")
        phone_port = sip_stack.free_udp_port()
        phones = Sipp.start(
            phone_xml(ring_ms=300),
            workdir=workdir,
            name="phones",
            port=phone_port,
            media_port=sip_stack.free_udp_port(),
            calls=calls,
            echo=True,
            timeout_s=int(talk_s * 4 + 60),
        )
        procs.append(phones)
        time.sleep(0.5)
        for seat in seats:
            register(
                proxy=("127.0.0.1", settings.sip_port), user=seat.extension, contact_port=phone_port
            )
            gateway.in_router(partial(router.agent_ready, seat))

        pids = {os.getpid()} | {p.pid for p in stack.procs.values()}
        groups = {p.pid for p in stack.procs.values()}
        cpu0, rss0 = _usage(pids, groups)
        t0 = time.monotonic()
        callers = Sipp.start(
            caller_xml(talk_ms=int(talk_s * 1000)),
            workdir=workdir,
            name="callers",
            port=sip_stack.free_udp_port(),
            media_port=sip_stack.free_udp_port(),
            target=f"127.0.0.1:{settings.sip_port}",
            service="0246221111",
            calls=calls,
            rate=rate,
            limit=calls,
            timeout_s=int(talk_s * 3 + 60),
        )
        procs.append(callers)
        peak_sessions, peak_bridged, peak_rss = 0, 0, rss0
        while callers.proc.poll() is None:
            if time.monotonic() - t0 > talk_s * 4 + 90:
                callers.kill()
                break
            sessions = list(gateway.worker.sessions.values())
            peak_sessions = max(peak_sessions, len(sessions))
            peak_bridged = max(peak_bridged, sum(1 for s in sessions if s.bridged))
            peak_rss = max(peak_rss, _usage(pids, groups)[1])
            time.sleep(0.25)
        wall = time.monotonic() - t0
        cpu1, _ = _usage(pids, groups)
        caller_rc = callers.proc.returncode
        time.sleep(3.0)  # last BYEs, evapi events, router writes
        gateway.in_router(lambda: None)

        new_calls = list(Call.objects.exclude(id__in=before_calls))
        ids = [str(c.id) for c in new_calls]
        finals = set(
            CallEvent.objects.filter(
                call_id__in=ids, type__in=[CallEventType.ENDED, CallEventType.ABANDONED]
            ).values_list("call_id", flat=True)
        )
        lost = 0
        for call in new_calls:
            edge: Counter[str] = gateway.edge_events.get(str(call.id), Counter())
            lost += (edge.get("offered", 0) != 1) + (edge.get("ended", 0) != 1)
            lost += call.id not in finals or call.disposition == Disposition.IN_PROGRESS
        sipp_failed = _sipp_failed(callers.output())
        failed = sipp_failed if sipp_failed is not None else (0 if caller_rc == 0 else calls)
        failed += max(0, calls - len(new_calls))
        arrivals = [c.arrived_at for c in new_calls]
        span = (max(arrivals) - min(arrivals)).total_seconds() if len(arrivals) > 1 else 0.0
        answered = sum(1 for c in new_calls if c.disposition == Disposition.ANSWERED)
        return {
            "concurrent_calls": peak_sessions,
            "bridged_peak": peak_bridged,
            "calls": len(new_calls),
            "answered": answered,
            "abandoned_while_waiting": sum(
                1 for c in new_calls if c.disposition == Disposition.ABANDONED
            ),
            "agents": agents,
            "calls_per_s": round(len(new_calls) / span, 2) if span else float(len(new_calls)),
            "failed_calls": failed,
            "lost_events": lost,
            "cpu_pct": round((cpu1 - cpu0) / wall * 100, 1),
            "rss_mb_per_call": round((peak_rss - rss0) / 2**20 / max(1, peak_sessions), 2),
            "rss_mb_total": round(peak_rss / 2**20, 1),
            "packets_relayed": gateway.worker.stats["packets_relayed"],
            "wall_s": round(wall, 1),
            "sipp_exit": caller_rc,
            "gateway_errors": len(gateway.errors),
        }
    finally:
        for proc in procs:
            proc.kill()
        gateway.stop()
        stack.stop()
        shutil.rmtree(os.path.join(workdir, "prompts"), ignore_errors=True)

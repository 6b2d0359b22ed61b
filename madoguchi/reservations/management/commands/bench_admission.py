"""``madoguchi bench_admission``: the waiting room measured over real HTTP.

Starts two separate public uvicorn processes on loopback against the configured
database, opens a booking window a few seconds ahead, lets ``--clients`` visitors join
the pre-queue and poll (each visitor alternates between the two processes, so the
cookies and the queue must be shared), and prints one JSON object as its last line:
the admission rate set and measured, whether the pre-queue was admitted in an order
other than arrival, the Retry-After values seen and any error status. Bounded in time.
Run it on PostgreSQL: ``bash scripts/bench-admission.sh``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from madoguchi.reservations.admission import admission_gate_configure
from madoguchi.tenancy.models import Center


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start")


class Visitor:
    def __init__(self, index: int, ports: list[int], path: str) -> None:
        self.index, self.ports, self.path = index, ports, path
        self.cookies: dict[str, str] = {}
        self.joined_at: float | None = None
        self.admitted_at: float | None = None
        self.retry_after: list[int] = []
        self.statuses: dict[int, int] = {}
        self.ports_used: set[int] = set()
        self.requests = 0

    def get(self) -> int:
        port = self.ports[(self.index + self.requests) % len(self.ports)]
        self.requests += 1
        self.ports_used.add(port)
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request("GET", self.path, headers={"Cookie": header} if header else {})
            response = conn.getresponse()
            response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    if morsel.value:
                        self.cookies[key] = morsel.value
                    else:
                        self.cookies.pop(key, None)
            if response.status == 503 and response.headers.get("Retry-After"):
                self.retry_after.append(int(response.headers["Retry-After"]))
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            return response.status
        finally:
            conn.close()


class Command(BaseCommand):
    help = "待合室（入場制御）の入場レートを実際のHTTPで測り、JSONで表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=40)
        parser.add_argument("--rate-per-minute", type=int, default=120)
        parser.add_argument("--poll-seconds", type=float, default=0.25)
        parser.add_argument("--timeout", type=float, default=120.0)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_scenario", "niigata", verbosity=0)
        center = Center.objects.get(slug="niigata")
        clients, rate = options["clients"], options["rate_per_minute"]
        opens_in = 3.0 + clients * 0.05
        opening = timezone.now() + timedelta(seconds=opens_in)
        admission_gate_configure(
            center=center, actor=None, opens_at=opening, rate_per_minute=rate, session_minutes=20
        )
        ports = [_free_port(), _free_port()]
        env = {
            **os.environ,
            "MADOGUCHI_PROCESS_KIND": "public",
            "MADOGUCHI_URLCONF": "madoguchi.config.urls_public",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-admission-shared-key"),
        }
        servers = [
            subprocess.Popen(  # noqa: S603  (our own interpreter and uvicorn)
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "madoguchi.config.asgi:application",
                    "--host=127.0.0.1",
                    f"--port={port}",
                    "--log-level=warning",
                    "--lifespan=off",
                ],
                env=env,
            )
            for port in ports
        ]
        try:
            deadline = time.monotonic() + 60
            for port in ports:
                _wait_up(port, deadline)
            result = self._run(ports, clients, rate, opening, options)
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=20)
        self.stdout.write(json.dumps(result))

    def _run(
        self, ports: list[int], clients: int, rate: int, opening: Any, options: dict[str, Any]
    ) -> dict[str, Any]:
        visitors = [Visitor(i, ports, "/booking/niigata/") for i in range(clients)]
        opening_mono = time.monotonic() + (opening - timezone.now()).total_seconds()
        stop = time.monotonic() + options["timeout"]
        poll = options["poll_seconds"]

        def run(visitor: Visitor) -> None:
            time.sleep(visitor.index * 0.04)  # arrive one after another, before the opening
            visitor.joined_at = time.monotonic()
            while time.monotonic() < stop:
                if visitor.get() == 200:
                    visitor.admitted_at = time.monotonic()
                    return
                # Poll faster than Retry-After to time the admissions precisely.
                time.sleep(poll if time.monotonic() >= opening_mono - 1 else 0.5)

        threads = [threading.Thread(target=run, args=(v,)) for v in visitors]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        admitted = sorted(v.admitted_at for v in visitors if v.admitted_at is not None)
        span = admitted[-1] - admitted[0] if len(admitted) > 1 else 0.0
        measured = (len(admitted) - 1) / span if span else 0.0
        by_admission = [
            v.index
            for v in sorted(visitors, key=lambda v: v.admitted_at or float("inf"))
            if v.admitted_at is not None
        ]
        errors = sum(
            n for v in visitors for status, n in v.statuses.items() if status not in (200, 503)
        )
        retry = [r for v in visitors for r in v.retry_after]
        setting = rate / 60
        return {
            "clients": clients,
            "processes": len(ports),
            "rate_setting_per_s": round(setting, 3),
            "admitted": len(admitted),
            "measured_rate_per_s": round(measured, 3),
            "rate_error_pct": round(100 * (measured - setting) / setting, 1),
            "first_admission_after_opening_s": round(admitted[0] - opening_mono, 2)
            if admitted
            else None,
            "prequeue_order_differs_from_arrival": by_admission != sorted(by_admission),
            "visitors_served_by_both_processes": sum(len(v.ports_used) == 2 for v in visitors),
            "requests": sum(v.requests for v in visitors),
            "retry_after_min": min(retry) if retry else None,
            "retry_after_max": max(retry) if retry else None,
            "error_responses": errors,
        }

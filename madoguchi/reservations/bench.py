"""``madoguchi bench_booking``: booking throughput and correctness on PostgreSQL.

Run through ``make bench-booking`` (scripts/bench-booking.sh starts a throwaway
PostgreSQL on loopback with scripts/with-postgres.sh). Phases, each bounded in time:

1. **ceiling** — pgbench runs the single-statement booking SQL of
   /work/shared/research/booking.md (``WITH s AS (UPDATE slot ... WHERE booked <
   capacity RETURNING id) INSERT INTO booking ...``) on its own tables, 32 clients.
2. **service** — ``processes`` x ``threads`` concurrent clients (>= 256) call
   ``booking_create`` on 50 hot slots; each process is set up like a public one (a pool
   of ``pool`` connections, a client holding one only while it needs it; bookings
   combined, ``sql.BookingCombiner``).
3. **http** — the public servers as deployed (``config/asgi_public.py``: public URLconf,
   WSGI threads, a pool of 8 connections; one process per core, each on its own port
   behind the proxy) take ``POST /booking/api/book`` from ``http_clients`` keep-alive
   connections spread over them (32, the ceiling's concurrency) of an
   asyncio load generator on 50 other hot slots; then again from ``http_many_clients``
   (256), reported as ``http_many_*``: the same rate, a longer queue.
4. **staff** — a separate staff server (``config/asgi.py``, full URLconf) serves a console page to a
   logged-in manager; its p99 is timed idle and while the public server is offered
   5x the admission rate (open loop). Public server and load generator run at a lower
   CPU priority (nice 10), as the deployment docs recommend.

Afterwards every slot is checked: ``oversold`` counts active bookings beyond capacity,
``counter_mismatch`` slots whose counter differs from their active bookings. The last
line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, connections
from django.db.models import Count, Q

HOT_SLOTS = 50
# Large enough that the phase measures booking throughput, not how fast 50 slots run out
# (with 100 places the 4,100 places of a set were gone after ~5 s; with 1,000 the
# 40,100 places were gone within the 10 s once bookings were combined).
SLOT_CAPACITY = 2000
# The first slots of each set are small, so they fill within a second and the rest of
# the phase keeps hitting full slots: the capacity boundary is what oversold checks.
TIGHT_SLOTS, TIGHT_CAPACITY = 10, 10
CENTER = "bench"
HTTP_WARMUP_S = 3.0
DAY = date(2031, 6, 2)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- set-up ------------------------------------------------------------------------


@dataclass
class World:
    service_slots: list[int]
    http_slots: list[int]
    surge_slots: list[int]
    people: dict[str, list[int]]
    staff_cookie: str = ""


def setup(*, people_per_phase: dict[str, int], admission_rate: float = 50.0) -> World:
    """A center with one service, one venue, three sets of 50 slots and roster entries;
    its waiting room admits ``admission_rate`` newcomers per second."""
    from django.test import Client

    from madoguchi.accounts.models import Role
    from madoguchi.accounts.services import membership_grant, user_create
    from madoguchi.reservations.admission import admission_gate_configure
    from madoguchi.reservations.models import RosterEntry, Service, Slot, Venue
    from madoguchi.tenancy.models import Calendar, Center, CenterKind

    calendar = Calendar.objects.create(name="bench")
    center = Center.objects.create(
        slug=CENTER, name="ベンチマーク接種センター", kind=CenterKind.SPECIALIZED, calendar=calendar
    )
    service = Service.objects.create(
        center=center, slug="vaccination", kind="vaccination", name="接種", doses=2
    )
    venue = Venue.objects.create(center=center, name="ベンチ会場")
    admission_gate_configure(
        center=center,
        actor=None,
        opens_at=None,
        rate_per_minute=max(1, round(admission_rate * 60)),
        session_minutes=20,
    )
    start = datetime(2031, 6, 2, 0, 0, tzinfo=UTC)

    def slots(offset: int, capacity: int) -> list[int]:
        made = Slot.objects.bulk_create(
            Slot(
                venue=venue,
                service=service,
                starts_at=start + timedelta(minutes=10 * (offset + n)),
                ends_at=start + timedelta(minutes=10 * (offset + n) + 10),
                capacity=TIGHT_CAPACITY
                if n < TIGHT_SLOTS and capacity == SLOT_CAPACITY
                else capacity,
                web_capacity=TIGHT_CAPACITY
                if n < TIGHT_SLOTS and capacity == SLOT_CAPACITY
                else capacity,
            )
            for n in range(HOT_SLOTS)
        )
        return [s.pk for s in made]

    world = World(
        service_slots=slots(0, SLOT_CAPACITY),
        http_slots=slots(HOT_SLOTS, SLOT_CAPACITY),
        # The surge books for real on every request: places never run out.
        surge_slots=slots(2 * HOT_SLOTS, 100_000),
        people={},
    )
    serial = 0
    for phase, count in people_per_phase.items():
        first = serial
        rows = [
            RosterEntry(
                center=center,
                coupon_number=f"{1_000_000_000 + serial + n}",
                birth_date=date(1940, 1, 1) + timedelta(days=(serial + n) % 9000),
            )
            for n in range(count)
        ]
        RosterEntry.objects.bulk_create(rows, batch_size=5000)
        serial += count
        world.people[phase] = list(
            RosterEntry.objects.filter(
                center=center,
                coupon_number__gte=f"{1_000_000_000 + first}",
                coupon_number__lt=f"{1_000_000_000 + serial}",
            ).values_list("pk", flat=True)
        )
    if connection.vendor == "postgresql":
        # Statistics for the fresh rows, as autovacuum gives a real roster after its
        # import; without them the planner takes the new roster for an empty table.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    manager = user_create(actor=None, username="bench-manager", password=secrets.token_urlsafe(16))
    membership_grant(actor=None, user=manager, center=center, role=Role.MANAGER)
    client = Client()
    client.force_login(manager)
    world.staff_cookie = client.cookies["sessionid"].value
    return world


def cluster_setup() -> str:
    """What the server really runs with (SHOW), e.g. ``durable: fsync=on ...``."""
    names = ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")
    with connection.cursor() as cursor:
        values: dict[str, str] = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            row = cursor.fetchone()
            values[name] = str(row[0]) if row else "?"
    durable = all(values[name] == "on" for name in names[:3])
    settings = " ".join(f"{name}={value}" for name, value in values.items())
    return f"{'durable' if durable else 'NOT durable'}: {settings}"


# --- phase 1: the ceiling ----------------------------------------------------------

_PGBENCH_SQL = """\\set slot random(1, 50000)
WITH s AS (UPDATE bench_slot SET booked = booked + 1 WHERE id = :slot AND booked < capacity
  RETURNING id)
INSERT INTO bench_booking (slot_id, coupon, idem)
SELECT id, (:client_id::bigint << 40) + nextval('bench_booking_id_seq'), gen_random_uuid()
FROM s;
"""


def ceiling(*, seconds: int, clients: int) -> float:
    """pgbench TPS of the one-statement booking on 50,000 slots (research: 'book spread')."""
    pgbench = shutil.which("pgbench") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))), None
    )
    if pgbench is None:
        raise RuntimeError("pgbench is missing: install postgresql (scripts/bench-booking.sh)")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_slot (id int PRIMARY KEY, venue_id int NOT NULL,"
            " starts_at timestamptz NOT NULL, capacity int NOT NULL,"
            " booked int NOT NULL DEFAULT 0, CHECK (booked >= 0 AND booked <= capacity))"
        )
        cursor.execute(
            "INSERT INTO bench_slot SELECT g, g % 200, now() + (g || ' minutes')::interval,"
            " 1000000000, 0 FROM generate_series(1, 50000) g"
        )
        cursor.execute(
            "CREATE TABLE bench_booking (id bigserial PRIMARY KEY,"
            " slot_id int NOT NULL REFERENCES bench_slot(id), coupon bigint NOT NULL,"
            " idem uuid NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_booking (coupon)")
        cursor.execute("VACUUM ANALYZE bench_slot")
        cursor.execute("CHECKPOINT")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(_PGBENCH_SQL)
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, loopback server
            [
                pgbench,
                "-n",
                "-M",
                "prepared",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-f",
                script.name,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_booking, bench_slot")
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if match is None:
        raise RuntimeError(f"pgbench printed no TPS:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


# --- phase 2: the service with many concurrent clients --------------------------------


@dataclass
class Tally:
    attempts: int = 0
    confirmed: int = 0
    full: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_ok: float = float("inf")
    last_ok: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def merge(self, other: Tally) -> None:
        self.attempts += other.attempts
        self.confirmed += other.confirmed
        self.full += other.full
        self.errors += other.errors
        self.latencies_ms += other.latencies_ms
        self.first_ok = min(self.first_ok, other.first_ok)
        self.last_ok = max(self.last_ok, other.last_ok)
        for kind, n in other.error_kinds.items():
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + n

    def rate(self, start: float) -> float:
        """Confirmed bookings per second, from the start to the last confirmed one."""
        if not self.confirmed:
            return 0.0
        return round(self.confirmed / max(self.last_ok - start, 1e-3), 1)


def _service_process(
    index: int,
    person_ids: list[int],
    slot_ids: list[int],
    threads: int,
    pool: int,
    seconds: float,
    barrier: Any,
    results: Any,
) -> None:
    from django.conf import settings

    from madoguchi.reservations.errors import ReservationsError
    from madoguchi.reservations.models import BookingChannel, RosterEntry, Slot
    from madoguchi.reservations.services import booking_create, idempotency_key_new

    # Like a public process (config/settings.py, kind "public"): a pool of ``pool``
    # connections per process, each thread holding one only while it needs it (Django
    # gives it back at the end of each request: here after each booking); bookings
    # combined (sql.BookingCombiner); audit events chained by a background thread, not
    # by the booking's caller (docs/bookings.md, Audit).
    settings.RESERVATIONS_AUDIT_FLUSH_SECONDS = 1
    connections.close_all()
    connection.settings_dict["OPTIONS"] = {
        **connection.settings_dict["OPTIONS"],
        "pool": {"min_size": pool, "max_size": pool, "timeout": 5},
        "options": "-c statement_timeout=2000",
    }
    people = list(RosterEntry.objects.select_related("center").filter(pk__in=person_ids))
    slots = list(Slot.objects.select_related("venue", "service").filter(pk__in=slot_ids))
    connection.close()
    queue: Iterator[Any] = iter(people)
    queue_lock = threading.Lock()
    tally = Tally()
    tally_lock = threading.Lock()
    rng = random.Random(index)  # noqa: S311 - load pattern, not security

    def book(person: Any, slot: Any) -> str:
        try:
            booking_create(
                actor=None,
                slot=slot,
                person=person,
                channel=BookingChannel.WEB,
                idempotency_key=idempotency_key_new(),
            )
        except ReservationsError:
            return "full"
        except Exception as exc:  # noqa: BLE001 - counted and reported
            return f"error:{type(exc).__name__}"
        finally:
            connection.close()  # back to the pool, as at the end of a request
        return "ok"

    deadline = 0.0

    def client() -> None:
        while time.monotonic() < deadline:
            with queue_lock:
                person = next(queue, None)
            if person is None:
                return
            began = time.monotonic()
            outcome = book(person, rng.choice(slots))
            ended = time.monotonic()
            with tally_lock:
                tally.attempts += 1
                if outcome == "ok":
                    tally.confirmed += 1
                    tally.latencies_ms.append((ended - began) * 1000)
                    tally.first_ok = min(tally.first_ok, ended)
                    tally.last_ok = max(tally.last_ok, ended)
                elif outcome == "full":
                    tally.full += 1
                else:
                    tally.errors += 1
                    tally.error_kinds[outcome] = tally.error_kinds.get(outcome, 0) + 1

    barrier.wait(timeout=300)  # the pool opened its connections on the first query
    deadline = time.monotonic() + seconds
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(tally)


def service_phase(
    *, world: World, processes: int, threads: int, pool: int, seconds: float
) -> tuple[Tally, float]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    barrier = context.Barrier(processes + 1)
    connections.close_all()
    people = world.people["service"]
    children = [
        context.Process(
            target=_service_process,
            args=(
                n,
                people[n::processes],
                world.service_slots,
                threads,
                pool,
                seconds,
                barrier,
                results,
            ),
        )
        for n in range(processes)
    ]
    for child in children:
        child.start()
    barrier.wait(timeout=300)
    start_at = time.monotonic()
    total = Tally()
    for _ in children:
        total.merge(results.get(timeout=seconds + 120))
    for child in children:
        child.join(timeout=30)
    return total, start_at


# --- HTTP servers and the asyncio load generator ---------------------------------


PUBLIC_APP = "madoguchi.config.asgi_public:application"
STAFF_APP = "madoguchi.config.asgi:application"


def start_server(
    *, app: str, urlconf: str, kind: str, workers: int, nice: int, threads: int
) -> tuple[Any, str]:
    """A uvicorn server of process kind ``kind`` on the deployment's entry point ``app``
    (public: WSGI threads, 2 s statement timeout, a pool of 8 connections per process,
    audit chaining in a background thread; staff: ASGI, its own pool of 4)."""
    port = _free_port()
    env = {
        **os.environ,
        "MADOGUCHI_URLCONF": urlconf,
        "MADOGUCHI_PROCESS_KIND": kind,
        "MADOGUCHI_ENV": os.environ.get("MADOGUCHI_ENV", "development"),
        "MADOGUCHI_WSGI_THREADS": str(threads),
    }
    command = [
        sys.executable,
        "-m",
        "madoguchi.reservations.bench_server",
        "--app",
        app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    # Django logs every 409 as a warning: keep the servers' output out of the report.
    server_log = Path(tempfile.gettempdir()) / f"bench-booking-server-{port}.log"
    with server_log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            command, env=env, start_new_session=True, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(0.5)
                return process, base
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"server for {urlconf} exited, see {server_log}") from None
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"server for {urlconf} did not start")


def stop_server(process: Any) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client (no third-party dependency)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.retry_after = 0

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: str = "",
        jar: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """One request; ``jar`` (a visitor's cookies) is sent and updated from Set-Cookie."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None  # noqa: S101 - set just above
        if jar:
            headers += "Cookie: " + "; ".join(f"{k}={v}" for k, v in jar.items()) + "\r\n"
        self.retry_after = 0
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length = 0
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            lowered = name.lower()
            if lowered == "content-length":
                length = int(value.strip())
            elif lowered == "retry-after":
                self.retry_after = int(value.strip())
            elif lowered == "set-cookie" and jar is not None:
                cookie, _sep, _attributes = value.strip().partition(";")
                cookie_name, _sep, cookie_value = cookie.partition("=")
                if cookie_value.strip('"'):
                    jar[cookie_name] = cookie_value
                else:  # deleted
                    jar.pop(cookie_name, None)
            elif lowered == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _booking_body(person: tuple[str, str], slot: int, n: int) -> bytes:
    return json.dumps(
        {
            "center": CENTER,
            "coupon_number": person[0],
            "birth_date": person[1],
            "slot": slot,
            "key": f"bench-{person[0]}-{n}",
        }
    ).encode()


async def _closed_loop(
    ports: list[int],
    people: list[tuple[str, str]],
    slots: list[int],
    clients: int,
    seconds: float,
) -> tuple[Tally, float]:
    """``clients`` keep-alive clients, spread over the public processes' ``ports`` in
    turn, as the proxy in front of them spreads its connections (docs/deployment.md)."""
    tally = Tally()
    queue = iter(people)
    rng = random.Random(1)  # noqa: S311 - load pattern
    start = time.monotonic()
    deadline = start + seconds

    admitted: list[float] = []

    async def client(port: int) -> None:
        conn = HttpConnection(port)
        jar: dict[str, str] = {}
        # Through the waiting room first: each client is a citizen's session, admitted
        # at the gate's rate (not timed; its booking is not counted in the tally).
        while time.monotonic() < start + 60:
            person = next(queue, None)
            if person is None:
                return
            status, _payload = await conn.request(
                "POST", "/booking/api/book", _booking_body(person, rng.choice(slots), 0), jar=jar
            )
            if status != 503:
                admitted.append(time.monotonic())
                break
            await asyncio.sleep(conn.retry_after)
        await ready.wait()
        while time.monotonic() < deadline:
            person = next(queue, None)
            if person is None:
                break
            began = time.monotonic()
            try:
                status, _payload = await conn.request(
                    "POST",
                    "/booking/api/book",
                    _booking_body(person, rng.choice(slots), 0),
                    jar=jar,
                )
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                status = 0
                await conn.close()
                conn = HttpConnection(port)
            ended = time.monotonic()
            if began < start:  # warming up: not counted
                continue
            tally.attempts += 1
            if status == 201:
                tally.confirmed += 1
                tally.latencies_ms.append((ended - began) * 1000)
                tally.last_ok = max(tally.last_ok, ended)
            elif status == 409:
                tally.full += 1
            else:
                tally.errors += 1
                tally.error_kinds[str(status)] = tally.error_kinds.get(str(status), 0) + 1
        await conn.close()

    async def start_when_admitted() -> None:
        nonlocal start, deadline
        while len(admitted) < clients and time.monotonic() < start + 60:
            await asyncio.sleep(0.05)
        log(f"http: {len(admitted)} clients admitted in {time.monotonic() - start:.1f} s")
        # The clock starts after HTTP_WARMUP_S of booking: the server processes have just
        # started (imports, the first requests' code paths, connections added to the
        # pool and their prepared statements); bookings begun before are not counted.
        start = time.monotonic() + HTTP_WARMUP_S
        deadline = start + seconds
        ready.set()

    ready = asyncio.Event()
    await asyncio.gather(
        start_when_admitted(), *(client(ports[n % len(ports)]) for n in range(clients))
    )
    return tally, start


def _run_loop(coroutine: Any) -> Any:
    """Run the load generator on uvloop (less CPU taken from the server it measures)."""
    import uvloop

    return uvloop.run(coroutine)


def _people_rows(ids: list[int]) -> list[tuple[str, str]]:
    from madoguchi.reservations.models import RosterEntry

    return [
        (coupon, f"{born:%Y-%m-%d}")
        for coupon, born in RosterEntry.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("coupon_number", "birth_date")
    ]


def _http_phase(
    context: Any,
    results: Any,
    ports: list[int],
    people: list[tuple[str, str]],
    slots: list[int],
    clients: int,
    seconds: float,
) -> tuple[Tally, float]:
    log(f"http: {clients} keep-alive clients on {len(ports)} server processes")
    child = context.Process(
        target=_http_process, args=(ports, people, slots, clients, seconds, results)
    )
    child.start()
    tally, start = results.get(timeout=seconds + 120)
    child.join(timeout=30)
    log(
        f"http: attempts={tally.attempts} confirmed={tally.confirmed} full={tally.full} "
        f"errors={tally.errors} {tally.error_kinds}"
    )
    return tally, start


def _http_process(
    ports: list[int],
    people: list[tuple[str, str]],
    slots: list[int],
    clients: int,
    seconds: float,
    results: Any,
) -> None:
    os.nice(10)
    tally, start = _run_loop(_closed_loop(ports, people, slots, clients, seconds))
    results.put((tally, start))


async def _open_loop(
    ports: list[int], people: list[tuple[str, str]], slots: list[int], rate: float, seconds: float
) -> Tally:
    """Offer ``rate`` requests/s whatever the server does (a surge does not slow down).
    At most 512 connections are open; requests still unanswered ``seconds`` after the
    offer ended are cancelled and counted as ``unfinished``."""
    tally = Tally()
    idle: dict[int, list[HttpConnection]] = {port: [] for port in ports}
    slots_open = asyncio.Semaphore(512)
    rng = random.Random(2)  # noqa: S311 - load pattern
    start = time.monotonic()
    tasks = []

    async def one(n: int, person: tuple[str, str]) -> None:
        """A new visitor: joins the waiting room, comes back after Retry-After with its
        cookie (holding no connection while waiting) until served or the surge ends."""
        jar: dict[str, str] = {}
        slot = rng.choice(slots)
        port = ports[n % len(ports)]
        while True:
            async with slots_open:
                conn = idle[port].pop() if idle[port] else HttpConnection(port)
                try:
                    status, _payload = await conn.request(
                        "POST", "/booking/api/book", _booking_body(person, slot, n), jar=jar
                    )
                    idle[port].append(conn)
                except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                    status = 0
                    await conn.close()
            if status == 503 and time.monotonic() + conn.retry_after < start + seconds:
                tally.error_kinds["waited"] = tally.error_kinds.get("waited", 0) + 1
                await asyncio.sleep(conn.retry_after)
                continue
            break
        tally.attempts += 1
        if status == 201:
            tally.confirmed += 1
        elif status in (409, 429, 503):
            tally.full += 1
        else:
            tally.errors += 1

    for n, person in enumerate(people):
        due = start + n / rate
        if due - start > seconds:
            break
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, person)))
    _done, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    tally.error_kinds["unfinished"] = len(pending)
    return tally


def _surge_process(
    ports: list[int],
    people: list[tuple[str, str]],
    slots: list[int],
    rate: float,
    seconds: float,
    results: Any,
) -> None:
    os.nice(10)
    results.put(_run_loop(_open_loop(ports, people, slots, rate, seconds)))


def _time_staff(
    port: int, cookie: str, path: str, seconds: float, per_second: float
) -> list[float]:
    async def run() -> list[float]:
        conn = HttpConnection(port)
        latencies = []
        deadline = time.monotonic() + seconds
        headers = f"Cookie: sessionid={cookie}\r\n"
        while time.monotonic() < deadline:
            began = time.monotonic()
            status, _payload = await conn.request("GET", path, headers=headers)
            if status != 200:
                raise RuntimeError(f"staff page answered {status}")
            latencies.append((time.monotonic() - began) * 1000)
            await asyncio.sleep(max(0.0, 1 / per_second - (time.monotonic() - began)))
        await conn.close()
        return latencies

    return asyncio.run(run())


def _drain_outbox(phase: str) -> None:
    """Chain the phase's audit events, then settle the database (``VACUUM ANALYZE`` and
    ``CHECKPOINT``, as before the ceiling), so that the next phase's figures include
    neither the previous one's audit work nor the autovacuum and checkpoint its tens of
    thousands of writes would start in the middle of it."""
    from madoguchi.reservations.audit_outbox import audit_outbox_flush_all

    began = time.monotonic()
    chained = audit_outbox_flush_all(timeout=300)
    log(f"{phase}: chained {chained} audit events in {time.monotonic() - began:.1f} s")
    _settle(phase)


def _settle(phase: str) -> None:
    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    log(f"{phase}: vacuumed and checkpointed in {time.monotonic() - began:.1f} s")
    connections.close_all()


# --- checks and the whole run ------------------------------------------------------


def audit_slots() -> tuple[int, int, int]:
    """(oversold places, slots whose counter differs from active rows, capacity)."""
    from madoguchi.reservations.models import Slot

    rows = Slot.objects.filter(venue__center__slug=CENTER).annotate(
        active=Count("bookings", filter=Q(bookings__status="active"))
    )
    oversold = mismatch = 0
    for slot in rows:
        oversold += max(0, slot.active - slot.capacity)
        mismatch += int(slot.active != slot.booked)
    return oversold, mismatch, 0


def run(
    *,
    seconds: float,
    processes: int,
    threads: int,
    pool: int,
    http_clients: int,
    http_many_clients: int,
    http_workers: int,
    http_threads: int,
    admission_rate: float,
    ceiling_clients: int,
    durable: bool,
    emit: Callable[[str], None],
) -> dict[str, Any]:
    from django.core.management import call_command

    if connection.vendor != "postgresql":
        raise RuntimeError("bench_booking needs PostgreSQL (run it with make bench-booking)")
    setup_label = cluster_setup()
    if durable and not setup_label.startswith("durable"):
        raise RuntimeError(
            f"the database is not durable ({setup_label}): run make bench-booking, which "
            "starts PostgreSQL with PG_DURABLE=1, or pass --not-durable"
        )
    log(f"cluster: {setup_label}")
    load_start = round(os.getloadavg()[0], 2)  # other work on the box skews every figure
    log("migrating")
    call_command("migrate", verbosity=0)
    surge_rate = 5 * admission_rate
    people = {
        "service": 100_000,
        "http": 30_000,
        "surge": int(surge_rate * seconds * 1.2) + 100,
    }
    log(f"creating {sum(people.values())} roster entries and {3 * HOT_SLOTS} slots")
    world = setup(people_per_phase=people, admission_rate=admission_rate)

    log(f"ceiling: pgbench {ceiling_clients} clients, {seconds:.0f} s")
    ceiling_tps = ceiling(seconds=int(seconds), clients=ceiling_clients)
    log(f"ceiling_tps={ceiling_tps}")
    _settle("ceiling")

    clients = processes * threads
    log(f"service: {processes} processes x {threads} threads, {pool} connections each")
    service, service_start = service_phase(
        world=world, processes=processes, threads=threads, pool=pool, seconds=seconds
    )
    log(
        f"service: attempts={service.attempts} confirmed={service.confirmed} "
        f"full={service.full} errors={service.errors} {service.error_kinds}"
    )

    _drain_outbox("service")
    # The public side as deployed: one uvicorn process per core, each on its own port
    # behind the proxy (docs/deployment.md), the load generator spreading its
    # connections over them as the proxy does.
    public = [
        start_server(
            app=PUBLIC_APP,
            urlconf="madoguchi.config.urls_public",
            kind="public",
            workers=1,
            nice=10,
            threads=http_threads,
        )
        for _ in range(http_workers)
    ]
    staff, staff_url = start_server(
        app=STAFF_APP,
        urlconf="madoguchi.config.urls",
        kind="staff",
        workers=1,
        nice=0,
        threads=4,
    )
    try:
        public_ports = [int(url.rsplit(":", 1)[1]) for _process, url in public]
        staff_port = int(staff_url.rsplit(":", 1)[1])
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        http_people = _people_rows(world.people["http"])
        half = len(http_people) // 2
        connections.close_all()
        http, http_start = _http_phase(
            context,
            results,
            public_ports,
            http_people[:half],
            world.http_slots,
            http_clients,
            seconds,
        )
        many, many_start = Tally(), 0.0
        if http_many_clients:
            _drain_outbox("http")
            many, many_start = _http_phase(
                context,
                results,
                public_ports,
                http_people[half:],
                world.http_slots,
                http_many_clients,
                seconds,
            )
        _drain_outbox("http")
        staff_path = f"/console/bookings/slots/?day={DAY:%Y-%m-%d}"
        log("staff: idle")
        _time_staff(staff_port, world.staff_cookie, staff_path, 2, 20)  # warm-up
        idle = _time_staff(staff_port, world.staff_cookie, staff_path, seconds, 20)
        surge_people = _people_rows(world.people["surge"])
        connections.close_all()
        log(f"staff: during a public surge of {surge_rate:.0f} requests/s")
        child = context.Process(
            target=_surge_process,
            args=(public_ports, surge_people, world.surge_slots, surge_rate, seconds, results),
        )
        child.start()
        time.sleep(0.5)
        surged = _time_staff(staff_port, world.staff_cookie, staff_path, seconds - 1, 20)
        surge = results.get(timeout=seconds + 120)
        child.join(timeout=30)
        log(
            f"surge: answered={surge.attempts} confirmed={surge.confirmed} "
            f"refused={surge.full} errors={surge.errors} {surge.error_kinds}"
        )
    finally:
        for process, _url in public:
            stop_server(process)
        stop_server(staff)

    from madoguchi.audit.models import AuditEvent
    from madoguchi.reservations.audit_outbox import audit_outbox_flush_all
    from madoguchi.reservations.models import Booking

    log("chaining the audit events still waiting")
    audit_outbox_flush_all()
    booked = Booking.objects.filter(center__slug=CENTER).count()
    audited = AuditEvent.objects.filter(action="reservations.booking.created").count()
    oversold, mismatch, _unused = audit_slots()
    capacity = 2 * (TIGHT_SLOTS * TIGHT_CAPACITY + (HOT_SLOTS - TIGHT_SLOTS) * SLOT_CAPACITY)
    figures = {
        "ceiling_tps": ceiling_tps,
        "clients": clients,
        "attempts": service.attempts + http.attempts + many.attempts,
        "refused_full": service.full + http.full + many.full,
        "capacity": capacity,
        "confirmed": service.confirmed + http.confirmed + many.confirmed,
        "oversold": oversold,
        "counter_mismatch": mismatch,
        "unaudited_bookings": booked - audited,
        "service_bookings_per_s": service.rate(service_start),
        "service_p99_ms": _p99(service.latencies_ms),
        "service_p50_ms": round(statistics.median(service.latencies_ms), 1)
        if service.latencies_ms
        else 0.0,
        "service_errors": service.errors,
        "http_clients": http_clients,
        "http_bookings_per_s": http.rate(http_start),
        "http_p99_ms": _p99(http.latencies_ms),
        "http_errors": http.errors,
        # The same path with 256 clients: no more throughput, only a longer queue
        # (latency ~ clients / rate, Little's law). Reported, not the target figure.
        "http_many_clients": http_many_clients,
        "http_many_bookings_per_s": many.rate(many_start),
        "http_many_p99_ms": _p99(many.latencies_ms),
        "http_many_errors": many.errors,
        "staff_p99_idle_ms": _p99(idle),
        "staff_p99_surge_ms": _p99(surged),
        "surge_offered_per_s": surge_rate,
        "surge_errors": surge.errors,
        "surge_unfinished": surge.error_kinds.get("unfinished", 0),
        "service_pct_of_ceiling": round(100 * service.rate(service_start) / ceiling_tps, 1),
        "http_pct_of_ceiling": round(100 * http.rate(http_start) / ceiling_tps, 1),
        "ceiling_setup": setup_label,
        "durable": setup_label.startswith("durable"),
        "load_avg_1m_start": load_start,
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
        "seconds_per_phase": seconds,
    }
    emit(json.dumps(figures))
    return figures

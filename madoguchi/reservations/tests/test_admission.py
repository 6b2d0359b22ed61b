"""The waiting room (RSV-7, REL-3): random order at the opening, then first come first
served at the set rate, signed admission cookies, Retry-After values."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.db import connection, connections

from madoguchi.reservations import admission
from madoguchi.reservations.admission import (
    ADMIT_SALT,
    admission_gate_configure,
    admission_is_valid,
    admission_join,
    admission_status,
    from_us,
    gate_for,
    sign_admission,
)
from madoguchi.reservations.admission_models import AdmissionGate, AdmissionTicket
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

OPENING = datetime(2031, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def at(seconds: float) -> datetime:
    return OPENING + timedelta(seconds=seconds)


def clock(seconds: float):
    return lambda: at(seconds)


@pytest.fixture
def gate():
    center = CenterFactory.create()
    return admission_gate_configure(
        center=center, actor=None, opens_at=OPENING, rate_per_minute=60, session_minutes=20
    )


def test_gate_gets_the_installation_defaults(settings):
    settings.ADMISSION_RATE_PER_MINUTE = 240
    settings.ADMISSION_SESSION_MINUTES = 15
    gate = gate_for(CenterFactory.create())
    assert (gate.rate_per_minute, gate.session_minutes, gate.opens_at) == (240, 15, None)


def test_prequeue_is_admitted_in_a_random_order_then_fifo(gate):
    early = [admission_join(gate=gate, clock=clock(-600 + i)) for i in range(40)]
    late = [admission_join(gate=gate, clock=clock(1 + i)) for i in range(5)]
    gate.refresh_from_db()

    later = at(3600)
    admit: dict[int, datetime] = {}
    for t in early:
        status = admission_status(gate=gate, ticket=t, now=later)
        assert status.admit_at is not None
        admit[t.pk] = status.admit_at
    # 60 a minute: one a second from the opening, each pre-queued visitor a distinct second.
    assert sorted(admit.values()) == [at(k) for k in range(40)]
    order = sorted(admit, key=lambda pk: admit[pk])
    assert order != [t.pk for t in early], "pre-queue admitted in arrival order"
    # Later arrivals: first come first served, after the whole pre-queue.
    assert [admission_status(gate=gate, ticket=t, now=later).admit_at for t in late] == [
        at(40 + i) for i in range(5)
    ]


def test_prequeue_waits_for_the_opening_with_retry_after(gate):
    ticket = admission_join(gate=gate, clock=clock(-180))
    gate.refresh_from_db()

    three_minutes_before = admission_status(gate=gate, ticket=ticket, now=at(-180))
    ten_seconds_before = admission_status(gate=gate, ticket=ticket, now=at(-10))
    at_opening = admission_status(gate=gate, ticket=ticket, now=at(0))

    assert (three_minutes_before.admitted, three_minutes_before.admit_at) == (False, None)
    assert three_minutes_before.retry_after == 60
    assert ten_seconds_before.retry_after == 10
    assert at_opening.admitted and at_opening.admit_at == OPENING


def test_rate_after_the_opening_is_the_setting(gate):
    gate.rate_per_minute = 120  # one every 0.5 s
    gate.save()
    tickets = [admission_join(gate=gate, clock=clock(10)) for _ in range(100)]
    gate.refresh_from_db()

    def admitted(by: float) -> int:
        return sum(admission_status(gate=gate, ticket=t, now=at(by)).admitted for t in tickets)

    assert [admission_status(gate=gate, ticket=t, now=at(10)).admit_at for t in tickets[:3]] == [
        at(10),
        at(10.5),
        at(11),
    ]
    # 30 s at 120 a minute: 60 more admitted (+1 for the one admitted at once).
    assert admitted(10) == 1
    assert admitted(40) == 61
    assert admitted(60) == 100


def test_an_idle_gate_admits_a_newcomer_at_once(gate):
    first = admission_join(gate=gate, clock=clock(5))
    idle_later = admission_join(gate=gate, clock=clock(500))
    gate.refresh_from_db()

    assert admission_status(gate=gate, ticket=first, now=at(5)).admitted
    status = admission_status(gate=gate, ticket=idle_later, now=at(500))
    assert status.admitted and status.admit_at == at(500)


@pytest.mark.parametrize(
    ("wait_seconds", "retry_after", "ahead"),
    [(0.4, 2, 1), (7.3, 8, 8), (29.5, 30, 30), (500, 30, 500)],
)
def test_retry_after_is_the_wait_within_bounds(gate, wait_seconds, retry_after, ahead):
    ticket = AdmissionTicket.objects.create(
        gate=gate, admit_at_us=int((at(100) - from_us(0)) / timedelta(microseconds=1))
    )
    status = admission_status(gate=gate, ticket=ticket, now=at(100 - wait_seconds))
    assert (status.admitted, status.retry_after, status.ahead) == (False, retry_after, ahead)


def test_admission_cookie_is_signed_and_expires(gate):
    other = gate_for(CenterFactory.create())
    value = sign_admission(gate=gate, ticket_id=7)
    payload = signing.loads(value, salt=ADMIT_SALT)
    forged = signing.dumps({**payload, "g": other.pk}, salt="another salt")
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")

    assert admission_is_valid(value, gate=gate, max_age=60)
    assert not admission_is_valid(value, gate=other, max_age=60)
    assert not admission_is_valid(tampered, gate=gate, max_age=60)
    assert not admission_is_valid(forged, gate=other, max_age=60)
    assert not admission_is_valid("", gate=gate, max_age=60)
    assert not admission_is_valid(value, gate=gate, max_age=-1)  # expired


def test_a_verified_cookie_is_remembered_but_still_expires(gate, monkeypatch):
    value = sign_admission(gate=gate, ticket_id=8)
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert admission_is_valid(value, gate=gate, max_age=60)
    assert not admission_is_valid(tampered, gate=gate, max_age=60)
    assert value in admission._verified
    assert tampered not in admission._verified  # only what verified is kept

    # Checked again without its signature: an hour later it is still too old.
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert not admission_is_valid(value, gate=gate, max_age=60)
    assert admission_is_valid(value, gate=gate, max_age=3700)
    other = gate_for(CenterFactory.create())
    assert not admission_is_valid(value, gate=other, max_age=3700)


def test_the_verified_cookies_are_bounded(gate, monkeypatch):
    monkeypatch.setattr(admission, "_VERIFIED_MAX", 3)
    monkeypatch.setattr(admission, "_verified", {})
    values = [sign_admission(gate=gate, ticket_id=n) for n in range(5)]
    for value in values:
        assert admission_is_valid(value, gate=gate, max_age=60)
    assert len(admission._verified) <= 3
    assert values[-1] in admission._verified


def test_reconfiguring_empties_the_queue_and_is_audited(gate, audit_trail):
    admission_join(gate=gate, clock=clock(-5))
    admission_gate_configure(
        center=gate.center, actor=None, opens_at=at(86400), rate_per_minute=30, session_minutes=10
    )
    gate.refresh_from_db()
    assert AdmissionTicket.objects.filter(gate=gate).count() == 0
    assert (gate.prequeue_size, gate.sealed, gate.rate_per_minute) == (0, False, 30)
    assert audit_trail.actions() == ["reservations.admission_gate.configured"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_from_many_connections_get_distinct_places():
    """Several processes share the gate through the database: 12 connections joining
    within a second at 60 a minute get 12 admission times exactly one second apart."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers itself; the row lock matters on PostgreSQL")
    gate = admission_gate_configure(
        center=CenterFactory.create(),
        actor=None,
        opens_at=None,
        rate_per_minute=60,
        session_minutes=5,
    )
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def join() -> None:
        try:
            barrier.wait()
            admission_join(gate=gate)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=join) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    times = sorted(t.admit_at_us or 0 for t in AdmissionTicket.objects.filter(gate=gate))
    assert len(set(times)) == 12
    assert {b - a for a, b in zip(times, times[1:], strict=False)} == {1_000_000}
    assert AdmissionGate.objects.get(pk=gate.pk).next_admit_us == times[-1] + 1_000_000

"""The PostgreSQL one-statement booking (reservations/sql.py): the same rows as the ORM
path, nothing written on a refusal, retries answered with the first booking, in
autocommit and inside a caller's transaction. SQLite takes the ORM path (test_services)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings

from madoguchi.audit import context as audit_context
from madoguchi.reservations import sql
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import (
    AuditOutbox,
    Booking,
    BookingChannel,
    IdempotencyKey,
)
from madoguchi.reservations.services import booking_cancel, booking_create, idempotency_key_new
from madoguchi.reservations.tests.factories import RosterEntryFactory, SlotFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL fast path"),
    pytest.mark.django_db(transaction=True),
]


def _book(slot, person, *, key, channel=BookingChannel.WEB, **kw):
    return booking_create(
        actor=None, slot=slot, person=person, channel=channel, idempotency_key=key, **kw
    )


def test_one_statement_writes_booking_key_counters_and_outbox_row():
    slot = SlotFactory.create(capacity=3, web_capacity=2)
    person = RosterEntryFactory.create(center=slot.venue.center)
    key = idempotency_key_new()
    token = audit_context.bind(audit_context.RequestContext(request_id="req-1", ip="192.0.2.7"))
    try:
        with transaction.atomic():  # the outbox row is chained after commit: read it before
            booking = _book(
                slot, person, key=key, dose=1, phone="090-1234-5678", email="a@example.jp"
            )
            row = AuditOutbox.objects.get()
    finally:
        audit_context.unbind(token)
    stored = Booking.objects.get(pk=booking.pk)
    assert (stored.reference, stored.slot_id, stored.person_id, stored.service_id) == (
        booking.reference,
        slot.pk,
        person.pk,
        slot.service_id,
    )
    assert (stored.status, stored.channel, stored.phone, stored.email, stored.language) == (
        "active",
        "web",
        "+819012345678",
        "a@example.jp",
        "ja",
    )
    assert stored.created_by_id is None and stored.cancelled_at is None
    slot.refresh_from_db()
    assert (slot.booked, slot.booked_web) == (1, 1)
    assert list(IdempotencyKey.objects.values_list("key", "action", "reference")) == [
        (key, "book", booking.reference)
    ]
    assert (row.action, row.object_type, row.object_id, row.request_id, row.ip) == (
        "reservations.booking.created",
        "booking",
        booking.pk,
        "req-1",
        "192.0.2.7",
    )
    assert row.data == {
        "reference": booking.reference,
        "slot_id": slot.pk,
        "service_id": slot.service_id,
        "dose": 1,
        "channel": "web",
    }


def test_a_full_slot_writes_nothing_and_the_key_stays_usable():
    slot = SlotFactory.create(capacity=1, web_capacity=1)
    first = RosterEntryFactory.create(center=slot.venue.center)
    second = RosterEntryFactory.create(center=slot.venue.center)
    _book(slot, first, key=idempotency_key_new())
    key = idempotency_key_new()
    with pytest.raises(ReservationsError) as refused:
        _book(slot, second, key=key)
    assert refused.value.field == "slot"
    assert "満員" in str(refused.value.message)
    assert not IdempotencyKey.objects.filter(key=key).exists()
    assert Booking.objects.filter(person=second).count() == 0
    assert AuditOutbox.objects.count() == 0  # the first one's was chained at its commit
    slot.refresh_from_db()
    assert slot.booked == 1
    # A place freed: the same key now books (it was not used up by the refusal).
    Slot = type(slot)
    Slot.objects.filter(pk=slot.pk).update(capacity=2, web_capacity=2)
    slot.refresh_from_db()  # as each request reads its slot
    assert _book(slot, second, key=key).person_id == second.pk


def test_a_slot_read_as_full_is_refused_without_a_write(monkeypatch):
    slot = SlotFactory.create(capacity=2, web_capacity=1)
    first, second, third = RosterEntryFactory.create_batch(3, center=slot.venue.center)
    _book(slot, first, key=idempotency_key_new())
    slot.refresh_from_db()
    assert (slot.booked, slot.booked_web) == (1, 1)
    writes: list[int] = []
    real = sql.book_one_statement

    def spy(**kw: Any) -> Any:
        writes.append(kw["slot_id"])
        return real(**kw)

    monkeypatch.setattr(sql, "book_one_statement", spy)
    with pytest.raises(ReservationsError) as refused:
        _book(slot, second, key=idempotency_key_new())  # the web quota is used up
    assert "満員" in str(refused.value.message)
    assert writes == []
    # The phone keeps its place: an operator's booking is written and succeeds.
    booked = _book(slot, third, key=idempotency_key_new(), channel=BookingChannel.OPERATOR)
    assert len(writes) == 1 and booked.person_id == third.pk
    slot.refresh_from_db()
    assert (slot.booked, slot.booked_web) == (2, 1)


def test_a_retry_gets_the_first_booking_even_when_the_slot_filled_meanwhile():
    slot = SlotFactory.create(capacity=1, web_capacity=1)
    person = RosterEntryFactory.create(center=slot.venue.center)
    key = idempotency_key_new()
    first = _book(slot, person, key=key)
    again = _book(slot, person, key=key)  # slot now full AND the person holds a booking
    assert again.pk == first.pk and again.reference == first.reference
    slot.refresh_from_db()
    assert slot.booked == 1
    # Read as full, the retry is answered from its key without trying the write.
    assert _book(slot, person, key=key).reference == first.reference
    assert Booking.objects.count() == 1


def test_a_second_active_booking_for_the_dose_is_refused_and_rolled_back():
    slot = SlotFactory.create(capacity=5, web_capacity=5)
    other = SlotFactory.create(venue=slot.venue, service=slot.service, capacity=5, web_capacity=5)
    person = RosterEntryFactory.create(center=slot.venue.center)
    _book(slot, person, key=idempotency_key_new())
    key = idempotency_key_new()
    with pytest.raises(ReservationsError) as refused:
        _book(other, person, key=key)
    assert "既にあります" in str(refused.value.message)
    other.refresh_from_db()
    assert (other.booked, other.booked_web) == (0, 0)  # the place taken was given back
    assert not IdempotencyKey.objects.filter(key=key).exists()
    assert Booking.objects.filter(person=person).count() == 1


def test_a_key_of_another_action_is_refused():
    slot = SlotFactory.create(capacity=5, web_capacity=5)
    person = RosterEntryFactory.create(center=slot.venue.center)
    booking = _book(slot, person, key=idempotency_key_new())
    cancel_key = idempotency_key_new()
    booking_cancel(actor=None, booking=booking, idempotency_key=cancel_key)
    with pytest.raises(ReservationsError) as refused:
        _book(slot, person, key=cancel_key)
    assert refused.value.field is None
    assert Booking.objects.filter(status="active").count() == 0


def test_inside_a_callers_transaction_a_refusal_leaves_it_usable():
    slot = SlotFactory.create(capacity=1, web_capacity=1)
    people = RosterEntryFactory.create_batch(2, center=slot.venue.center)
    with transaction.atomic():
        booked = _book(slot, people[0], key=idempotency_key_new())
        with pytest.raises(ReservationsError):
            _book(slot, people[1], key=idempotency_key_new())
        # The outer transaction still works and keeps the first booking.
        assert Booking.objects.filter(pk=booked.pk).exists()
    slot.refresh_from_db()
    assert slot.booked == 1


@override_settings(RESERVATIONS_AUDIT_FLUSH_SECONDS=1)
def test_the_background_flusher_chains_the_events_soon_after_commit():
    slot = SlotFactory.create(capacity=5, web_capacity=5)
    people = RosterEntryFactory.create_batch(3, center=slot.venue.center)
    _chained_soon([_book(slot, p, key=idempotency_key_new()) for p in people])


def _chained_soon(booked: list[Any]) -> None:
    from madoguchi.audit.models import AuditEvent

    deadline = time.monotonic() + 15
    while AuditOutbox.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert AuditOutbox.objects.count() == 0
    events = AuditEvent.objects.filter(action="reservations.booking.created")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(b.pk) for b in booked)


@override_settings(RESERVATIONS_AUDIT_FLUSH_SECONDS=1)
def test_the_background_flusher_takes_one_batch_per_wake_and_comes_back_for_more(monkeypatch):
    from madoguchi.reservations import audit_outbox

    monkeypatch.setattr(audit_outbox, "_LIMIT", 2)
    taken: list[int | None] = []
    real = audit_outbox._flush_locked

    def spy(**kw: Any) -> int | None:
        taken.append(done := real(**kw))
        return done

    monkeypatch.setattr(audit_outbox, "_flush_locked", spy)
    slot = SlotFactory.create(capacity=9, web_capacity=9)
    people = RosterEntryFactory.create_batch(5, center=slot.venue.center)
    with transaction.atomic():  # all five wait before the first wake
        booked = [_book(slot, p, key=idempotency_key_new()) for p in people]
    _chained_soon(booked)  # no booking after these: the full batches re-armed the thread
    assert [n for n in taken if n][:3] == [2, 2, 1]  # 0 / None: nothing waiting, or locked


@override_settings(RESERVATIONS_AUDIT_FLUSH_SECONDS=1)
def test_the_background_flusher_looks_again_when_another_flush_held_the_lock():
    from django.db import connections

    from madoguchi.reservations import audit_outbox

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # another process's flush is running
            cursor.execute("SELECT pg_advisory_lock(%s)", [audit_outbox._LOCK_KEY])
        slot = SlotFactory.create(capacity=5, web_capacity=5)
        booked = [_book(slot, RosterEntryFactory.create(center=slot.venue.center), key="k-1")]
        time.sleep(1.5)  # the wake found the lock held
        assert AuditOutbox.objects.count() == 1
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [audit_outbox._LOCK_KEY])
        _chained_soon(booked)  # no further booking woke it: it came back by itself
    finally:
        other.close()


def test_the_door_lookup_is_one_prepared_statement_reused_per_connection():
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from madoguchi.reservations import throttle

    slot = SlotFactory.create()
    person = RosterEntryFactory.create(center=slot.venue.center)
    now = timezone.now()

    def lookup(slot_id):
        return sql.door_lookup(
            window_start=throttle.window_start(now),
            limits=throttle.limits_for(
                center_id=person.center_id, coupon=person.coupon_number, ip="192.0.2.1"
            ),
            center_id=person.center_id,
            coupon=person.coupon_number,
            born=person.birth_date,
            slot_id=slot_id,
        )

    first = lookup(slot.pk)
    assert first.person is not None and first.person.pk == person.pk
    assert first.slot is not None and first.slot.venue.pk == slot.venue_id
    assert first.latest_over_limit is None
    missing = lookup(slot.pk + 1000)
    assert (missing.slot, missing.person.pk) == (None, person.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%reservations_loginthrottle%"],
        )
        assert cursor.fetchone()[0] == 1  # prepared once, used twice
    with CaptureQueriesContext(connection) as seen:
        lookup(slot.pk)
    assert len(seen.captured_queries) == 0  # not through Django's cursor: no ORM cost


# --- combined bookings (sql.BookingCombiner) ------------------------------------------


class _HeldSlot:
    """A slot row locked by another connection: the booking that leads the combiner
    waits on it, so the requests that arrive meanwhile queue up behind it."""

    def __init__(self, slot_pk: int) -> None:
        import psycopg

        params = connection.get_connection_params()
        self.conn = psycopg.connect(
            **{k: params[k] for k in ("dbname", "user", "password", "host", "port") if k in params}
        )
        self.conn.execute("SELECT 1 FROM reservations_slot WHERE id = %s FOR UPDATE", [slot_pk])

    def release(self) -> None:
        self.conn.commit()
        self.conn.close()


def _in_threads(calls):
    """Run each call in its own thread (its own connection); their results in order."""
    import threading

    results: list[object] = [None] * len(calls)

    def run(n, call):
        try:
            results[n] = call()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    return threads, results


def _behind_a_held_leader(held: _HeldSlot, threads) -> None:
    """The first thread leads and waits on the held row; the others queue behind it;
    then the row is let go and all finish."""

    threads[0].start()
    time.sleep(0.3)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while len(sql._combiner._queue) < len(threads) - 1:
        assert time.monotonic() < deadline, "the requests did not queue up"
        time.sleep(0.01)
    held.release()
    for thread in threads:
        thread.join(timeout=20)


@pytest.fixture
def statements(monkeypatch):
    """The batch sizes of the combined statements (the real statement runs)."""

    sizes: list[int] = []
    real = sql._book_many

    def recording(requests):
        sizes.append(len(requests))
        return real(requests)

    monkeypatch.setattr(sql, "_book_many", recording)
    return sizes


@override_settings(RESERVATIONS_BOOKING_LEADERS=1)
def test_bookings_waiting_behind_a_leader_are_written_in_one_statement(statements):
    first = SlotFactory.create(capacity=5, web_capacity=5)
    others = [
        SlotFactory.create(venue=first.venue, service=first.service, capacity=c, web_capacity=c)
        for c in (5, 5, 1)
    ]
    people = RosterEntryFactory.create_batch(5, center=first.venue.center)
    filler = _book(others[2], people.pop(), key=idempotency_key_new())  # the last is full
    keys = [idempotency_key_new() for _ in people]
    held = _HeldSlot(first.pk)
    threads, results = _in_threads(
        [
            lambda s=slot, p=person, k=key: _book(s, p, key=k)
            for slot, person, key in zip([first, *others], people, keys, strict=True)
        ]
    )
    _behind_a_held_leader(held, threads)
    assert statements == [3]  # the leader's own booking went alone (one statement)
    booked = [r for r in results if isinstance(r, Booking)]
    assert [b.slot_id for b in booked] == [first.pk, others[0].pk, others[1].pk]
    assert isinstance(results[3], ReservationsError) and "満員" in str(results[3].message)
    for booking, person, key in zip(booked, people, keys, strict=False):
        stored = Booking.objects.get(pk=booking.pk)
        assert (stored.person_id, stored.reference, stored.status) == (
            person.pk,
            booking.reference,
            "active",
        )
        assert IdempotencyKey.objects.get(key=key).reference == booking.reference
    assert not IdempotencyKey.objects.filter(key=keys[3]).exists()
    for slot, expected in zip([first, *others], (1, 1, 1, 1), strict=True):
        slot.refresh_from_db()
        assert (slot.booked, slot.booked_web) == (expected, expected)
    from madoguchi.reservations.audit_outbox import audit_outbox_flush_all

    audit_outbox_flush_all()
    from madoguchi.audit.models import AuditEvent

    events = AuditEvent.objects.filter(action="reservations.booking.created")
    assert sorted(events.values_list("object_id", "object_repr")) == sorted(
        (str(b.pk), b.reference) for b in [filler, *booked]
    )


@override_settings(RESERVATIONS_BOOKING_LEADERS=1)
def test_a_refused_row_sends_its_batch_one_by_one_each_with_its_own_answer(statements):
    first = SlotFactory.create(capacity=5, web_capacity=5)
    slots = [
        SlotFactory.create(venue=first.venue, service=first.service, capacity=5, web_capacity=5)
        for _ in range(4)
    ]
    leader, twice, other, retrier = RosterEntryFactory.create_batch(4, center=first.venue.center)
    retry_key = idempotency_key_new()
    earlier = _book(first, retrier, key=retry_key)
    held = _HeldSlot(first.pk)
    threads, results = _in_threads(
        [
            lambda: _book(first, leader, key=idempotency_key_new()),
            # The same person and dose twice in one batch: the partial unique index.
            lambda: _book(slots[0], twice, key=idempotency_key_new()),
            lambda: _book(slots[1], twice, key=idempotency_key_new()),
            lambda: _book(slots[2], other, key=idempotency_key_new()),
            # A retry of a booking made earlier: the used key.
            lambda: _book(slots[3], retrier, key=retry_key),
        ]
    )
    _behind_a_held_leader(held, threads)
    assert statements == [4]  # tried together, refused, then written one by one
    assert isinstance(results[0], Booking) and isinstance(results[3], Booking)
    twice_results = results[1:3]
    assert sum(isinstance(r, Booking) for r in twice_results) == 1
    refused = next(r for r in twice_results if isinstance(r, ReservationsError))
    assert "既にあります" in str(refused.message)
    assert isinstance(results[4], Booking) and results[4].pk == earlier.pk
    assert Booking.objects.filter(person=twice).count() == 1
    assert Booking.objects.filter(person=retrier).count() == 1
    for slot in [first, *slots]:
        slot.refresh_from_db()
        assert slot.booked == Booking.objects.filter(slot=slot, status="active").count()
    slots[3].refresh_from_db()
    assert slots[3].booked == 0  # the retry took no second place


@override_settings(RESERVATIONS_BOOKING_LEADERS=2, RESERVATIONS_BOOKING_BATCH=4)
def test_many_threads_combined_over_few_slots_book_exactly_their_capacity(statements):
    import threading

    first = SlotFactory.create(capacity=7, web_capacity=7)
    slots = [first] + [
        SlotFactory.create(venue=first.venue, service=first.service, capacity=7, web_capacity=7)
        for _ in range(3)
    ]
    people = RosterEntryFactory.create_batch(60, center=first.venue.center)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(share):
        barrier.wait(timeout=30)
        for n, person in share:
            try:
                _book(slots[n % 4], person, key=idempotency_key_new())
                label = "ok"
            except ReservationsError:
                label = "full"
            with lock:
                outcomes.append(label)
        connection.close()

    numbered = list(enumerate(people))
    threads = [threading.Thread(target=work, args=(numbered[n::20],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert (outcomes.count("ok"), outcomes.count("full")) == (28, 32)
    for slot in slots:
        slot.refresh_from_db()
        assert slot.booked == slot.booked_web == 7
        assert Booking.objects.filter(slot=slot, status="active").count() == 7
    assert IdempotencyKey.objects.count() == 28
    assert statements and max(statements) <= 4  # combined, never more than the batch size


def test_a_forked_child_starts_with_a_free_empty_line():
    import os

    combiner = sql.BookingCombiner()
    combiner._mutex.acquire()  # another thread of the parent holds it at the fork
    combiner._queue.append(sql._Waiting({"slot_id": 1}))
    combiner._leaders = 2
    pid = os.fork()
    if pid == 0:  # the child: nothing of the parent's line, the mutex free
        free = combiner._mutex.acquire(blocking=False)
        os._exit(0 if free and combiner._queue == [] and combiner._leaders == 0 else 1)
    _, status = os.waitpid(pid, 0)
    combiner._mutex.release()
    assert os.waitstatus_to_exitcode(status) == 0
    assert (len(combiner._queue), combiner._leaders) == (1, 2)  # the parent's unchanged

"""The PostgreSQL one-statement booking (reservations/sql.py): the same rows as the ORM
path, nothing written on a refusal, retries answered with the first booking, in
autocommit and inside a caller's transaction. SQLite takes the ORM path (test_services)."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django.test import override_settings

from madoguchi.audit import context as audit_context
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
    assert _book(slot, second, key=key).person_id == second.pk


def test_a_retry_gets_the_first_booking_even_when_the_slot_filled_meanwhile():
    slot = SlotFactory.create(capacity=1, web_capacity=1)
    person = RosterEntryFactory.create(center=slot.venue.center)
    key = idempotency_key_new()
    first = _book(slot, person, key=key)
    again = _book(slot, person, key=key)  # slot now full AND the person holds a booking
    assert again.pk == first.pk and again.reference == first.reference
    slot.refresh_from_db()
    assert slot.booked == 1
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
    from madoguchi.audit.models import AuditEvent

    slot = SlotFactory.create(capacity=5, web_capacity=5)
    people = RosterEntryFactory.create_batch(3, center=slot.venue.center)
    booked = [_book(slot, p, key=idempotency_key_new()) for p in people]
    deadline = time.monotonic() + 10
    events = AuditEvent.objects.filter(action="reservations.booking.created")
    while AuditOutbox.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert AuditOutbox.objects.count() == 0
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(b.pk) for b in booked)


def test_the_door_lookup_is_one_prepared_statement_reused_per_connection():
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from madoguchi.reservations import sql, throttle

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

"""Booking services: capacity, web quota, idempotency, change keeps the old slot,
one active booking per person and dose, event applications."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Count, Q

from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import (
    Booking,
    BookingChannel,
    BookingStatus,
    EventApplication,
    IdempotencyKey,
    Slot,
)
from madoguchi.reservations.services import (
    application_create,
    application_withdraw,
    booking_cancel,
    booking_change,
    booking_create,
    coupon_normalize,
    idempotency_key_new,
    person_find,
)
from madoguchi.reservations.tests.factories import (
    FUTURE,
    BookingFactory,
    EventFactory,
    RosterEntryFactory,
    SlotFactory,
)
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


def _book(slot, person, channel=BookingChannel.OPERATOR, **kw):
    return booking_create(
        actor=None,
        slot=slot,
        person=person,
        channel=channel,
        idempotency_key=kw.pop("key", None) or idempotency_key_new(),
        **kw,
    )


def _counters(slot: Slot) -> tuple[int, int]:
    slot.refresh_from_db()
    return slot.booked, slot.booked_web


def test_booking_takes_a_place_and_is_audited(audit_trail):
    slot = SlotFactory.create(capacity=3)
    person = RosterEntryFactory.create(center=slot.venue.center)
    booking = _book(
        slot, person, channel=BookingChannel.WEB, phone="090-1234-5678", email="a@example.jp"
    )
    assert booking.status == BookingStatus.ACTIVE
    assert (booking.phone, booking.email, booking.dose) == ("+819012345678", "a@example.jp", 1)
    assert booking.center_id == slot.venue.center_id
    assert len(booking.reference) == 9 and booking.reference[4] == "-"
    assert _counters(slot) == (1, 1)
    events = audit_trail.events()
    assert [e.action for e in events] == ["reservations.booking.created"]
    assert events[0].data["reference"] == booking.reference
    assert "phone" not in events[0].data and "+819012345678" not in str(events[0].data)


def test_full_slot_refuses_and_writes_nothing(audit_trail):
    slot = SlotFactory.create(capacity=2)
    people = RosterEntryFactory.create_batch(3, center=slot.venue.center)
    _book(slot, people[0])
    _book(slot, people[1])
    with pytest.raises(ReservationsError) as exc:
        _book(slot, people[2])
    assert exc.value.field == "slot"
    assert _counters(slot) == (2, 0)
    assert Booking.objects.filter(person=people[2]).count() == 0
    assert len(audit_trail.events()) == 2


def test_web_quota_leaves_places_for_operators():
    slot = SlotFactory.create(capacity=3, web_capacity=1)
    a, b, c = RosterEntryFactory.create_batch(3, center=slot.venue.center)
    _book(slot, a, channel=BookingChannel.WEB)
    with pytest.raises(ReservationsError):
        _book(slot, b, channel=BookingChannel.LINE)
    _book(slot, b, channel=BookingChannel.OPERATOR)
    _book(slot, c, channel=BookingChannel.OPERATOR)
    assert _counters(slot) == (3, 1)


def test_web_booking_waits_for_the_opening_time_operators_do_not():
    slot = SlotFactory.create(opens_at=FUTURE - timedelta(days=1))
    a, b = RosterEntryFactory.create_batch(2, center=slot.venue.center)
    before = FUTURE - timedelta(days=2)
    with pytest.raises(ReservationsError):
        _book(slot, a, channel=BookingChannel.WEB, now=before)
    _book(slot, b, channel=BookingChannel.OPERATOR, now=before)
    _book(slot, a, channel=BookingChannel.WEB, now=FUTURE - timedelta(hours=1))
    assert _counters(slot) == (2, 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eligible": False}, "coupon_number"),
        ({"other_center": True}, "slot"),
        ({"dose": 3}, "dose"),
        ({"started": True}, "slot"),
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_requests_are_refused_with_the_field_at_fault(change, field, audit_trail):
    slot = SlotFactory.create()
    center = CenterFactory.create() if change.get("other_center") else slot.venue.center
    person = RosterEntryFactory.create(center=center, eligible=change.get("eligible") is not False)
    kw = {k: v for k, v in change.items() if k in {"dose", "phone", "email", "language"}}
    if change.get("started"):
        kw["now"] = slot.starts_at
    with pytest.raises(ReservationsError) as exc:
        _book(slot, person, **kw)
    assert exc.value.field == field
    assert _counters(slot) == (0, 0)
    assert Booking.objects.count() == 0 and IdempotencyKey.objects.count() == 0
    assert audit_trail.events() == []


def test_one_active_booking_per_person_and_dose():
    slot1, slot2 = SlotFactory.create(), None
    slot2 = SlotFactory.create(venue=slot1.venue, service=slot1.service)
    person = RosterEntryFactory.create(center=slot1.venue.center)
    _book(slot1, person, dose=1)
    with pytest.raises(ReservationsError) as exc:
        _book(slot2, person, dose=1)
    assert "既にあります" in str(exc.value.message)
    # The refused attempt gave its place back (the whole transaction rolled back).
    assert _counters(slot2) == (0, 0)
    second = _book(slot2, person, dose=2)
    assert second.dose == 2
    assert _counters(slot2) == (1, 0)


def test_the_database_itself_refuses_a_second_active_booking():
    booking = BookingFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory.create(slot=booking.slot, person=booking.person, dose=1)
    # A cancelled one does not count.
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    BookingFactory.create(slot=booking.slot, person=booking.person, dose=1)


def test_the_database_refuses_an_oversold_slot():
    slot = SlotFactory.create(capacity=1, booked=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=2)


def test_retry_with_the_same_key_books_once(audit_trail):
    slot = SlotFactory.create(capacity=5)
    person = RosterEntryFactory.create(center=slot.venue.center)
    key = idempotency_key_new()
    first = _book(slot, person, key=key)
    again = _book(slot, person, key=key)
    third = _book(slot, person, key=key)
    assert first.pk == again.pk == third.pk
    assert _counters(slot) == (1, 0)
    assert Booking.objects.count() == 1
    assert len(audit_trail.events()) == 1


def test_a_key_cannot_be_reused_for_another_action():
    slot = SlotFactory.create()
    person = RosterEntryFactory.create(center=slot.venue.center)
    key = idempotency_key_new()
    booking = _book(slot, person, key=key)
    with pytest.raises(ReservationsError):
        booking_cancel(actor=None, booking=booking, idempotency_key=key)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_missing_key_is_refused():
    slot = SlotFactory.create()
    person = RosterEntryFactory.create(center=slot.venue.center)
    with pytest.raises(ReservationsError):
        booking_create(actor=None, slot=slot, person=person, channel="web", idempotency_key="")
    assert _counters(slot) == (0, 0)


def test_cancel_gives_the_place_back_and_a_retry_is_harmless(audit_trail):
    slot = SlotFactory.create(capacity=1)
    a, b = RosterEntryFactory.create_batch(2, center=slot.venue.center)
    booking = _book(slot, a, channel=BookingChannel.WEB)
    key = idempotency_key_new()
    cancelled = booking_cancel(actor=None, booking=booking, idempotency_key=key)
    assert (cancelled.status, cancelled.cancelled_at is not None) == ("cancelled", True)
    assert _counters(slot) == (0, 0)
    again = booking_cancel(actor=None, booking=booking, idempotency_key=key)
    assert again.pk == booking.pk
    assert _counters(slot) == (0, 0)
    with pytest.raises(ReservationsError):
        booking_cancel(actor=None, booking=booking, idempotency_key=idempotency_key_new())
    assert _counters(slot) == (0, 0)
    _book(slot, b)
    assert [e.action for e in audit_trail.events()] == [
        "reservations.booking.created",
        "reservations.booking.cancelled",
        "reservations.booking.created",
    ]


def test_change_moves_the_booking_in_one_step():
    old = SlotFactory.create(capacity=2)
    new = SlotFactory.create(venue=old.venue, service=old.service, capacity=2)
    person = RosterEntryFactory.create(center=old.venue.center)
    booking = _book(old, person, channel=BookingChannel.WEB, dose=2)
    key = idempotency_key_new()
    moved = booking_change(actor=None, booking=booking, new_slot=new, idempotency_key=key)
    booking.refresh_from_db()
    assert (booking.status, booking.replaced_by_id) == ("changed", moved.pk)
    assert (moved.slot_id, moved.dose, moved.status, moved.person_id) == (
        new.pk,
        2,
        "active",
        person.pk,
    )
    assert _counters(old) == (0, 0) and _counters(new) == (1, 1)
    # Retried: same new booking, no second move.
    assert booking_change(actor=None, booking=booking, new_slot=new, idempotency_key=key) == moved
    assert _counters(new) == (1, 1)


@pytest.mark.parametrize("new_first", [True, False])
def test_change_to_a_full_slot_keeps_the_old_one(new_first, audit_trail):
    """RSV-4, whichever slot has the lower id (the lock order differs)."""
    center = CenterFactory.create()
    first = SlotFactory.create(venue__center=center, capacity=1)
    second = SlotFactory.create(venue=first.venue, service=first.service, capacity=1)
    full, old = (first, second) if new_first else (second, first)
    person, other = RosterEntryFactory.create_batch(2, center=center)
    _book(full, other)
    booking = _book(old, person)
    audit_trail.mark()
    with pytest.raises(ReservationsError) as exc:
        booking_change(
            actor=None, booking=booking, new_slot=full, idempotency_key=idempotency_key_new()
        )
    assert exc.value.field == "slot"
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id, booking.replaced_by_id) == ("active", old.pk, None)
    assert _counters(old) == (1, 0) and _counters(full) == (1, 0)
    assert Booking.objects.filter(person=person).count() == 1
    assert audit_trail.events() == []


def test_change_refuses_the_same_slot_or_another_service():
    slot = SlotFactory.create()
    other_service = SlotFactory.create(venue=slot.venue)
    booking = _book(slot, RosterEntryFactory.create(center=slot.venue.center))
    for target in (slot, other_service):
        with pytest.raises(ReservationsError):
            booking_change(
                actor=None, booking=booking, new_slot=target, idempotency_key=idempotency_key_new()
            )
    assert _counters(slot) == (1, 0) and _counters(other_service) == (0, 0)


def test_person_find_needs_both_coupon_and_birth_date():
    person = RosterEntryFactory.create(coupon_number="1234567890")
    found = person_find(
        center=person.center, coupon_number="１２３４ー５６７８９０", birth_date=person.birth_date
    )
    assert found == person
    messages = set()
    for coupon, born in [
        ("1234567891", person.birth_date),
        ("1234567890", person.birth_date + timedelta(days=1)),
    ]:
        with pytest.raises(ReservationsError) as exc:
            person_find(center=person.center, coupon_number=coupon, birth_date=born)
        messages.add(str(exc.value.message))
    assert len(messages) == 1  # no hint which one was wrong
    with pytest.raises(ReservationsError):
        person_find(
            center=CenterFactory.create(), coupon_number="1234567890", birth_date=person.birth_date
        )


def test_coupon_normalize():
    assert coupon_normalize(" 0012-345 ") == "0012345"
    for bad in ["", "12a4", "1" * 21, "１２三"]:
        with pytest.raises(ReservationsError):
            coupon_normalize(bad)


def test_sqlite_or_postgres_never_oversells_sequentially():
    slot = SlotFactory.create(capacity=7, web_capacity=2)
    people = RosterEntryFactory.create_batch(20, center=slot.venue.center)
    confirmed = 0
    for i, person in enumerate(people):
        channel = BookingChannel.WEB if i % 2 else BookingChannel.OPERATOR
        try:
            _book(slot, person, channel=channel)
            confirmed += 1
        except ReservationsError:
            pass
    assert confirmed == 7
    assert _counters(slot) == (7, 2)
    assert Booking.objects.filter(slot=slot, status="active").count() == 7


# --- threads ----------------------------------------------------------------------


def _storm(slot_pk: int, person_pks: list[int], threads: int, channel: str) -> list[str]:
    """Each thread books its share of people into one slot; returns outcome labels."""
    from madoguchi.reservations.models import RosterEntry

    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def work(share: list[int]) -> None:
        try:
            barrier.wait()
            for pk in share:
                try:
                    slot = Slot.objects.select_related("venue", "service").get(pk=slot_pk)
                    person = RosterEntry.objects.select_related("center").get(pk=pk)
                    _book(slot, person, channel=channel)
                    label = "ok"
                except ReservationsError:
                    label = "full"
                except Exception as exc:  # noqa: BLE001 - e.g. SQLite "database is locked"
                    label = f"error:{type(exc).__name__}"
                with lock:
                    outcomes.append(label)
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=work, args=(person_pks[n::threads],)) for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_many_threads_on_one_postgres_slot_book_exactly_its_capacity():
    slot = SlotFactory.create(capacity=25, web_capacity=25)
    people = RosterEntryFactory.create_batch(120, center=slot.venue.center)
    outcomes = _storm(slot.pk, [p.pk for p in people], threads=24, channel=BookingChannel.WEB)
    assert outcomes.count("ok") == 25
    assert outcomes.count("full") == 95
    assert _counters(slot) == (25, 25)
    assert Booking.objects.filter(slot=slot, status="active").count() == 25
    # Every booking is audited once, in the chain, whatever flusher took it.
    from madoguchi.audit.models import AuditEvent
    from madoguchi.audit.selectors import audit_chain_verify
    from madoguchi.reservations.audit_outbox import audit_outbox_flush_all

    audit_outbox_flush_all()
    created = AuditEvent.objects.filter(action="reservations.booking.created")
    assert sorted(created.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in Booking.objects.filter(slot=slot).values_list("pk", flat=True)
    )
    assert audit_chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_book_once_on_postgres():
    slot = SlotFactory.create(capacity=1)
    person = RosterEntryFactory.create(center=slot.venue.center)
    key = idempotency_key_new()
    results: list[int] = []
    barrier = threading.Barrier(8)

    def retry() -> None:
        try:
            barrier.wait()
            s = Slot.objects.select_related("venue", "service").get(pk=slot.pk)
            results.append(_book(s, person, key=key).pk)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=retry) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert _counters(slot) == (1, 0)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant of the storm")
@pytest.mark.django_db(transaction=True)
def test_threads_on_sqlite_never_oversell():
    """SQLite serializes write transactions (IMMEDIATE); some attempts may fail with
    "locked" under contention, but none may take a place beyond capacity."""
    slot = SlotFactory.create(capacity=10, web_capacity=10)
    people = RosterEntryFactory.create_batch(40, center=slot.venue.center)
    outcomes = _storm(slot.pk, [p.pk for p in people], threads=4, channel=BookingChannel.WEB)
    assert len(outcomes) == 40
    confirmed = outcomes.count("ok")
    assert confirmed <= 10
    assert _counters(slot) == (confirmed, confirmed)
    assert Booking.objects.filter(slot=slot, status="active").count() == confirmed
    over = Slot.objects.filter(~Q(booked__lte=10)).count()
    assert over == 0
    # With retries-on-lock absent, at least the first attempts get through.
    assert confirmed >= 1


def test_counters_match_active_bookings_after_a_mixed_sequence():
    center = CenterFactory.create()
    slots = [SlotFactory.create(venue__center=center, capacity=3) for _ in range(1)]
    slots += [SlotFactory.create(venue=slots[0].venue, service=slots[0].service, capacity=3)]
    people = RosterEntryFactory.create_batch(6, center=center)
    bookings = []
    for person in people:
        try:
            bookings.append(_book(slots[0], person, channel=BookingChannel.WEB))
        except ReservationsError:
            pass
    booking_cancel(actor=None, booking=bookings[0], idempotency_key=idempotency_key_new())
    booking_change(
        actor=None, booking=bookings[1], new_slot=slots[1], idempotency_key=idempotency_key_new()
    )
    for slot in slots:
        slot.refresh_from_db()
    counts = dict(
        Booking.objects.filter(status="active")
        .values_list("slot_id")
        .annotate(n=Count("id"))
        .values_list("slot_id", "n")
    )
    assert [(s.booked, counts.get(s.pk, 0)) for s in slots] == [(1, 1), (1, 1)]


# --- event applications (RSV-11) ------------------------------------------------------


def test_event_applications_respect_capacity_and_party_size(audit_trail):
    event = EventFactory.create(capacity=5, max_party=3)
    a = application_create(
        actor=None,
        event=event,
        name="山田 太郎",
        phone="090-1111-2222",
        party_size=3,
        idempotency_key="k1",
        now=FUTURE - timedelta(days=10),
    )
    with pytest.raises(ReservationsError) as exc:
        application_create(
            actor=None,
            event=event,
            name="佐藤 花子",
            email="h@example.jp",
            party_size=3,
            idempotency_key="k2",
            now=FUTURE - timedelta(days=10),
        )
    assert exc.value.field == "party_size"
    b = application_create(
        actor=None,
        event=event,
        name="佐藤 花子",
        email="h@example.jp",
        party_size=2,
        idempotency_key="k3",
        now=FUTURE - timedelta(days=10),
    )
    event.refresh_from_db()
    assert event.applied == 5 and {a.party_size, b.party_size} == {3, 2}
    application_withdraw(actor=None, application=a, idempotency_key="k4")
    event.refresh_from_db()
    assert event.applied == 2
    assert [e.action for e in audit_trail.events()] == [
        "reservations.application.created",
        "reservations.application.created",
        "reservations.application.withdrawn",
    ]


def test_event_application_refuses_my_number_and_needs_a_contact():
    event = EventFactory.create()
    with pytest.raises(ReservationsError) as exc:
        application_create(
            actor=None,
            event=event,
            name="山田 123456789018",
            phone="090-1111-2222",
            idempotency_key="k1",
        )
    assert exc.value.field == "name"
    with pytest.raises(ReservationsError) as exc:
        application_create(actor=None, event=event, name="山田", idempotency_key="k2")
    assert exc.value.field == "phone"
    assert EventApplication.objects.count() == 0


# --- the audit outbox ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_booking_events_reach_the_audit_chain_right_after_commit():
    from madoguchi.audit.models import AuditEvent
    from madoguchi.audit.selectors import audit_chain_verify
    from madoguchi.reservations.models import AuditOutbox

    slot = SlotFactory.create()
    person = RosterEntryFactory.create(center=slot.venue.center)
    booking = _book(slot, person)
    booking_cancel(actor=None, booking=booking, idempotency_key=idempotency_key_new())
    assert AuditOutbox.objects.count() == 0
    events = list(AuditEvent.objects.filter(action__startswith="reservations.").order_by("seq"))
    assert [(e.action, e.object_id) for e in events] == [
        ("reservations.booking.created", str(booking.pk)),
        ("reservations.booking.cancelled", str(booking.pk)),
    ]
    assert "at" in events[0].data
    assert audit_chain_verify().ok


def test_a_refused_booking_leaves_nothing_in_the_outbox():
    from madoguchi.reservations.models import AuditOutbox

    slot = SlotFactory.create(capacity=1, booked=1)
    with pytest.raises(ReservationsError):
        _book(slot, RosterEntryFactory.create(center=slot.venue.center))
    assert AuditOutbox.objects.count() == 0


def test_references_are_read_out_safely_and_use_every_symbol():
    import re

    from madoguchi.reservations.services import reference_new

    drawn = [reference_new() for _n in range(3000)]
    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", r) for r in drawn)
    symbols = {ch for r in drawn for ch in r.replace("-", "")}
    assert symbols == set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")  # all 31, no 0/O/1/I/L
    assert len(set(drawn)) == len(drawn)
    # Each position is uniform: every symbol turns up in the first and the last place.
    assert {r[0] for r in drawn} == {r[-1] for r in drawn} == symbols

"""Availability reads, the read-back text, slot generation and capacity edits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import BookingChannel, Slot
from madoguchi.reservations.selectors import (
    booking_readback,
    slot_days,
    slot_list,
    venue_day_bookings,
)
from madoguchi.reservations.services import (
    booking_create,
    idempotency_key_new,
    slot_update,
    slots_generate,
)
from madoguchi.reservations.tests.factories import (
    RosterEntryFactory,
    ServiceFactory,
    SlotFactory,
    VenueFactory,
)
from madoguchi.tenancy.calendars import TOKYO

pytestmark = pytest.mark.django_db
DAY = datetime(2031, 6, 2, 9, 0, tzinfo=TOKYO)
NOW = DAY - timedelta(days=30)


def test_slots_generate_a_day_and_refuse_overlaps(audit_trail):
    venue = VenueFactory.create()
    service = ServiceFactory.create(center=venue.center)
    slots = slots_generate(
        actor=None,
        venue=venue,
        service=service,
        first_start=DAY,
        last_start=DAY + timedelta(hours=2),
        minutes=30,
        capacity=20,
        web_capacity=15,
    )
    assert [s.starts_at.astimezone(TOKYO).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]
    assert {(s.capacity, s.web_capacity) for s in slots} == {(20, 15)}
    assert audit_trail.actions() == ["reservations.slot.created"]
    with pytest.raises(ReservationsError) as exc:
        slots_generate(
            actor=None,
            venue=venue,
            service=service,
            first_start=DAY + timedelta(hours=1),
            last_start=DAY + timedelta(hours=3),
            minutes=30,
            capacity=20,
        )
    assert "2031-06-02 10:00" in str(exc.value.message)
    assert Slot.objects.count() == 5


def test_slot_update_never_drops_capacity_below_booked():
    slot = SlotFactory.create(capacity=3)
    for person in RosterEntryFactory.create_batch(2, center=slot.venue.center):
        booking_create(
            actor=None,
            slot=slot,
            person=person,
            channel=BookingChannel.WEB,
            idempotency_key=idempotency_key_new(),
        )
    with pytest.raises(ReservationsError) as exc:
        slot_update(actor=None, slot=slot, capacity=1, web_capacity=1)
    assert exc.value.field == "capacity"
    slot.refresh_from_db()
    assert slot.capacity == 3
    slot_update(actor=None, slot=slot, capacity=2, web_capacity=2)
    assert (slot.capacity, slot.available) == (2, 0)


def test_slot_list_online_respects_quota_opening_and_fullness():
    venue = VenueFactory.create()
    service = ServiceFactory.create(center=venue.center)
    open_slot = SlotFactory.create(venue=venue, service=service, starts_at=DAY)
    SlotFactory.create(venue=venue, service=service, capacity=2, web_capacity=0)
    SlotFactory.create(venue=venue, service=service, opens_at=NOW + timedelta(days=1))
    SlotFactory.create(venue=venue, service=service, capacity=1, booked=1, web_capacity=1)
    center = venue.center
    assert list(slot_list(center=center, online=True, now=NOW)) == [open_slot]
    assert slot_list(center=center, available_only=True, now=NOW).count() == 3
    assert slot_days(center=center, service=service, now=NOW)[0] == DAY.date()


def test_readback_in_japanese_and_english():
    slot = SlotFactory.create(starts_at=DAY, ends_at=DAY + timedelta(minutes=30))
    slot.venue.address = "新潟市中央区西堀通6-866"
    slot.venue.save()
    person = RosterEntryFactory.create(center=slot.venue.center)
    booking = booking_create(
        actor=None,
        slot=slot,
        person=person,
        channel=BookingChannel.OPERATOR,
        idempotency_key=idempotency_key_new(),
        dose=2,
        now=NOW,
    )
    ja = booking_readback(booking).splitlines()
    assert ja[0] == f"予約番号: {booking.reference}"
    assert ja[1] == "日時: 2031-06-02（月） 09:00〜09:30"
    assert ja[2] == f"会場: {slot.venue.name}"
    assert ja[4] == "2回目"
    assert ja[5] == "持ち物: 接種券、本人確認書類、予診票"
    en = booking_readback(booking, language="en").splitlines()
    assert en[0] == f"Booking number: {booking.reference}"
    assert en[1] == "Date and time: 2031-06-02 (Mon) 09:00–09:30"
    assert en[2].startswith("Venue: Civic Hall")
    assert en[-1] == "Please bring: Coupon, photo ID, pre-vaccination questionnaire"
    ko = booking_readback(booking, language="ko").splitlines()
    assert ko[1] == "일시: 2031-06-02 (월) 09:00~09:30"
    zh = booking_readback(booking, language="zh-hans").splitlines()
    assert zh[4] == "第2剂"
    assert list(venue_day_bookings(venue=slot.venue, day=DAY.date())) == [booking]
    assert list(venue_day_bookings(venue=slot.venue, day=DAY.date() + timedelta(1))) == []


def test_demo_data_books_and_is_idempotent(all_scenarios):
    from madoguchi.reservations.demo import reservations_demo_load
    from madoguchi.reservations.models import Event, RosterEntry, Service
    from madoguchi.reservations.services import person_find

    reservations_demo_load()
    counts = (Service.objects.count(), Slot.objects.count(), RosterEntry.objects.count())
    reservations_demo_load()
    assert (Service.objects.count(), Slot.objects.count(), RosterEntry.objects.count()) == counts
    assert counts == (2, 2 * 5 * 6 + 1 * 5 * 5, 60)  # Niigata: 2 venues; Oita: 1
    niigata = all_scenarios["niigata"]
    person = person_find(center=niigata, coupon_number="0000000001", birth_date=date(1950, 4, 1))
    slot = slot_list(center=niigata, online=True).first()
    assert slot is not None and slot.starts_at.astimezone(TOKYO).hour == 9
    booking = booking_create(
        actor=None,
        slot=slot,
        person=person,
        channel=BookingChannel.WEB,
        idempotency_key=idempotency_key_new(),
    )
    assert booking.service.doses == 2
    assert Event.objects.filter(center=all_scenarios["iwaki"]).count() == 1


# --- what the public booking API reads before it books --------------------------------


def _door(person, slot_id, *, born=None, ip="198.51.100.7", now=None):
    from django.utils import timezone

    from madoguchi.reservations.selectors import booking_door

    return booking_door(
        center=person.center,
        coupon=person.coupon_number,
        born=born or person.birth_date,
        slot_id=slot_id,
        ip=ip,
        now=now or timezone.now(),
    )


def test_booking_door_loads_the_person_and_the_slot_with_venue_and_service():
    slot = SlotFactory.create(
        venue__name="いわき市文化センター", service__name="新型コロナワクチン接種", capacity=40
    )
    person = RosterEntryFactory.create(center=slot.venue.center, coupon_number="0012345678")
    door = _door(person, slot.pk)
    assert door.retry_after is None
    assert door.person is not None and door.person.pk == person.pk
    assert (door.person.coupon_number, door.person.birth_date) == ("0012345678", person.birth_date)
    assert door.person.center is person.center  # the caller's center, no extra read
    assert door.slot is not None and door.slot.pk == slot.pk
    assert (door.slot.capacity, door.slot.starts_at) == (40, slot.starts_at)
    assert door.slot.venue.name == "いわき市文化センター"
    assert door.slot.service.name == "新型コロナワクチン接種"
    assert door.slot.venue.center_id == person.center_id


def test_booking_door_wrong_birth_date_and_another_centers_slot_are_none():
    slot = SlotFactory.create()
    elsewhere = SlotFactory.create()  # a venue of another center
    person = RosterEntryFactory.create(center=slot.venue.center, birth_date=date(1950, 4, 1))
    wrong = _door(person, slot.pk, born=date(1950, 4, 2))
    assert (wrong.person, wrong.slot is not None) == (None, True)
    other = _door(person, elsewhere.pk)
    assert (other.person is not None, other.slot) == (True, None)
    assert _door(person, 987654321).slot is None


def test_booking_door_reports_the_throttles_wait(settings):
    from django.utils import timezone

    from madoguchi.reservations import throttle

    settings.BOOKING_LOGIN_COUPON_LIMIT = 3
    settings.BOOKING_LOGIN_WINDOW_MINUTES = 15
    slot = SlotFactory.create()
    person = RosterEntryFactory.create(center=slot.venue.center)
    now = timezone.now()
    for _n in range(2):
        throttle.login_failed(
            center_id=person.center_id, coupon=person.coupon_number, ip="192.0.2.9", now=now
        )
    assert _door(person, slot.pk, now=now).retry_after is None  # 2 of 3
    throttle.login_failed(
        center_id=person.center_id, coupon=person.coupon_number, ip="192.0.2.9", now=now
    )
    later = now + timedelta(minutes=5)
    door = _door(person, slot.pk, ip="203.0.113.1", now=later)  # any address
    assert door.retry_after == 10 * 60
    assert door.retry_after == throttle.login_locked_for(
        center_id=person.center_id, coupon=person.coupon_number, ip="203.0.113.1", now=later
    )
    assert _door(person, slot.pk, now=now + timedelta(minutes=15, seconds=1)).retry_after is None

"""factory_boy factories for reservations (Japanese-looking values via Faker ja_JP).

These write rows directly, without audit events or counter updates: use them for the
*context* of a test (a venue, a slot, a roster entry) and the services for bookings
under test. ``BookingFactory`` does not touch the slot counters; use ``booking_create``
when the counters matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from factory.declarations import LazyAttribute, SelfAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker

from madoguchi.reservations.models import (
    Booking,
    BookingChannel,
    Event,
    EventApplication,
    RosterEntry,
    Service,
    ServiceKind,
    Slot,
    Venue,
)
from madoguchi.tenancy.tests.factories import CenterFactory

# Far enough ahead that "the slot has started" never trips a test.
FUTURE = datetime(2031, 6, 2, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, a Monday


class ServiceFactory(DjangoModelFactory[Service]):
    class Meta:
        model = Service

    center = SubFactory(CenterFactory)
    slug = Sequence(lambda n: f"vaccination-{n}")
    kind = ServiceKind.VACCINATION
    name = "新型コロナワクチン接種"
    name_en = "COVID-19 vaccination"
    doses = 2
    what_to_bring = "接種券、本人確認書類、予診票"
    what_to_bring_en = "Coupon, photo ID, pre-vaccination questionnaire"


class VenueFactory(DjangoModelFactory[Venue]):
    class Meta:
        model = Venue

    center = SubFactory(CenterFactory)
    name = Sequence(lambda n: f"市民会館{n}号室")
    name_en = Sequence(lambda n: f"Civic Hall room {n}")
    address = Faker("address", locale="ja_JP")
    list_email = Sequence(lambda n: f"venue{n}@city.example.jp")


class SlotFactory(DjangoModelFactory[Slot]):
    class Meta:
        model = Slot

    class Params:
        n = Sequence(lambda n: n)

    venue = SubFactory(VenueFactory)
    service = SubFactory(ServiceFactory, center=SelfAttribute("..venue.center"))
    starts_at = LazyAttribute(lambda o: FUTURE + timedelta(minutes=30 * o.n))
    ends_at = LazyAttribute(lambda o: o.starts_at + timedelta(minutes=30))
    capacity = 10
    web_capacity = LazyAttribute(lambda o: o.capacity)
    booked = 0
    booked_web = 0
    opens_at = None


class RosterEntryFactory(DjangoModelFactory[RosterEntry]):
    class Meta:
        model = RosterEntry

    center = SubFactory(CenterFactory)
    coupon_number = Sequence(lambda n: f"{1000000000 + n}")
    birth_date = Faker("date_between", start_date=date(1930, 1, 1), end_date=date(1960, 12, 31))
    eligible = True


class BookingFactory(DjangoModelFactory[Booking]):
    class Meta:
        model = Booking

    reference = Sequence(lambda n: f"T{n:07d}")
    slot = SubFactory(SlotFactory)
    center = SelfAttribute("slot.venue.center")
    service = SelfAttribute("slot.service")
    person = SubFactory(RosterEntryFactory, center=SelfAttribute("..center"))
    dose = 1
    phone = "+819012345678"
    email = Faker("email", locale="ja_JP")
    channel = BookingChannel.WEB
    created_at = LazyAttribute(lambda o: o.slot.starts_at - timedelta(days=7))


class EventFactory(DjangoModelFactory[Event]):
    class Meta:
        model = Event

    class Params:
        n = Sequence(lambda n: n)

    center = SubFactory(CenterFactory)
    title = Sequence(lambda n: f"健康講座 第{n}回")
    place = "市民会館 大ホール"
    starts_at = LazyAttribute(lambda o: FUTURE + timedelta(days=o.n))
    ends_at = LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 30
    max_party = 4


class EventApplicationFactory(DjangoModelFactory[EventApplication]):
    class Meta:
        model = EventApplication

    reference = Sequence(lambda n: f"E{n:07d}")
    event = SubFactory(EventFactory)
    name = Faker("name", locale="ja_JP")
    phone = "+819012345678"
    party_size = 1
    channel = BookingChannel.WEB
    created_at = LazyAttribute(lambda o: o.event.starts_at - timedelta(days=7))

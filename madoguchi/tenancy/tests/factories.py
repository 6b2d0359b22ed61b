"""factory_boy factories for the tenancy models (Japanese-looking values via Faker ja_JP).

These write rows directly, without audit events: use them for the *context* of a test
(another center, a number in the way) and the services for what is under test.
"""

from __future__ import annotations

from datetime import time

from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker

from madoguchi.tenancy.models import (
    Calendar,
    CalendarException,
    Center,
    CenterKind,
    DayType,
    Department,
    ExceptionKind,
    InboundNumber,
    NumberKind,
    OpeningHours,
)


class CalendarFactory(DjangoModelFactory[Calendar]):
    class Meta:
        model = Calendar

    name = Faker("city", locale="ja_JP")
    year_end_closure = True


class OpeningHoursFactory(DjangoModelFactory[OpeningHours]):
    class Meta:
        model = OpeningHours

    calendar = SubFactory(CalendarFactory)
    day_type = DayType.WEEKDAY
    opens = time(8, 30)
    closes = time(17, 15)


class CalendarExceptionFactory(DjangoModelFactory[CalendarException]):
    class Meta:
        model = CalendarException

    calendar = SubFactory(CalendarFactory)
    date = Faker("date_object", locale="ja_JP")
    kind = ExceptionKind.CLOSED
    opens = None
    closes = None
    reason = "臨時休業"


class CenterFactory(DjangoModelFactory[Center]):
    class Meta:
        model = Center

    slug = Sequence(lambda n: f"center-{n}")
    name = LazyAttribute(lambda o: f"{o.city}コールセンター")
    kind = CenterKind.SPECIALIZED
    languages = LazyFunction(lambda: ["ja"])
    calendar = SubFactory(CalendarFactory)

    class Params:
        city = Faker("city", locale="ja_JP")


class InboundNumberFactory(DjangoModelFactory[InboundNumber]):
    """Tokyo numbers 03-5NNN-NNNN: valid for ``phonenumbers`` and unique per sequence."""

    class Meta:
        model = InboundNumber

    class Params:
        n = Sequence(lambda n: n % 1000)

    center = SubFactory(CenterFactory)
    e164 = LazyAttribute(lambda o: f"+8135{o.n:03d}{o.n:04d}")
    display = LazyAttribute(lambda o: f"03-5{o.n:03d}-{o.n:04d}")
    kind = NumberKind.INQUIRY
    label = Faker("company", locale="ja_JP")


class DepartmentFactory(DjangoModelFactory[Department]):
    class Meta:
        model = Department

    center = SubFactory(CenterFactory)
    name = Sequence(lambda n: f"市民課{n}")
    calendar = SubFactory(CalendarFactory)
    address = Faker("address", locale="ja_JP")

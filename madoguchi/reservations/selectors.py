"""Reads of the reservations context. Availability reads use the (venue, starts_at) and
(service, starts_at) indexes (research: 40x faster than a scan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from madoguchi.reservations import sql, throttle
from madoguchi.reservations.models import (
    Booking,
    BookingStatus,
    Event,
    RosterEntry,
    Service,
    Slot,
    Venue,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=TOKYO)
    return start, start + timedelta(days=1)


def service_list(*, center: Center, active_only: bool = True) -> QuerySet[Service]:
    qs = Service.objects.filter(center=center)
    return qs.filter(is_active=True) if active_only else qs


def venue_list(*, center: Center, active_only: bool = True) -> QuerySet[Venue]:
    qs = Venue.objects.filter(center=center)
    return qs.filter(is_active=True) if active_only else qs


def slot_list(
    *,
    center: Center,
    service: Service | None = None,
    venue: Venue | None = None,
    day: date | None = None,
    available_only: bool = False,
    online: bool = False,
    now: datetime | None = None,
) -> QuerySet[Slot]:
    """Slots of a center not yet started, with venue and service, in time order.
    ``online``: only what web/LINE may book (published, open, within the web quota)."""
    now = now or timezone.now()
    qs = Slot.objects.select_related("venue", "service").filter(
        venue__center=center, starts_at__gt=now
    )
    if service is not None:
        qs = qs.filter(service=service)
    if venue is not None:
        qs = qs.filter(venue=venue)
    if day is not None:
        start, end = _day_bounds(day)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    if available_only or online:
        qs = qs.filter(is_active=True, booked__lt=F("capacity"))
    if online:
        qs = qs.filter(is_active=True, booked_web__lt=F("web_capacity")).exclude(opens_at__gt=now)
    return qs.order_by("starts_at", "venue__name", "id")


def slot_list_for_day(*, center: Center, day: date) -> QuerySet[Slot]:
    """All slots of a day (Tokyo), past ones included, for the managers' screen."""
    start, end = _day_bounds(day)
    return (
        Slot.objects.select_related("venue", "service")
        .filter(venue__center=center, starts_at__gte=start, starts_at__lt=end)
        .order_by("venue__name", "starts_at", "id")
    )


def slot_days(
    *, center: Center, service: Service, venue: Venue | None = None, now: datetime | None = None
) -> list[date]:
    """Dates (Tokyo) that still have a free place."""
    days = {
        s.astimezone(TOKYO).date()
        for s in slot_list(
            center=center, service=service, venue=venue, available_only=True, now=now
        ).values_list("starts_at", flat=True)
    }
    return sorted(days)


def slot_get(*, center: Center, pk: int) -> Slot:
    return Slot.objects.select_related("venue", "service", "venue__center").get(
        pk=pk, venue__center=center
    )


@dataclass(frozen=True)
class BookingDoor:
    """What the public booking API checks before it books."""

    retry_after: int | None  # the log-in throttle's wait; None: attempts are allowed
    person: RosterEntry | None  # None: coupon number and birth date do not match
    slot: Slot | None  # None: no such slot at this center; else with venue and service


def booking_door(
    *, center: Center, coupon: str, born: date, slot_id: int, ip: str, now: datetime
) -> BookingDoor:
    """The log-in throttle, the person and the slot for one API booking. On PostgreSQL
    one prepared statement (``sql.door_lookup``): on the public hot path building three
    ORM queries cost more than the booking itself (docs/bookings.md)."""
    if connection.vendor == "postgresql":
        row = sql.door_lookup(
            window_start=throttle.window_start(now),
            limits=throttle.limits_for(center_id=center.pk, coupon=coupon, ip=ip),
            center_id=center.pk,
            coupon=coupon,
            born=born,
            slot_id=slot_id,
        )
        retry_after = throttle.seconds_locked(row.latest_over_limit, now=now)
        person, slot = row.person, row.slot
    else:
        retry_after = throttle.login_locked_for(center_id=center.pk, coupon=coupon, ip=ip, now=now)
        person = RosterEntry.objects.filter(
            center=center, coupon_number=coupon, birth_date=born
        ).first()
        slot = (
            Slot.objects.select_related("venue", "service")
            .filter(pk=slot_id, venue__center=center)
            .first()
        )
    if person is not None:
        person.center = center
    return BookingDoor(retry_after=retry_after, person=person, slot=slot)


def booking_list_for_person(*, person: RosterEntry) -> QuerySet[Booking]:
    return (
        Booking.objects.select_related("slot__venue", "service", "person", "center")
        .filter(person=person)
        .order_by("-created_at", "-id")
    )


def booking_active_for_person(*, person: RosterEntry) -> QuerySet[Booking]:
    return booking_list_for_person(person=person).filter(status=BookingStatus.ACTIVE)


def booking_get(*, center: Center, reference: str) -> Booking:
    return Booking.objects.select_related("slot__venue", "service", "person", "center").get(
        center=center, reference=reference.strip().upper()
    )


def venue_day_bookings(*, venue: Venue, day: date) -> QuerySet[Booking]:
    """Active bookings of a venue on a day (Tokyo), for the venue list (RSV-6)."""
    start, end = _day_bounds(day)
    return (
        Booking.objects.select_related("slot", "service", "person")
        .filter(
            slot__venue=venue,
            slot__starts_at__gte=start,
            slot__starts_at__lt=end,
            status=BookingStatus.ACTIVE,
        )
        .order_by("slot__starts_at", "person__coupon_number")
    )


def event_list(*, center: Center, now: datetime | None = None) -> QuerySet[Event]:
    now = now or timezone.now()
    return Event.objects.filter(center=center, is_active=True, starts_at__gt=now)


_WEEKDAYS = {
    "ja": "月火水木金土日",
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "zh-hans": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    "ko": "월화수목금토일",
}


def booking_readback(booking: Booking, *, language: str = "ja") -> str:
    """What the operator reads to the caller (RSV-3) or the citizen sees: reference,
    date, time, venue and what to bring, in Asia/Tokyo and the given language."""
    slot = booking.slot
    starts = slot.starts_at.astimezone(TOKYO)
    ends = slot.ends_at.astimezone(TOKYO)
    weekday = _WEEKDAYS.get(language, _WEEKDAYS["ja"])[starts.weekday()]
    with override(language):
        lines = [
            _("予約番号: %(reference)s") % {"reference": booking.reference},
            _("日時: %(date)s（%(weekday)s） %(start)s〜%(end)s")
            % {
                "date": f"{starts:%Y-%m-%d}",
                "weekday": weekday,
                "start": f"{starts:%H:%M}",
                "end": f"{ends:%H:%M}",
            },
            _("会場: %(venue)s") % {"venue": slot.venue.name_in(language)},
        ]
        if slot.venue.address:
            lines.append(_("所在地: %(address)s") % {"address": slot.venue.address})
        if booking.service.doses > 1:
            lines.append(_("%(dose)d回目") % {"dose": booking.dose})
        bring = booking.service.what_to_bring_in(language)
        if bring:
            lines.append(_("持ち物: %(bring)s") % {"bring": bring})
    return "\n".join(lines)

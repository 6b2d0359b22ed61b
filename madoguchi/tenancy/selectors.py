"""Reads of the tenancy context: centers, numbers, and whether a center is open."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from madoguchi.tenancy.calendars import CalendarRules, DayHours
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Calendar, Center, Department, InboundNumber

# A calendar with no open day in a year is a configuration error, not a reason to loop.
_SEARCH_DAYS = 366


def _calendar_rules(calendar: Calendar) -> CalendarRules:
    loaded = Calendar.objects.prefetch_related("hours", "exceptions").get(pk=calendar.pk)
    return CalendarRules(loaded)


def center_calendar_rules(center: Center) -> CalendarRules:
    """The center's calendar loaded once, for checking many instants (e.g. an import)."""
    return _calendar_rules(center.calendar)


def calendar_day_hours(*, calendar: Calendar, day: date) -> DayHours:
    return _calendar_rules(calendar).day_hours(day)


def opening_interval(center: Center, day: date) -> tuple[datetime, datetime] | None:
    """The center's opening and closing instants on ``day`` (Asia/Tokyo), or None if closed."""
    return calendar_day_hours(calendar=center.calendar, day=day).interval()


def is_open(center: Center, at: datetime) -> bool:
    """Is the center open at ``at``? Opening time is inside, closing time outside."""
    if at.tzinfo is None:
        raise TenancyError(_("日時にはタイムゾーンが必要です。"))
    return _calendar_rules(center.calendar).is_open(at)


def next_business_day(center: Center, day: date) -> date:
    """The first date after ``day`` on which the center opens."""
    return calendar_next_open_day(calendar=center.calendar, day=day)


def calendar_next_open_day(*, calendar: Calendar, day: date) -> date:
    rules = _calendar_rules(calendar)
    for offset in range(1, _SEARCH_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if rules.day_hours(candidate).is_open_day:
            return candidate
    raise TenancyError(_("1年以内に営業日がありません。営業カレンダーを確認してください。"))


def calendar_is_open(*, calendar: Calendar, at: datetime) -> bool:
    return _calendar_rules(calendar).is_open(at)


def calendar_days(*, calendar: Calendar, start: date, days: int) -> list[DayHours]:
    rules = _calendar_rules(calendar)
    return [rules.day_hours(start + timedelta(days=offset)) for offset in range(days)]


def center_list() -> QuerySet[Center]:
    return (
        Center.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related(
            Prefetch("numbers", queryset=InboundNumber.objects.order_by("kind", "display"))
        )
        .order_by("kind", "slug")
    )


def center_get(*, slug: str) -> Center:
    center = Center.objects.select_related("calendar").filter(slug=slug).first()
    if center is None:
        raise TenancyError(_("センター「%(slug)s」はありません。") % {"slug": slug}, field="center")
    return center


def center_for_number(*, number: str) -> Center | None:
    """The center a dialed number belongs to (CTR-2); None for an unknown number."""
    from madoguchi.tenancy.phone import phone_normalize

    try:
        e164 = phone_normalize(number).e164
    except TenancyError:
        return None
    found = InboundNumber.objects.select_related("center").filter(e164=e164).first()
    return found.center if found else None


def department_list(*, center: Center) -> QuerySet[Department]:
    return (
        Department.objects.filter(center=center)
        .select_related("parent", "calendar")
        .prefetch_related("calendar__hours", "calendar__exceptions")
        .order_by("name")
    )


def departments_open_now(*, center: Center, at: datetime) -> list[tuple[Department, bool]]:
    """Each department of the center with whether its office is open at ``at`` (TEL-5)."""
    return [
        (department, CalendarRules(department.calendar).is_open(at))
        for department in department_list(center=center)
    ]

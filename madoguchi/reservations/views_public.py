"""Citizen booking pages (RSV-2, RSV-4, RSV-7..9): log in with coupon number and birth
date, choose venue, date and slot, confirm, check, change and cancel.

Thin views: every page of a center passes the waiting room first (``admission_required``),
the log-in goes through the throttle, every write is one service call carrying the
idempotency key rendered into the form, and a service's error is shown on the same page
with what the citizen typed. Pages opened from LINE (``?channel=line`` on the entry link,
or LINE's in-app browser) book with channel LINE; they need no JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.audit.services import audit_log
from madoguchi.reservations import audit_actions, selectors, throttle
from madoguchi.reservations.admission import admission_required
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.forms_public import ContactForm, KeyForm, LoginForm
from madoguchi.reservations.models import (
    Booking,
    BookingChannel,
    BookingStatus,
    RosterEntry,
    Service,
    Slot,
)
from madoguchi.reservations.notifications import booking_notify
from madoguchi.reservations.services import (
    booking_cancel,
    booking_change,
    booking_create,
    coupon_normalize,
    idempotency_key_new,
    person_find,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.selectors import center_list

SESSION_KEY = "reservations_public"
# A citizen's log-in lasts half an hour of inactivity (a shared phone at a community hall).
SESSION_SECONDS = 30 * 60
CHOOSER_DAYS = 14


def _person(request: HttpRequest, center: Center) -> RosterEntry | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("center") != center.pk:
        return None
    person_id = data.get("person")
    if not isinstance(person_id, int):
        return None
    return (
        RosterEntry.objects.select_related("center")
        .filter(pk=person_id, center=center, eligible=True)
        .first()
    )


def _channel(request: HttpRequest) -> str:
    data = request.session.get(SESSION_KEY)
    if isinstance(data, dict) and data.get("channel") == BookingChannel.LINE:
        return BookingChannel.LINE
    return BookingChannel.WEB


def _entry_channel(request: HttpRequest) -> str:
    """LINE when the entry link says so (``?channel=line``) or LINE's browser opened it."""
    if request.GET.get("channel", "").lower() == "line":
        return BookingChannel.LINE
    if " Line/" in request.headers.get("User-Agent", ""):
        return BookingChannel.LINE
    return BookingChannel.WEB


CitizenView = Callable[..., HttpResponse]


def citizen_required(view: CitizenView) -> CitizenView:
    """Pass the logged-in person as ``person``; send anybody else to the log-in page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, center: Center, **kwargs: Any) -> HttpResponse:
        person = _person(request, center)
        if person is None:
            return redirect("reservations_public:login", center=center.slug)
        return view(request, *args, center=center, person=person, **kwargs)

    return wrapped


def _context(center: Center, **extra: Any) -> dict[str, Any]:
    language = get_language() or "ja"
    name = center.name_en if language == "en" and center.name_en else center.name
    return {"center": center, "center_name": name, "language": language, **extra}


def _own_booking(person: RosterEntry, reference: str) -> Booking:
    booking = (
        Booking.objects.select_related("slot__venue", "service", "center", "person")
        .filter(person=person, reference=reference.strip().upper())
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def _service(center: Center, slug: str) -> Service:
    service = selectors.service_list(center=center).filter(slug=slug).first()
    if service is None:
        raise Http404
    return service


def _online_slot(center: Center, service: Service, slot_id: int) -> Slot | None:
    return (
        selectors.slot_list(center=center, service=service, online=True).filter(pk=slot_id).first()
    )


# --- pages ------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """The centers taking bookings (not behind the waiting room: one cheap query)."""
    centers = [c for c in center_list() if selectors.service_list(center=c).exists()]
    return render(request, "reservations/public/index.html", {"centers": centers})


@admission_required
def login(request: HttpRequest, center: Center) -> HttpResponse:
    """Coupon number + birth date. Wrong input and a lockout read the same whichever of
    the two was wrong and whether the coupon or the address tripped the throttle."""
    if request.method != "POST":
        if _person(request, center) is not None:
            return redirect("reservations_public:mine", center=center.slug)
        if _entry_channel(request) == BookingChannel.LINE:
            # Only then: a plain visit writes no session row (the page is hot at an opening).
            request.session["reservations_channel"] = BookingChannel.LINE
        return render(request, "reservations/public/login.html", _context(center, form=LoginForm()))
    form = LoginForm(request.POST)
    status = 200
    retry_after: int | None = None
    if form.is_valid():
        now = timezone.now()
        ip = request.META.get("REMOTE_ADDR") or "unknown"
        try:
            coupon = coupon_normalize(form.cleaned_data["coupon_number"])
        except ReservationsError as exc:
            coupon = None
            form.add_error("coupon_number", str(exc.message))
        if coupon is not None:
            retry_after = throttle.login_locked_for(
                center_id=center.pk, coupon=coupon, ip=ip, now=now
            )
            if retry_after is None:
                try:
                    person = person_find(
                        center=center,
                        coupon_number=coupon,
                        birth_date=form.cleaned_data["birth_date"],
                    )
                except ReservationsError as exc:
                    throttle.login_failed(center_id=center.pk, coupon=coupon, ip=ip, now=now)
                    form.add_error(None, str(exc.message))
                else:
                    return _log_in(request, center, person, coupon)
    if retry_after is not None:
        status = 429
        form.add_error(None, _lockout_message(retry_after))
    response = render(
        request, "reservations/public/login.html", _context(center, form=form), status=status
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _lockout_message(retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    return _(
        "入力の誤りが続いたため、しばらくログインを受け付けていません。"
        "%(minutes)d分ほどたってからお試しいただくか、コールセンターへお電話ください。"
    ) % {"minutes": minutes}


def _log_in(request: HttpRequest, center: Center, person: RosterEntry, coupon: str) -> HttpResponse:
    throttle.login_succeeded(center_id=center.pk, coupon=coupon)
    channel = request.session.get("reservations_channel", BookingChannel.WEB)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"center": center.pk, "person": person.pk, "channel": channel}
    request.session.set_expiry(SESSION_SECONDS)
    audit_log(
        action=audit_actions.CITIZEN_LOGGED_IN,
        actor=request.user,
        center=center,
        obj=person,
        data={"channel": channel},
    )
    return redirect("reservations_public:mine", center=center.slug)


@require_POST
@admission_required
def logout(request: HttpRequest, center: Center) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("ログアウトしました。"))
    return redirect("reservations_public:login", center=center.slug)


@admission_required
@citizen_required
def mine(request: HttpRequest, center: Center, person: RosterEntry) -> HttpResponse:
    """The person's bookings and what they can still book."""
    language = get_language() or "ja"
    active = list(selectors.booking_active_for_person(person=person))
    booked = {(b.service_id, b.dose) for b in active}
    bookable = [
        {"service": s, "name": s.name_in(language), "dose": dose}
        for s in selectors.service_list(center=center)
        for dose in range(1, s.doses + 1)
        if (s.pk, dose) not in booked
    ]
    rows = [
        {
            "booking": b,
            "service_name": b.service.name_in(language),
            "slot": _slot_row(b.slot, language),
        }
        for b in active
    ]
    return render(
        request,
        "reservations/public/mine.html",
        _context(center, bookings=rows, bookable=bookable),
    )


def _slot_row(slot: Slot, language: str) -> dict[str, Any]:
    return {
        "slot": slot,
        "starts": slot.starts_at.astimezone(TOKYO),
        "ends": slot.ends_at.astimezone(TOKYO),
        "venue": slot.venue.name_in(language),
        "address": slot.venue.address,
        "left": slot.web_available,
    }


def _chooser(
    request: HttpRequest, center: Center, service: Service, *, exclude: int | None = None
) -> dict[str, Any]:
    """Venue and day filters and the slots of the chosen day with their places left
    now (the POST re-checks in one statement; a stale count only costs a "just taken")."""
    language = get_language() or "ja"
    venues = list(selectors.venue_list(center=center).filter(slots__service=service).distinct())
    venue = next((v for v in venues if str(v.pk) == request.GET.get("venue")), None)
    online = selectors.slot_list(center=center, service=service, venue=venue, online=True)
    if exclude is not None:
        online = online.exclude(pk=exclude)
    days = sorted({s.astimezone(TOKYO).date() for s in online.values_list("starts_at", flat=True)})
    days = days[:CHOOSER_DAYS]
    day: date | None
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = days[0] if days else None
    slots = []
    if day is not None:
        of_day = selectors.slot_list(
            center=center, service=service, venue=venue, day=day, online=True
        )
        if exclude is not None:
            of_day = of_day.exclude(pk=exclude)
        slots = [_slot_row(s, language) for s in of_day]
    return {
        "service_name": service.name_in(language),
        "venues": [{"venue": v, "name": v.name_in(language)} for v in venues],
        "venue": venue,
        "days": days,
        "day": day,
        "slots": slots,
    }


@admission_required
@citizen_required
def choose(
    request: HttpRequest, center: Center, person: RosterEntry, service: str, dose: int
) -> HttpResponse:
    found = _service(center, service)
    if not 1 <= dose <= found.doses:
        raise Http404
    return render(
        request,
        "reservations/public/choose.html",
        _context(center, service=found, dose=dose, mode="book", **_chooser(request, center, found)),
    )


@admission_required
@citizen_required
def confirm(
    request: HttpRequest,
    center: Center,
    person: RosterEntry,
    service: str,
    dose: int,
    slot: int,
) -> HttpResponse:
    """Show the chosen slot, take phone and e-mail, book on POST."""
    found = _service(center, service)
    chosen = _online_slot(center, found, slot)
    language = get_language() or "ja"
    form = ContactForm(request.POST or None, initial={"key": idempotency_key_new()})
    status = 200
    if request.method == "POST" and chosen is not None and form.is_valid():
        try:
            booking = booking_create(
                actor=request.user,
                slot=chosen,
                person=person,
                channel=_channel(request),
                idempotency_key=form.cleaned_data["key"],
                dose=dose,
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                language=language,
            )
        except ReservationsError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = 409 if exc.field == "slot" else 400
        else:
            booking_notify(booking=booking, kind="booked")
            messages.success(request, _("予約が完了しました。"))
            return redirect(
                "reservations_public:detail", center=center.slug, reference=booking.reference
            )
    elif request.method == "POST":
        status = 400 if chosen is not None else 409
    return render(
        request,
        "reservations/public/confirm.html",
        _context(
            center,
            form=form,
            mode="book",
            service_name=found.name_in(language),
            dose=dose,
            doses=found.doses,
            slot=_slot_row(chosen, language) if chosen else None,
            back=reverse(
                "reservations_public:choose",
                kwargs={"center": center.slug, "service": found.slug, "dose": dose},
            ),
        ),
        status=status,
    )


@admission_required
@citizen_required
def detail(
    request: HttpRequest, center: Center, person: RosterEntry, reference: str
) -> HttpResponse:
    booking = _own_booking(person, reference)
    language = get_language() or "ja"
    return render(
        request,
        "reservations/public/detail.html",
        _context(
            center,
            booking=booking,
            active=booking.status == BookingStatus.ACTIVE,
            readback=selectors.booking_readback(booking, language=language),
        ),
    )


@admission_required
@citizen_required
def cancel(
    request: HttpRequest, center: Center, person: RosterEntry, reference: str
) -> HttpResponse:
    booking = _own_booking(person, reference)
    language = get_language() or "ja"
    form = KeyForm(request.POST or None, initial={"key": idempotency_key_new()})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_cancel(
                actor=request.user, booking=booking, idempotency_key=form.cleaned_data["key"]
            )
        except ReservationsError as exc:
            form.add_error(None, str(exc.message))
            status = 409
        else:
            booking_notify(booking=booking, kind="cancelled")
            messages.success(request, _("予約を取り消しました。"))
            return redirect("reservations_public:mine", center=center.slug)
    return render(
        request,
        "reservations/public/cancel.html",
        _context(
            center,
            form=form,
            booking=booking,
            readback=selectors.booking_readback(booking, language=language),
        ),
        status=status,
    )


@admission_required
@citizen_required
def change_choose(
    request: HttpRequest, center: Center, person: RosterEntry, reference: str
) -> HttpResponse:
    booking = _own_booking(person, reference)
    if booking.status != BookingStatus.ACTIVE:
        return redirect(
            "reservations_public:detail", center=center.slug, reference=booking.reference
        )
    return render(
        request,
        "reservations/public/choose.html",
        _context(
            center,
            booking=booking,
            service=booking.service,
            dose=booking.dose,
            mode="change",
            **_chooser(request, center, booking.service, exclude=booking.slot_id),
        ),
    )


@admission_required
@citizen_required
def change_confirm(
    request: HttpRequest, center: Center, person: RosterEntry, reference: str, slot: int
) -> HttpResponse:
    """Move the booking to the chosen slot; when that fails the old one stays (RSV-4)."""
    booking = _own_booking(person, reference)
    chosen = _online_slot(center, booking.service, slot)
    language = get_language() or "ja"
    form = KeyForm(request.POST or None, initial={"key": idempotency_key_new()})
    status = 200
    if request.method == "POST" and chosen is not None and form.is_valid():
        try:
            new = booking_change(
                actor=request.user,
                booking=booking,
                new_slot=chosen,
                idempotency_key=form.cleaned_data["key"],
                channel=_channel(request),
            )
        except ReservationsError as exc:
            form.add_error(None, str(exc.message))
            status = 409
        else:
            booking_notify(booking=new, kind="changed")
            messages.success(request, _("予約を変更しました。"))
            return redirect(
                "reservations_public:detail", center=center.slug, reference=new.reference
            )
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "reservations/public/confirm.html",
        _context(
            center,
            form=form,
            mode="change",
            booking=booking,
            current=_slot_row(booking.slot, language),
            service_name=booking.service.name_in(language),
            dose=booking.dose,
            doses=booking.service.doses,
            slot=_slot_row(chosen, language) if chosen else None,
            back=reverse(
                "reservations_public:change",
                kwargs={"center": center.slug, "reference": booking.reference},
            ),
        ),
        status=status,
    )

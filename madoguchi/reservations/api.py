"""A minimal JSON booking endpoint on the public site: ``POST /booking/api/book``.

It is the HTTP path measured by ``make bench-booking`` and usable by a LIFF/LINE front
end: the body carries the credentials (coupon number + birth date), the slot and the
idempotency key, and the view calls the same ``booking_create`` as every other
channel. Credentials are checked per request, so no session row is written on the hot
path; the waiting room and the login rate limit sit in front of it (bookweb).

Body: ``{"center": "niigata", "coupon_number": "...", "birth_date": "1950-04-01",
"slot": 123, "key": "...", "dose": 1, "channel": "web"|"line"}``.
Answers: 201 ``{"reference", "slot", "status"}`` (also for a replayed key), 400 bad input,
403 unknown person, 404 unknown center/slot, 409 full or already booked. Never a 500
for bad input.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.reservations import throttle
from madoguchi.reservations.admission import (
    BUSY_RETRY_SECONDS,
    admission_apply,
    admission_check,
    center_and_gate_cached,
    not_an_error,
)
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import BookingChannel
from madoguchi.reservations.selectors import booking_door
from madoguchi.reservations.services import PERSON_NOT_FOUND, booking_create, coupon_normalize
from madoguchi.tenancy.models import Center


def _error(status: int, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=status)


@csrf_exempt  # no cookie authenticates this endpoint: the body carries the credentials
@require_POST
def book(request: HttpRequest) -> HttpResponse:
    try:
        body: dict[str, Any] = json.loads(request.body or b"{}")
        born = date.fromisoformat(str(body["birth_date"]))
        slot_id = int(body["slot"])
        dose = int(body.get("dose", 1))
        channel = str(body.get("channel", BookingChannel.WEB))
        center_slug = str(body["center"])
        coupon, key = str(body["coupon_number"]), str(body["key"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "invalid request body")
    if channel not in (BookingChannel.WEB, BookingChannel.LINE):
        return _error(400, "channel must be web or line", "channel")
    found = center_and_gate_cached(center_slug)
    if found is None:
        return _error(404, "unknown center", "center")
    center, gate = found
    # The waiting room (admission.py) guards this door like the booking pages: a client
    # not yet admitted gets 503 + Retry-After and a cookie keeping its place.
    try:
        admission = admission_check(request, center, gate)
        if not admission.admitted:
            return admission_apply(_error(503, "waiting room; try again later"), admission)
        answer = _book(
            request,
            center,
            coupon=coupon,
            key=key,
            born=born,
            slot_id=slot_id,
            dose=dose,
            channel=channel,
        )
    except OperationalError:  # pool exhausted or statement timeout: busy, not an error
        busy = _error(503, "busy; try again later")
        busy["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return busy
    return admission_apply(answer, admission)


def _book(
    request: HttpRequest,
    center: Center,
    *,
    coupon: str,
    key: str,
    born: date,
    slot_id: int,
    dose: int,
    channel: str,
) -> JsonResponse:
    # The log-in throttle of the booking pages (throttle.py) guards this door too: the
    # body carries the same weak secret. A right answer does not reset the count here
    # (no extra write on the hot path); the window does.
    ip, now = request.META.get("REMOTE_ADDR") or "unknown", timezone.now()
    try:
        coupon = coupon_normalize(coupon)
    except ReservationsError as exc:
        return _error(400, str(exc.message), exc.field)
    door = booking_door(center=center, coupon=coupon, born=born, slot_id=slot_id, ip=ip, now=now)
    if door.retry_after is not None:
        locked = _error(429, "too many failed log-ins; try again later")
        locked["Retry-After"] = str(door.retry_after)
        return locked
    if door.person is None:
        throttle.login_failed(center_id=center.pk, coupon=coupon, ip=ip, now=now)
        return _error(403, str(PERSON_NOT_FOUND), "coupon_number")
    if door.slot is None:
        return _error(404, "unknown slot", "slot")
    try:
        booking = booking_create(
            actor=None,
            slot=door.slot,
            person=door.person,
            channel=channel,
            idempotency_key=key,
            dose=dose,
            language=getattr(request, "LANGUAGE_CODE", "ja"),
        )
    except ReservationsError as exc:
        if exc.field != "slot":
            return _error(400, str(exc.message), exc.field)
        conflict = _error(409, str(exc.message), exc.field)  # full, or booked already
        not_an_error(conflict)
        return conflict
    return JsonResponse(
        {"reference": booking.reference, "slot": booking.slot_id, "status": booking.status},
        status=201,
    )

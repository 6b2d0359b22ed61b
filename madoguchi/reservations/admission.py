"""Admission control in front of the public booking pages (RSV-7, REL-3).

A booking window opening draws far more visitors than the slots it releases (Yokohama
2021: twice the planned two million accesses a minute). The booking pages therefore only
serve visitors holding an *admission*; everybody else gets a friendly waiting page.

* Visitors who arrive before the gate's ``opens_at`` join a pre-queue. At the opening
  they are admitted in a random order (their ``sort_key``), so refreshing at 08:59:59
  gains nothing; Queue-it and Cloudflare's waiting room do the same.
* Everybody arriving later is admitted first come, first served, at
  ``rate_per_minute``: each newcomer is given the next free admission time
  (``max(now, gate.next_admit_us)``) under the gate row's lock, so several processes
  never hand out the same time. Under light load a newcomer is admitted at once and never
  sees the waiting page.
* The waiting visitor keeps a signed cookie naming their ticket; once admitted, a signed
  admission cookie (``django.core.signing``, valid ``session_minutes``) lets them through
  without touching the gate again. A tampered or expired cookie is simply not an
  admission.
* The waiting page answers ``503 Service Unavailable`` with ``Retry-After`` (seconds) and
  reloads itself; it is an ordinary, translated page, never an error page. A closed gate
  (the city paused the web booking) answers the same way while operators keep booking.

The operators' console never passes through here: it runs in its own processes
(docs/deployment.md).
"""

from __future__ import annotations

import math
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import OperationalError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.reservations import audit_actions
from madoguchi.reservations.admission_models import AdmissionGate, AdmissionTicket
from madoguchi.reservations.errors import ReservationsError
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.selectors import center_get

ADMIT_SALT = "madoguchi.reservations.admission"
WAIT_SALT = "madoguchi.reservations.waiting"
WAIT_COOKIE_MAX_AGE = 24 * 3600
# A form posted just after the admission ran out is still taken: nothing typed is lost.
POST_GRACE_SECONDS = 300
RETRY_MIN_SECONDS = 2
RETRY_MAX_SECONDS = 30
PREQUEUE_RETRY_MAX_SECONDS = 60
CLOSED_RETRY_SECONDS = 300

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch (exact integer arithmetic, any database)."""
    return (moment - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def admit_cookie_name(center: Center) -> str:
    return f"mdg_admit_{center.pk}"


def wait_cookie_name(center: Center) -> str:
    return f"mdg_wait_{center.pk}"


def interval_us(gate: AdmissionGate) -> int:
    """Microseconds between two admissions at the gate's rate."""
    return 60_000_000 // gate.rate_per_minute


# --- reads ------------------------------------------------------------------------------


def gate_for(center: Center) -> AdmissionGate:
    """The center's gate; created with the installation's defaults on first use."""
    gate, _created = AdmissionGate.objects.get_or_create(
        center=center,
        defaults={
            "rate_per_minute": settings.ADMISSION_RATE_PER_MINUTE,
            "session_minutes": settings.ADMISSION_SESSION_MINUTES,
        },
    )
    return gate


@dataclass(frozen=True)
class AdmissionStatus:
    """Where a ticket stands. ``admit_at`` is None while the pre-queue waits to open."""

    admitted: bool
    admit_at: datetime | None
    prequeue: bool
    opens_at: datetime | None
    ahead: int
    retry_after: int


def admission_status(
    *, gate: AdmissionGate, ticket: AdmissionTicket, now: datetime
) -> AdmissionStatus:
    """Is ``ticket`` admitted at ``now``? If not, how long (``Retry-After``) and how many ahead."""
    step = interval_us(gate)
    now_us = to_us(now)
    if ticket.prequeue:
        assert gate.opens_at is not None  # noqa: S101  (a pre-queue ticket needs an opening)
        if now < gate.opens_at:
            wait = (gate.opens_at - now).total_seconds()
            return AdmissionStatus(
                admitted=False,
                admit_at=None,
                prequeue=True,
                opens_at=gate.opens_at,
                ahead=0,
                retry_after=_clamp(wait, PREQUEUE_RETRY_MAX_SECONDS),
            )
        admit_us = to_us(gate.opens_at) + prequeue_rank(ticket) * step
    else:
        assert ticket.admit_at_us is not None  # noqa: S101  (set when issued)
        admit_us = ticket.admit_at_us
    if admit_us <= now_us:
        return AdmissionStatus(True, from_us(admit_us), ticket.prequeue, gate.opens_at, 0, 0)
    wait_us = admit_us - now_us
    return AdmissionStatus(
        admitted=False,
        admit_at=from_us(admit_us),
        prequeue=ticket.prequeue,
        opens_at=gate.opens_at,
        ahead=math.ceil(wait_us / step),
        retry_after=_clamp(wait_us / 1_000_000, RETRY_MAX_SECONDS),
    )


def prequeue_rank(ticket: AdmissionTicket) -> int:
    """How many pre-queued visitors drew an earlier place than ``ticket`` (0 = first)."""
    earlier = Q(sort_key__lt=ticket.sort_key) | Q(sort_key=ticket.sort_key, pk__lt=ticket.pk)
    return AdmissionTicket.objects.filter(earlier, gate_id=ticket.gate_id, prequeue=True).count()


def _clamp(seconds: float, maximum: int) -> int:
    return max(RETRY_MIN_SECONDS, min(maximum, math.ceil(seconds)))


# --- writes -----------------------------------------------------------------------------


def admission_join(
    *, gate: AdmissionGate, clock: Callable[[], datetime] = timezone.now
) -> AdmissionTicket:
    """Give a newcomer a place in the waiting room.

    The gate row is locked first and the clock read after, so the order of the row lock
    is the order of time: a ticket issued after the opening always sees the complete
    pre-queue (``clock`` is read under the lock; tests pass their own). Before
    ``opens_at`` the ticket draws a random place in the pre-queue. The first ticket after
    the opening *seals* the pre-queue: the later ones are scheduled after all pre-queued
    visitors, one every ``interval_us``.
    """
    with transaction.atomic():
        locked = AdmissionGate.objects.select_for_update().get(pk=gate.pk)
        now = clock()
        if locked.opens_at is not None and now < locked.opens_at:
            locked.prequeue_size += 1
            locked.save(update_fields=["prequeue_size"])
            return AdmissionTicket.objects.create(
                gate=locked, prequeue=True, sort_key=secrets.randbits(62)
            )
        step = interval_us(locked)
        if not locked.sealed:
            start = to_us(locked.opens_at) if locked.opens_at is not None else to_us(now)
            locked.next_admit_us = max(locked.next_admit_us, start + locked.prequeue_size * step)
            locked.sealed = True
        admit_us = max(to_us(now), locked.next_admit_us)
        locked.next_admit_us = admit_us + step
        locked.save(update_fields=["sealed", "next_admit_us"])
        return AdmissionTicket.objects.create(gate=locked, prequeue=False, admit_at_us=admit_us)


def admission_gate_configure(
    *,
    center: Center,
    actor: Any,
    opens_at: datetime | None,
    rate_per_minute: int,
    session_minutes: int,
    closed: bool = False,
) -> AdmissionGate:
    """Set up the waiting room for a new booking window and empty the old queue.

    Admissions already handed out stay valid until their cookie expires.
    """
    if rate_per_minute < 1 or session_minutes < 1:
        raise ReservationsError(
            _("入場数と有効時間は1以上にしてください。"), field="rate_per_minute"
        )
    with transaction.atomic():
        gate = gate_for(center)
        gate = AdmissionGate.objects.select_for_update().get(pk=gate.pk)
        gate.tickets.all().delete()
        gate.opens_at = opens_at
        gate.rate_per_minute = rate_per_minute
        gate.session_minutes = session_minutes
        gate.closed = closed
        gate.prequeue_size = 0
        gate.sealed = False
        gate.next_admit_us = 0
        gate.save()
        _gate_cache.clear()
        audit_log(
            action=audit_actions.ADMISSION_GATE_CONFIGURED,
            actor=actor,
            center=center,
            obj=gate,
            data={
                "opens_at": opens_at.isoformat() if opens_at else None,
                "rate_per_minute": rate_per_minute,
                "session_minutes": session_minutes,
                "closed": closed,
            },
        )
    return gate


def admission_tickets_purge(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete waiting-room tickets nobody can still be holding; returns how many."""
    deleted, _by_model = AdmissionTicket.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


# --- cookies ----------------------------------------------------------------------------


def sign_admission(*, gate: AdmissionGate, ticket_id: int) -> str:
    return signing.dumps({"g": gate.pk, "t": ticket_id}, salt=ADMIT_SALT, compress=True)


# Admission cookies this process has verified: value -> (gate id, signed at, Unix s).
# A visitor sends the same cookie with every request of a session; its signature (HMAC,
# zlib, JSON) is checked once, not per request (~50 µs less per booking request,
# docs/bookings.md). Only cookies that verified are kept, at most _VERIFIED_MAX.
_VERIFIED_MAX = 20_000
_verified: dict[str, tuple[object, int]] = {}


def admission_is_valid(value: str | None, *, gate: AdmissionGate, max_age: int) -> bool:
    """True for an untampered admission cookie of this gate younger than ``max_age`` s."""
    if not value:
        return False
    known = _verified.get(value)
    if known is None:
        try:
            # No max_age here: the age is checked below, on every request.
            payload = signing.loads(value, salt=ADMIT_SALT)
        except signing.BadSignature:
            return False
        if not isinstance(payload, dict):
            return False
        known = (payload.get("g"), signing.b62_decode(value.rsplit(":", 2)[1]))
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[value] = known
    gate_id, signed_at = known
    # As TimestampSigner: older than max_age seconds is expired.
    return gate_id == gate.pk and time.time() - signed_at <= max_age


def _ticket_from_cookie(value: str | None, gate: AdmissionGate) -> AdmissionTicket | None:
    if not value:
        return None
    try:
        payload = signing.loads(value, salt=WAIT_SALT, max_age=WAIT_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("g") != gate.pk:
        return None
    token = payload.get("t")
    if not isinstance(token, str):
        return None
    try:
        return AdmissionTicket.objects.filter(gate=gate, token=uuid.UUID(token)).first()
    except ValueError:
        return None


def _set_cookie(response: HttpResponse, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- the JSON endpoint (api.py) ---------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    """The waiting room's answer for one request of the JSON booking endpoint: served or
    not, how long to wait, and the cookies to set on the response (``admission_apply``)."""

    admitted: bool
    retry_after: int
    cookies: tuple[tuple[str, str, int], ...] = ()
    delete: tuple[str, ...] = ()


# The JSON endpoint reads its center and gate from a per-process cache for a moment:
# two database round trips fewer per booking. A gate changed here clears the cache at
# once; other processes see the change within GATE_CACHE_SECONDS.
GATE_CACHE_SECONDS = 2.0
_gate_cache: dict[str, tuple[float, Center, AdmissionGate]] = {}


def center_and_gate_cached(slug: str) -> tuple[Center, AdmissionGate] | None:
    """The active center ``slug`` and its gate (None for an unknown or inactive center),
    read at most every GATE_CACHE_SECONDS per process. Treat both as read-only."""
    now = time.monotonic()
    cached = _gate_cache.get(slug)
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    center = Center.objects.filter(slug=slug, is_active=True).first()
    if center is None:
        _gate_cache.pop(slug, None)
        return None
    gate = gate_for(center)
    _gate_cache[slug] = (now + GATE_CACHE_SECONDS, center, gate)
    return center, gate


def admission_check(
    request: HttpRequest, center: Center, gate: AdmissionGate | None = None
) -> Admission:
    """The same rules as ``admission_required`` for a request naming its center in the
    body: an admission cookie passes; a newcomer joins the queue (admitted at once under
    light load); a waiting visitor keeps their place through the wait cookie. ``gate``
    may come from ``center_and_gate_cached``: only its settings are read here (a join
    locks and updates the row itself)."""
    gate = gate or gate_for(center)
    if gate.closed:
        return Admission(admitted=False, retry_after=CLOSED_RETRY_SECONDS)
    session_s = gate.session_minutes * 60
    max_age = session_s + (POST_GRACE_SECONDS if request.method == "POST" else 0)
    if admission_is_valid(
        request.COOKIES.get(admit_cookie_name(center)), gate=gate, max_age=max_age
    ):
        return Admission(admitted=True, retry_after=0)
    ticket = _ticket_from_cookie(request.COOKIES.get(wait_cookie_name(center)), gate)
    if ticket is None:
        ticket = admission_join(gate=gate)  # the status below reads no field it changes
    status = admission_status(gate=gate, ticket=ticket, now=timezone.now())
    if not status.admitted:
        waiting = signing.dumps({"g": gate.pk, "t": str(ticket.token)}, salt=WAIT_SALT)
        return Admission(
            admitted=False,
            retry_after=status.retry_after,
            cookies=((wait_cookie_name(center), waiting, WAIT_COOKIE_MAX_AGE),),
        )
    admitted = sign_admission(gate=gate, ticket_id=ticket.pk)
    return Admission(
        admitted=True,
        retry_after=0,
        cookies=((admit_cookie_name(center), admitted, session_s),),
        delete=(wait_cookie_name(center),),
    )


def admission_apply(response: HttpResponse, admission: Admission) -> HttpResponse:
    """Set the cookies ``admission_check`` asked for; a refusal also gets Retry-After."""
    for name, value, max_age in admission.cookies:
        _set_cookie(response, name, value, max_age)
    for name in admission.delete:
        response.delete_cookie(name)
    if not admission.admitted:
        response["Retry-After"] = str(admission.retry_after)
        response["Cache-Control"] = "no-store"
        not_an_error(response)
    return response


# --- the view decorator -----------------------------------------------------------------

View = Callable[..., HttpResponse]


def admission_required(view: View) -> View:
    """Serve ``view`` only to admitted visitors; show the others the waiting page.

    The URL passes the center's slug as ``center``; the view receives the Center.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return _admitted(request, *args, **kwargs)
        except OperationalError:
            # The public process's connection pool is exhausted or a statement ran past
            # the public statement timeout: the visitor gets the busy page, not a 500.
            return _busy_response(request)

    def _admitted(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            center: Center | None = center_get(slug=str(kwargs.get("center", "")))
        except TenancyError:
            center = None
        if center is None or not center.is_active:
            raise Http404
        kwargs["center"] = center
        gate = gate_for(center)
        if gate.closed:
            return _waiting_response(request, center, gate, None, closed=True)
        session_s = gate.session_minutes * 60
        max_age = session_s + (POST_GRACE_SECONDS if request.method == "POST" else 0)
        if admission_is_valid(
            request.COOKIES.get(admit_cookie_name(center)), gate=gate, max_age=max_age
        ):
            return view(request, *args, **kwargs)
        ticket = _ticket_from_cookie(request.COOKIES.get(wait_cookie_name(center)), gate)
        if ticket is None:
            ticket = admission_join(gate=gate)
            gate.refresh_from_db()
        status = admission_status(gate=gate, ticket=ticket, now=timezone.now())
        if not status.admitted:
            response = _waiting_response(request, center, gate, status, closed=False)
            _set_cookie(
                response,
                wait_cookie_name(center),
                signing.dumps({"g": gate.pk, "t": str(ticket.token)}, salt=WAIT_SALT),
                WAIT_COOKIE_MAX_AGE,
            )
            return response
        response = view(request, *args, **kwargs)
        _set_cookie(
            response,
            admit_cookie_name(center),
            sign_admission(gate=gate, ticket_id=ticket.pk),
            session_s,
        )
        response.delete_cookie(wait_cookie_name(center))
        return response

    return wrapped


def _waiting_response(
    request: HttpRequest,
    center: Center,
    gate: AdmissionGate,
    status: AdmissionStatus | None,
    *,
    closed: bool,
) -> HttpResponse:
    retry_after = CLOSED_RETRY_SECONDS if status is None else status.retry_after
    response = render(
        request,
        "reservations/public/waiting.html",
        {
            "center": center,
            "gate": gate,
            "status": status,
            "closed": closed,
            "retry_after": retry_after,
            "wait_minutes": _wait_minutes(status),
        },
        status=503,
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    not_an_error(response)
    return response


def not_an_error(response: HttpResponse) -> None:
    """Keep Django's request logger from writing a line for ``response``: a waiting page
    is the waiting room working, a full slot's 409 an answer (api.py), not a fault; on a
    surge either would write one line per visitor and poll."""
    response._has_been_logged = True  # type: ignore[attr-defined]


BUSY_RETRY_SECONDS = 10


def _busy_response(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "reservations/public/waiting.html",
        {"busy": True, "retry_after": BUSY_RETRY_SECONDS},
        status=503,
    )
    response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    not_an_error(response)
    return response


def _wait_minutes(status: AdmissionStatus | None) -> int | None:
    if status is None or status.admit_at is None:
        return None
    seconds = (status.admit_at - timezone.now()).total_seconds()
    return max(1, math.ceil(seconds / 60))

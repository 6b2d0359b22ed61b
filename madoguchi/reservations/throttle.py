"""The citizen log-in throttle: failed attempts per coupon number and per address.

A coupon number and a birth date are a weak secret (the birth date has ~36,500 values),
so failures are counted in fixed windows both per coupon (an attacker guessing one
person's birth date) and per address (one machine trying many coupons). While either is
over its limit every attempt is refused, right or wrong, with the same message and a
``Retry-After``: the answer never tells which of the two tripped, nor which of coupon
and birth date was wrong. Counters live in the database so every public process shares
them; keys are HMACs, so the table holds no coupon numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from madoguchi.reservations.admission_models import LoginThrottle


def _key(kind: str, value: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"booking-login:{kind}:{value}".encode(), hashlib.sha256
    )
    return digest.hexdigest()


def coupon_key(*, center_id: int, coupon: str) -> str:
    return _key("coupon", f"{center_id}:{coupon}")


def address_key(*, ip: str) -> str:
    return _key("ip", ip)


def _window() -> timedelta:
    return timedelta(minutes=settings.BOOKING_LOGIN_WINDOW_MINUTES)


def limits_for(*, center_id: int, coupon: str, ip: str) -> dict[str, int]:
    """Failure limit per throttle key: the coupon's key first, then the address's."""
    return {
        coupon_key(center_id=center_id, coupon=coupon): settings.BOOKING_LOGIN_COUPON_LIMIT,
        address_key(ip=ip): settings.BOOKING_LOGIN_IP_LIMIT,
    }


def login_locked_for(*, center_id: int, coupon: str, ip: str, now: datetime) -> int | None:
    """Seconds until an attempt may be made again, or None when attempts are allowed."""
    limits = limits_for(center_id=center_id, coupon=coupon, ip=ip)
    rows = LoginThrottle.objects.filter(key__in=limits, window_started_at__gt=window_start(now))
    return seconds_locked(
        max((r.window_started_at for r in rows if r.failures >= limits[r.key]), default=None),
        now=now,
    )


def window_start(now: datetime) -> datetime:
    """Windows that started after this are current."""
    return now - _window()


def seconds_locked(latest_over_limit: datetime | None, *, now: datetime) -> int | None:
    """The wait when the latest current window over its limit started at
    ``latest_over_limit`` (None: no key is over its limit, attempts are allowed)."""
    if latest_over_limit is None:
        return None
    return max(1, math.ceil((latest_over_limit - window_start(now)).total_seconds()))


def login_failed(*, center_id: int, coupon: str, ip: str, now: datetime) -> None:
    """Count one failed attempt for the coupon and for the address."""
    start = window_start(now)
    for key in limits_for(center_id=center_id, coupon=coupon, ip=ip):
        _count(key, now, start)


def login_succeeded(*, center_id: int, coupon: str) -> None:
    """A right answer clears the coupon's count (not the address's: it may be shared)."""
    LoginThrottle.objects.filter(key=coupon_key(center_id=center_id, coupon=coupon)).delete()


def _count(key: str, now: datetime, start: datetime) -> None:
    """Add one failure to ``key``'s current window, or start a new window at 1.

    Conditional UPDATEs, never read-then-write: concurrent failures all count.
    """
    current = LoginThrottle.objects.filter(key=key, window_started_at__gt=start)
    if current.update(failures=F("failures") + 1):
        return
    if LoginThrottle.objects.filter(key=key, window_started_at__lte=start).update(
        window_started_at=now, failures=1
    ):
        return
    try:
        with transaction.atomic():
            LoginThrottle.objects.create(key=key, window_started_at=now, failures=1)
    except IntegrityError:  # another process created it meanwhile: count in its window
        LoginThrottle.objects.filter(key=key).update(failures=F("failures") + 1)

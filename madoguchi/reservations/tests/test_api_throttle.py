"""The JSON booking endpoint sits behind the same log-in throttle as the pages."""

from __future__ import annotations

import json

import pytest

from madoguchi.reservations.models import Booking
from madoguchi.reservations.tests.factories import RosterEntryFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _post(client, ip: str, **body):
    return client.post(
        "/booking/api/book", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def test_guessing_birth_dates_over_the_api_is_throttled(client, settings):
    settings.BOOKING_LOGIN_COUPON_LIMIT = 5
    slot = SlotFactory.create(capacity=5, venue__center__slug="vacc")
    person = RosterEntryFactory.create(center=slot.venue.center)
    body = {"center": "vacc", "coupon_number": person.coupon_number, "slot": slot.pk}
    guesses = [
        _post(client, "198.51.100.3", **body, birth_date=f"1930-01-{day:02d}", key=f"g{day}")
        for day in range(1, 6)
    ]
    right = _post(
        client, "203.0.113.4", **body, birth_date=f"{person.birth_date:%Y-%m-%d}", key="right"
    )
    assert [g.status_code for g in guesses] == [403] * 5
    assert right.status_code == 429
    assert 1 <= int(right["Retry-After"]) <= 15 * 60
    assert Booking.objects.count() == 0

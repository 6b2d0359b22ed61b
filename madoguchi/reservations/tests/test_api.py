"""The JSON booking endpoint used by the HTTP phase of the bench and by LINE."""

from __future__ import annotations

import json

import pytest

from madoguchi.reservations.models import Booking
from madoguchi.reservations.tests.factories import RosterEntryFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _post(client, **body):
    return client.post("/booking/api/book", json.dumps(body), content_type="application/json")


def test_book_replay_full_and_bad_input(client):
    slot = SlotFactory.create(capacity=1, venue__center__slug="vacc")
    person, other = RosterEntryFactory.create_batch(2, center=slot.venue.center)
    body = {
        "center": "vacc",
        "coupon_number": person.coupon_number,
        "birth_date": f"{person.birth_date:%Y-%m-%d}",
        "slot": slot.pk,
        "key": "key-1",
    }
    first = _post(client, **body)
    assert first.status_code == 201
    assert _post(client, **body).json() == first.json()
    assert Booking.objects.count() == 1 and Booking.objects.get().channel == "web"
    full = _post(
        client,
        **{
            **body,
            "coupon_number": other.coupon_number,
            "birth_date": f"{other.birth_date:%Y-%m-%d}",
            "key": "key-2",
        },
    )
    assert (full.status_code, full.json()["field"]) == (409, "slot")
    wrong = _post(client, **{**body, "birth_date": "1900-01-01", "key": "key-3"})
    assert wrong.status_code == 403
    assert _post(client, **{**body, "slot": "x"}).status_code == 400
    assert _post(client, **{**body, "center": "nowhere"}).status_code == 404
    assert client.post("/booking/api/book", "{", content_type="application/json").status_code == 400
    assert client.get("/booking/api/book").status_code == 405
    assert Booking.objects.count() == 1

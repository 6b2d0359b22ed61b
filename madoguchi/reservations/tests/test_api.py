"""The JSON booking endpoint used by the HTTP phase of the bench and by LINE."""

from __future__ import annotations

import json

import pytest

from madoguchi.reservations.models import Booking
from madoguchi.reservations.tests.factories import RosterEntryFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _post(client, **body):
    return client.post("/booking/api/book", json.dumps(body), content_type="application/json")


def test_book_replay_full_and_bad_input(client, caplog):
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
    # A full slot is an answer, not a fault: no warning in the server log.
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == []
    wrong = _post(client, **{**body, "birth_date": "1900-01-01", "key": "key-3"})
    assert wrong.status_code == 403
    assert _post(client, **{**body, "slot": "x"}).status_code == 400
    for beyond in (10**20, -(10**20), 0):  # no such slot, never a 500
        assert _post(client, **{**body, "slot": beyond, "key": "k-big"}).status_code == 404
    assert _post(client, **{**body, "center": "nowhere"}).status_code == 404
    assert client.post("/booking/api/book", "{", content_type="application/json").status_code == 400
    assert client.get("/booking/api/book").status_code == 405
    assert Booking.objects.count() == 1


def test_the_api_sits_behind_the_waiting_room(client):
    from django.test import Client

    from madoguchi.reservations.admission import admission_gate_configure

    slot = SlotFactory.create(capacity=5, venue__center__slug="vacc")
    first, second = RosterEntryFactory.create_batch(2, center=slot.venue.center)
    admission_gate_configure(
        center=slot.venue.center, actor=None, opens_at=None, rate_per_minute=1, session_minutes=5
    )

    def body(person, key):
        return {
            "center": "vacc",
            "coupon_number": person.coupon_number,
            "birth_date": f"{person.birth_date:%Y-%m-%d}",
            "slot": slot.pk,
            "key": key,
        }

    admitted = _post(client, **body(first, "k1"))  # first newcomer: admitted at once
    assert admitted.status_code == 201
    assert admitted.cookies[f"mdg_admit_{slot.venue.center.pk}"].value
    waiting = _post(Client(), **body(second, "k2"))  # the next one: 60 s later at 1/min
    assert waiting.status_code == 503
    assert 2 <= int(waiting["Retry-After"]) <= 30
    assert waiting.json()["error"].startswith("waiting room")
    assert waiting.cookies[f"mdg_wait_{slot.venue.center.pk}"].value
    assert Booking.objects.filter(person=second).count() == 0
    # The admitted client keeps booking with its cookie (another person, another key).
    again = _post(client, **body(second, "k3"))
    assert again.status_code == 201
    admission_gate_configure(
        center=slot.venue.center,
        actor=None,
        opens_at=None,
        rate_per_minute=1,
        session_minutes=5,
        closed=True,
    )
    closed = _post(client, **body(first, "k4"))
    assert (closed.status_code, closed["Retry-After"]) == (503, "300")

"""Console screens: operator booking for callers (RSV-3) with read-back, change and
cancel, proxy entries (RSV-12), slots/venues/roster for managers, venue lists (RSV-6).
Allowed roles get 200, others 403, bad input 400 with the typed value kept."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta

import msoffcrypto
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.interactions.models import Interaction
from madoguchi.reservations.models import Booking, RosterEntry, Slot
from madoguchi.reservations.services import idempotency_key_new
from madoguchi.reservations.tests.factories import (
    RosterEntryFactory,
    ServiceFactory,
    SlotFactory,
    VenueFactory,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db
DAY = datetime(2031, 6, 2, 9, 0, tzinfo=TOKYO)


@pytest.fixture
def center():
    return CenterFactory.create(slug="vacc")


@pytest.fixture
def login(client, center):
    def as_role(role: Role):
        user = user_create(actor=None, username=f"u-{role}", password="x-long-password-1")
        membership_grant(actor=None, user=user, center=center, role=role)
        client.force_login(user)
        return user

    return as_role


@pytest.fixture
def world(center):
    venue = VenueFactory.create(center=center, name="新潟市民プラザ")
    service = ServiceFactory.create(center=center)
    slot = SlotFactory.create(
        venue=venue, service=service, starts_at=DAY, ends_at=DAY + timedelta(minutes=30)
    )
    full = SlotFactory.create(
        venue=venue,
        service=service,
        starts_at=DAY + timedelta(hours=1),
        ends_at=DAY + timedelta(hours=1, minutes=30),
        capacity=1,
        booked=1,
    )
    person = RosterEntryFactory.create(center=center, coupon_number="0000012345")
    return {"venue": venue, "service": service, "slot": slot, "full": full, "person": person}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_operator_finds_books_reads_back_changes_and_cancels(client, login, world, audit_trail):
    login(Role.OPERATOR)
    person = world["person"]
    bad = client.post(
        "/console/bookings/",
        {"coupon_number": "0000012345", "birth_date": "1900-01-01"},
    )
    assert bad.status_code == 400
    assert "接種券番号または生年月日が一致しません。" in _text(bad)
    assert 'value="0000012345"' in _text(bad)
    found = client.post(
        "/console/bookings/",
        {
            "coupon_number": "0000012345",
            "birth_date": f"{person.birth_date:%Y-%m-%d}",
        },
    )
    assert (
        found.status_code == 302 and found["Location"] == f"/console/bookings/person/{person.pk}/"
    )
    page = client.get(found["Location"])
    assert page.status_code == 200
    body = _text(page)
    assert "残り10／定員10" in body and "06/02 09:00〜09:30 新潟市民プラザ" in body
    match = re.search(r'name="key" value="([^"]+)"', body)
    assert match is not None
    key = match.group(1)
    post = {
        "slot": world["slot"].pk,
        "dose": "1",
        "phone": "090-1234-5678",
        "email": "",
        "language": "en",
        "key": key,
    }
    booked = client.post(f"/console/bookings/person/{person.pk}/book/", post)
    assert booked.status_code == 302
    again = client.post(f"/console/bookings/person/{person.pk}/book/", post)  # double click
    assert again["Location"] == booked["Location"]
    booking = Booking.objects.get()
    assert booking.created_by is not None
    assert (booking.channel, booking.created_by.username, booking.language) == (
        "operator",
        "u-operator",
        "en",
    )
    detail = _text(client.get(booked["Location"]))
    assert "日時: 2031-06-02（月） 09:00〜09:30" in detail
    assert "持ち物: 接種券、本人確認書類、予診票" in detail
    assert "Coupon, photo ID" in detail  # the caller's language too
    # Change to the full slot: refused, old slot kept.
    change = client.post(
        f"/console/bookings/b/{booking.reference}/change/",
        {"slot": world["full"].pk, "key": idempotency_key_new()},
    )
    assert change.status_code == 400
    assert "満員" in _text(change)
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id) == ("active", world["slot"].pk)
    cancel = client.post(
        f"/console/bookings/b/{booking.reference}/cancel/", {"key": idempotency_key_new()}
    )
    assert cancel.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    world["slot"].refresh_from_db()
    assert world["slot"].booked == 0
    actions = audit_trail.actions()
    assert actions.count("reservations.booking.created") == 1
    assert "reservations.person.looked_up" in actions
    assert "reservations.booking.viewed" in actions
    assert actions[-1] == "reservations.booking.cancelled"


def test_operator_cannot_open_another_centers_person_or_manage_slots(client, login, world):
    login(Role.OPERATOR)
    stranger = RosterEntryFactory.create()
    assert client.get(f"/console/bookings/person/{stranger.pk}/").status_code == 404
    assert client.get("/console/bookings/slots/").status_code == 403
    assert client.get("/console/bookings/roster/").status_code == 403
    assert client.get("/console/bookings/lists/").status_code == 403


def test_proxy_entry_is_logged_as_an_interaction(client, login, center):
    login(Role.OPERATOR)
    bad = client.post(
        "/console/bookings/proxy/",
        {"system": "県予約システム", "reference": "A-1", "summary": ""},
    )
    assert bad.status_code == 400 and 'value="県予約システム"' in _text(bad)
    ok = client.post(
        "/console/bookings/proxy/",
        {
            "system": "県予約システム",
            "reference": "A-123",
            "summary": "6/2 新潟会場",
        },
    )
    assert ok.status_code == 302
    interaction = Interaction.objects.get()
    assert (interaction.kind, interaction.center_id, interaction.outcome) == (
        "booking",
        center.pk,
        "completed",
    )
    assert "県予約システム" in interaction.summary and "A-123" in interaction.summary


def test_manager_generates_slots_and_cannot_shrink_below_booked(client, login, world):
    login(Role.MANAGER)
    post = {
        "service": world["service"].pk,
        "venue": world["venue"].pk,
        "day": "2031-06-03",
        "first": "09:00",
        "last": "10:00",
        "minutes": "30",
        "capacity": "20",
        "web_capacity": "",
    }
    response = client.post("/console/bookings/slots/", post)
    assert response.status_code == 302
    assert Slot.objects.filter(starts_at__date__gte="2031-06-03").count() == 3
    clash = client.post("/console/bookings/slots/", post)
    assert clash.status_code == 400 and "既にあります" in _text(clash)
    full = world["full"]
    client.post(
        f"/console/bookings/slots/{full.pk}/",
        {"capacity": "0", "web_capacity": "0", "is_active": "on"},
    )
    full.refresh_from_db()
    assert full.capacity == 1
    page = client.get("/console/bookings/slots/?day=2031-06-02")
    assert page.status_code == 200 and "1／1" in _text(page)
    html = page.content.decode()
    # Each slot's own edit form: labelled inputs holding the slot's current values.
    assert f'<label for="slot{full.pk}_capacity">定員' in html
    capacity_input = '<input type="number" name="capacity" value="1" min="1" required'
    assert f'{capacity_input} id="slot{full.pk}_capacity">' in html
    assert f'<label for="slot{full.pk}_web_capacity">Web・LINE枠' in html
    assert f'id="slot{full.pk}_is_active" checked>' in html
    Slot.objects.filter(pk=full.pk).update(is_active=False)
    hidden = client.get("/console/bookings/slots/?day=2031-06-02").content.decode()
    assert f'id="slot{full.pk}_is_active">' in hidden


def test_roster_upload_errors_change_nothing(client, login, center):
    login(Role.MANAGER)
    bad = SimpleUploadedFile(
        "roster.csv", "接種券番号,生年月日\n0000000001,1950-02-30\n".encode("cp932")
    )
    response = client.post("/console/bookings/roster/", {"file": bad})
    assert response.status_code == 400
    assert "2行目「生年月日」" in _text(response)
    assert RosterEntry.objects.count() == 0
    good = SimpleUploadedFile(
        "roster.csv", "接種券番号,生年月日\n0000000001,1950-02-28\n".encode("cp932")
    )
    response = client.post("/console/bookings/roster/", {"file": good})
    assert response.status_code == 200 and "追加 1" in _text(response)
    assert RosterEntry.objects.filter(center=center).count() == 1


def test_supervisor_downloads_an_encrypted_venue_list(client, login, world):
    login(Role.SUPERVISOR)
    response = client.post(
        "/console/bookings/lists/",
        {
            "venue": world["venue"].pk,
            "day": "2031-06-02",
            "format": "xlsx",
            "method": "download",
        },
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    page = _text(client.get("/console/bookings/lists/"))
    match = re.search(r"のパスワード: (\w{12})", page)
    assert match is not None
    password = match.group(1)
    office = msoffcrypto.OfficeFile(io.BytesIO(response.content))
    office.load_key(password=password)
    office.decrypt(io.BytesIO())

"""Venue lists (RSV-6): encrypted Excel and PDF that open only with their password,
Japanese text intact, each delivery audited; e-mail through a real SMTP server."""

from __future__ import annotations

import email
import io
import socket
from datetime import datetime, timedelta

import msoffcrypto
import pytest
from aiosmtpd.controller import Controller
from msoffcrypto.exceptions import InvalidKeyError
from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import BookingChannel
from madoguchi.reservations.services import booking_create, idempotency_key_new
from madoguchi.reservations.tests.factories import RosterEntryFactory, SlotFactory
from madoguchi.reservations.venue_lists import venue_list_build, venue_list_deliver
from madoguchi.tenancy.calendars import TOKYO

pytestmark = pytest.mark.django_db
DAY = datetime(2031, 6, 2, 9, 0, tzinfo=TOKYO)


@pytest.fixture
def booked():
    slot = SlotFactory.create(starts_at=DAY, ends_at=DAY + timedelta(minutes=30))
    slot.venue.name = "新潟市民プラザ"
    slot.venue.save()
    later = SlotFactory.create(
        venue=slot.venue,
        service=slot.service,
        starts_at=DAY + timedelta(hours=1),
        ends_at=DAY + timedelta(hours=1, minutes=30),
    )
    next_day = SlotFactory.create(
        venue=slot.venue, service=slot.service, starts_at=DAY + timedelta(days=1)
    )
    people = RosterEntryFactory.create_batch(3, center=slot.venue.center)
    bookings = [
        booking_create(
            actor=None,
            slot=s,
            person=p,
            channel=BookingChannel.OPERATOR,
            idempotency_key=idempotency_key_new(),
            phone="025-226-1111",
            now=DAY - timedelta(days=5),
        )
        for s, p in zip([later, slot, next_day], people, strict=True)
    ]
    return slot.venue, bookings


def _decrypt_xlsx(content: bytes, password: str) -> list[tuple[object, ...]]:
    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    sheet = load_workbook(plain).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_xlsx_opens_only_with_its_password(booked):
    venue, bookings = booked
    built = venue_list_build(venue=venue, day=DAY.date(), fmt="xlsx")
    assert built.rows == 2 and len(built.password) == 12
    with pytest.raises(Exception):  # noqa: B017 - not a zip: openpyxl cannot read it
        load_workbook(io.BytesIO(built.content))
    office = msoffcrypto.OfficeFile(io.BytesIO(built.content))
    assert office.is_encrypted()
    with pytest.raises(InvalidKeyError):
        office.load_key(password="wrong-password")
        office.decrypt(io.BytesIO())
    rows = _decrypt_xlsx(built.content, built.password)
    assert rows[0][0] == "新潟市民プラザ 2031年06月02日 予約者名簿"
    assert rows[2][:3] == ("時間", "予約番号", "接種券番号")
    # In time order: the 09:00 booking (bookings[1]) before the 10:00 one.
    assert rows[3][:3] == ("09:00〜09:30", bookings[1].reference, bookings[1].person.coupon_number)
    assert rows[4][:2] == ("10:00〜10:30", bookings[0].reference)
    assert rows[3][5] == "+81252261111"
    assert len(rows) == 5


def test_pdf_is_aes_encrypted_and_keeps_japanese_text(booked):
    venue, bookings = booked
    built = venue_list_build(venue=venue, day=DAY.date(), fmt="pdf")
    reader = PdfReader(io.BytesIO(built.content))
    assert reader.is_encrypted
    assert reader.decrypt("wrong-password") == 0
    reader = PdfReader(io.BytesIO(built.content))
    assert reader.decrypt(built.password) != 0
    # pypdf 7 reads fpdf2's UTF-16 ToUnicode map with NUL padding; the glyphs are right.
    text = reader.pages[0].extract_text().replace("\x00", "")
    assert "新潟市民プラザ" in text and "予約者名簿" in text
    assert bookings[1].reference in text and bookings[0].reference in text
    assert bookings[2].reference not in text


def test_passwords_differ_per_delivery_and_each_delivery_is_audited(booked, audit_trail):
    venue, _bookings = booked
    first = venue_list_deliver(
        actor=None, venue=venue, day=DAY.date(), fmt="xlsx", method="download"
    )
    second = venue_list_deliver(
        actor=None, venue=venue, day=DAY.date(), fmt="pdf", method="download"
    )
    assert first.password != second.password
    events = audit_trail.events()
    assert [(e.action, e.kind, e.data["format"], e.data["rows"]) for e in events] == [
        ("reservations.venue_list.delivered", "export", "xlsx", 2),
        ("reservations.venue_list.delivered", "export", "pdf", 2),
    ]
    assert first.password not in str(events[0].data)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_email_delivery_sends_the_file_without_the_password(booked, smtp_server, audit_trail):
    venue, _bookings = booked
    built = venue_list_deliver(actor=None, venue=venue, day=DAY.date(), fmt="xlsx", method="email")
    [message] = smtp_server.messages
    assert message["To"] == venue.list_email
    parts = [p for p in message.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == [built.filename]
    attachment = parts[0].get_payload(decode=True)
    assert _decrypt_xlsx(attachment, built.password)[3][1] is not None
    assert built.password not in message.as_string()
    assert audit_trail.events()[0].data["method"] == "email"


def test_email_failure_is_reported_and_not_audited(booked, settings, audit_trail):
    venue, _bookings = booked
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    with pytest.raises(ReservationsError) as exc:
        venue_list_deliver(actor=None, venue=venue, day=DAY.date(), fmt="pdf", method="email")
    assert exc.value.field == "email"
    assert audit_trail.events() == []

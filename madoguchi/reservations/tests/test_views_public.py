"""The citizen booking pages over HTTP (Django's test client): log-in and its throttle,
book, replay, change (keeping the old slot when the new one is full), cancel, LINE
channel, the waiting room in front of every page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.reservations.admission import (
    admission_gate_configure,
    admit_cookie_name,
    to_us,
)
from madoguchi.reservations.admission_models import AdmissionTicket, LoginThrottle
from madoguchi.reservations.models import Booking, BookingStatus, Slot
from madoguchi.reservations.tasks import booking_mail_task
from madoguchi.reservations.tests.factories import (
    RosterEntryFactory,
    ServiceFactory,
    SlotFactory,
    VenueFactory,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

WRONG = "接種券番号または生年月日が一致しません。"
LOCKED = "入力の誤りが続いたため、しばらくログインを受け付けていません。"


class Site:
    def __init__(self) -> None:
        self.center = CenterFactory.create(slug="niigata-vax")
        self.gate = admission_gate_configure(
            center=self.center, actor=None, opens_at=None, rate_per_minute=60000, session_minutes=20
        )
        self.service = ServiceFactory(center=self.center, slug="covid", doses=2)
        self.venue = VenueFactory(center=self.center, name="新潟市民会館")
        # 10:00 in Tokyo three days ahead: all three slots on one day whatever the hour
        # the test runs (from 22:30 Tokyo time the third slot used to fall on the next
        # day, and the day's list showed two).
        start = (
            (timezone.now() + timedelta(days=3))
            .astimezone(TOKYO)
            .replace(hour=10, minute=0, second=0, microsecond=0)
        )
        self.slots = [
            SlotFactory(
                venue=self.venue,
                service=self.service,
                starts_at=start + timedelta(minutes=30 * i),
                ends_at=start + timedelta(minutes=30 * (i + 1)),
                capacity=1 if i == 2 else 5,
            )
            for i in range(3)
        ]
        self.person = RosterEntryFactory(
            center=self.center, coupon_number="0123456789", birth_date=date(1950, 4, 1)
        )
        self.other = RosterEntryFactory(
            center=self.center, coupon_number="9876543210", birth_date=date(1948, 12, 24)
        )

    def url(self, path: str = "", language: str = "") -> str:
        prefix = f"/{language}" if language else ""
        return f"{prefix}/booking/{self.center.slug}/{path}"


@pytest.fixture
def site():
    return Site()


def login_data(coupon="0123456789", born=date(1950, 4, 1)) -> dict[str, str]:
    return {
        "coupon_number": coupon,
        "birth_year": str(born.year),
        "birth_month": str(born.month),
        "birth_day": str(born.day),
    }


def log_in(client, site, **kwargs):
    response = client.post(site.url(), login_data(**kwargs))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == site.url("mine/")
    return response


def key_of(response) -> str:
    return str(response.context["form"]["key"].value())


def book(client, site, slot, *, phone="090-1234-5678", email="hanako@example.jp", key=None):
    url = site.url(f"book/{site.service.slug}/1/{slot.pk}/")
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"phone": phone, "email": email, "key": key or key_of(page)})


def test_booking_index_lists_centers_with_services(client, site):
    response = client.get("/booking/")
    assert response.status_code == 200
    assert site.url() in response.content.decode()


def test_login_book_check_and_mail(client, site, django_capture_on_commit_callbacks):
    page = client.get(site.url())
    assert page.status_code == 200
    assert admit_cookie_name(site.center) in page.cookies
    log_in(client, site)

    mine = client.get(site.url("mine/"))
    assert "新しく予約する" in mine.content.decode()
    choose = client.get(site.url(f"book/{site.service.slug}/1/"))
    assert [row["left"] for row in choose.context["slots"]] == [5, 5, 1]

    with django_capture_on_commit_callbacks(execute=True):
        response = book(client, site, site.slots[0])

    booking = Booking.objects.get(person=site.person)
    assert response.status_code == 302
    assert response["Location"] == site.url(f"b/{booking.reference}/")
    assert (booking.slot_id, booking.channel, booking.language, booking.phone) == (
        site.slots[0].pk,
        "web",
        "ja",
        "+819012345678",
    )
    assert Slot.objects.get(pk=site.slots[0].pk).booked_web == 1
    detail = client.get(response["Location"])
    assert booking.reference in detail.content.decode()
    assert "新潟市民会館" in detail.content.decode()
    # The confirmation is queued for the worker; the reminder for the day before, 10:00.
    tasks = {t.task_path.rsplit(".", 1)[-1]: t for t in DBTaskResult.objects.all()}
    assert tasks["booking_mail_task"].args_kwargs["args"] == [booking.pk, "booked"]
    reminder = tasks["booking_reminder_task"]
    starts = booking.slot.starts_at.astimezone(timezone.get_default_timezone())
    assert reminder.run_after.astimezone(starts.tzinfo).date() == starts.date() - timedelta(days=1)
    assert reminder.run_after.astimezone(starts.tzinfo).hour == 10
    assert booking_mail_task.call(booking.pk, "booked") is True
    assert mail.outbox[-1].to == ["hanako@example.jp"]
    assert booking.reference in mail.outbox[-1].body


def test_a_replayed_post_books_once(client, site):
    log_in(client, site)
    url = site.url(f"book/{site.service.slug}/1/{site.slots[0].pk}/")
    key = key_of(client.get(url))
    first = client.post(url, {"phone": "0312345678", "email": "", "key": key})
    second = client.post(url, {"phone": "0312345678", "email": "", "key": key})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Booking.objects.filter(person=site.person).count() == 1
    assert Slot.objects.get(pk=site.slots[0].pk).booked == 1


def test_bad_contact_keeps_what_was_typed(client, site):
    log_in(client, site)
    url = site.url(f"book/{site.service.slug}/1/{site.slots[0].pk}/")
    key = key_of(client.get(url))
    response = client.post(url, {"phone": "", "email": "not-an-address", "key": key})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="not-an-address"' in body
    assert Booking.objects.count() == 0


def test_change_keeps_the_old_slot_when_the_new_is_full(client, site):
    log_in(client, site)
    book(client, site, site.slots[0])
    booking = Booking.objects.get(person=site.person)
    # Someone else takes the last place of slot 2 between page and click.
    change_url = site.url(f"b/{booking.reference}/change/{site.slots[2].pk}/")
    page = client.get(change_url)
    assert page.status_code == 200
    Slot.objects.filter(pk=site.slots[2].pk).update(booked=1, booked_web=1)

    response = client.post(change_url, {"key": key_of(page)})

    assert response.status_code == 409
    assert "ご予約は変更前のままです。" in response.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id) == (BookingStatus.ACTIVE, site.slots[0].pk)


def test_change_then_cancel(client, site):
    log_in(client, site)
    book(client, site, site.slots[0])
    old = Booking.objects.get(person=site.person)
    change_url = site.url(f"b/{old.reference}/change/{site.slots[1].pk}/")
    changed = client.post(change_url, {"key": key_of(client.get(change_url))})
    new = Booking.objects.get(person=site.person, status=BookingStatus.ACTIVE)
    assert changed["Location"] == site.url(f"b/{new.reference}/")
    assert new.slot_id == site.slots[1].pk

    cancel_url = site.url(f"b/{new.reference}/cancel/")
    cancelled = client.post(cancel_url, {"key": key_of(client.get(cancel_url))})
    assert cancelled.status_code == 302
    assert not Booking.objects.filter(person=site.person, status=BookingStatus.ACTIVE).exists()
    assert [Slot.objects.get(pk=s.pk).booked for s in site.slots] == [0, 0, 0]


def test_line_entry_books_with_channel_line(client, site):
    client.get(site.url() + "?channel=line")
    log_in(client, site)
    book(client, site, site.slots[0])
    assert Booking.objects.get(person=site.person).channel == "line"


def test_lines_in_app_browser_books_with_channel_line(client, site):
    ua = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0"
    )
    client.get(site.url(), HTTP_USER_AGENT=ua)
    log_in(client, site)
    book(client, site, site.slots[0])
    assert Booking.objects.get(person=site.person).channel == "line"


def test_another_persons_booking_is_not_found(client, site):
    log_in(client, site, coupon="9876543210", born=date(1948, 12, 24))
    book(client, site, site.slots[0])
    theirs = Booking.objects.get(person=site.other)
    client.post(site.url("logout/"))
    log_in(client, site)
    assert client.get(site.url(f"b/{theirs.reference}/")).status_code == 404
    assert client.get(site.url(f"b/{theirs.reference}/cancel/")).status_code == 404


def test_pages_need_a_login(client, site):
    response = client.get(site.url("mine/"))
    assert (response.status_code, response["Location"]) == (302, site.url())


def test_english_pages(client, site):
    response = client.get(site.url(language="en"))
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode()


# --- the log-in throttle ----------------------------------------------------------------


def test_wrong_coupon_and_wrong_birth_date_read_the_same(client, site):
    wrong_birth = client.post(site.url(), login_data(born=date(1950, 4, 2)))
    wrong_coupon = client.post(site.url(), login_data(coupon="1111111111"))
    assert wrong_birth.status_code == wrong_coupon.status_code == 200
    assert wrong_birth.context["form"].non_field_errors() == [WRONG]
    assert wrong_coupon.context["form"].non_field_errors() == [WRONG]


def test_coupon_lockout_refuses_even_the_right_answer_from_any_address(client, site, settings):
    settings.BOOKING_LOGIN_COUPON_LIMIT = 5
    for _ in range(5):
        client.post(site.url(), login_data(born=date(1950, 4, 2)), REMOTE_ADDR="198.51.100.1")

    right = client.post(site.url(), login_data(), REMOTE_ADDR="198.51.100.1")
    elsewhere = client.post(site.url(), login_data(), REMOTE_ADDR="203.0.113.9")

    assert right.status_code == elsewhere.status_code == 429
    assert 1 <= int(right["Retry-After"]) <= 15 * 60
    message = right.context["form"].non_field_errors()
    assert len(message) == 1 and message[0].startswith(LOCKED)
    assert elsewhere.context["form"].non_field_errors() == message
    # Another coupon from the same address is still welcome.
    other = client.post(
        site.url(),
        login_data(coupon="9876543210", born=date(1948, 12, 24)),
        REMOTE_ADDR="198.51.100.1",
    )
    assert other.status_code == 302


def test_address_lockout_reads_like_the_coupon_lockout(client, site, settings):
    settings.BOOKING_LOGIN_COUPON_LIMIT = 5
    settings.BOOKING_LOGIN_IP_LIMIT = 3
    for n in range(3):
        client.post(site.url(), login_data(coupon=f"55555{n}"), REMOTE_ADDR="198.51.100.7")

    blocked = client.post(site.url(), login_data(), REMOTE_ADDR="198.51.100.7")
    fine = client.post(site.url(), login_data(), REMOTE_ADDR="198.51.100.8")

    assert blocked.status_code == 429
    assert blocked.context["form"].non_field_errors()[0].startswith(LOCKED)
    assert fine.status_code == 302


def test_lockout_ends_with_its_window(client, site, settings):
    settings.BOOKING_LOGIN_COUPON_LIMIT = 2
    for _ in range(2):
        client.post(site.url(), login_data(born=date(1950, 4, 2)))
    assert client.post(site.url(), login_data()).status_code == 429
    LoginThrottle.objects.update(window_started_at=timezone.now() - timedelta(minutes=16))
    assert client.post(site.url(), login_data()).status_code == 302


def test_no_coupon_number_is_stored_by_the_throttle(client, site):
    client.post(site.url(), login_data(born=date(1950, 4, 2)))
    keys = list(LoginThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2 and all("0123456789" not in k and len(k) == 64 for k in keys)


# --- the waiting room in front of the pages ----------------------------------------------


def test_waiting_room_answers_503_with_retry_after_then_admits(client, site):
    admission_gate_configure(
        center=site.center, actor=None, opens_at=None, rate_per_minute=1, session_minutes=20
    )
    from django.test import Client

    first, second = Client(), Client()
    assert first.get(site.url()).status_code == 200

    waiting = second.get(site.url())
    assert waiting.status_code == 503
    assert waiting["Retry-After"] == "30"  # a minute's wait, polled every 30 s at most
    assert "順番にご案内しています" in waiting.content.decode()
    assert "Traceback" not in waiting.content.decode()

    # Refreshing keeps the place (the signed waiting cookie), it does not take a new one.
    again = second.get(site.url())
    assert again.status_code == 503
    assert AdmissionTicket.objects.filter(gate__center=site.center).count() == 2

    ticket = AdmissionTicket.objects.filter(gate__center=site.center).order_by("pk").last()
    assert ticket is not None
    ticket.admit_at_us = to_us(timezone.now())
    ticket.save()
    admitted = second.get(site.url())
    assert admitted.status_code == 200
    assert admit_cookie_name(site.center) in admitted.cookies


def test_a_tampered_admission_cookie_is_no_admission(client, site):
    admission_gate_configure(
        center=site.center, actor=None, opens_at=None, rate_per_minute=1, session_minutes=20
    )
    from django.test import Client

    holder = Client()
    value = holder.get(site.url()).cookies[admit_cookie_name(site.center)].value
    intruder = Client()
    intruder.cookies[admit_cookie_name(site.center)] = value[:-3] + "xyz"
    assert intruder.get(site.url()).status_code == 503
    holder_again = holder.get(site.url())
    assert holder_again.status_code == 200


def test_prequeue_page_before_the_opening(client, site):
    opening = timezone.now() + timedelta(hours=1)
    admission_gate_configure(
        center=site.center, actor=None, opens_at=opening, rate_per_minute=600, session_minutes=20
    )
    response = client.get(site.url())
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "受付開始までお待ちください" in response.content.decode()


def test_closed_gate_is_a_friendly_503(client, site):
    admission_gate_configure(
        center=site.center,
        actor=None,
        opens_at=None,
        rate_per_minute=600,
        session_minutes=20,
        closed=True,
    )
    response = client.get(site.url())
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert "ただいまウェブ予約を停止しています" in response.content.decode()


def test_unknown_center_is_the_friendly_404(client):
    response = client.get("/booking/no-such-center/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_an_exhausted_database_pool_gives_the_busy_page(client, site, monkeypatch):
    """A public process out of connections (pool timeout) or past its statement timeout
    raises OperationalError: the visitor gets a 503 with Retry-After, never a 500."""
    from django.db import OperationalError

    from madoguchi.reservations import admission

    def no_connection(**kwargs):
        raise OperationalError("couldn't get a connection after 5.00 sec")

    monkeypatch.setattr(admission, "center_get", no_connection)
    response = client.get(site.url())
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "ただいま大変混み合っています" in response.content.decode()


def test_waiting_pages_are_not_logged_as_server_errors(client, site, caplog):
    admission_gate_configure(
        center=site.center, actor=None, opens_at=None, rate_per_minute=1, session_minutes=20
    )
    from django.test import Client

    Client().get(site.url())
    with caplog.at_level("WARNING", logger="django.request"):
        assert Client().get(site.url()).status_code == 503
    assert [r for r in caplog.records if r.name == "django.request"] == []

"""The citizen booking pages in Debian's Chromium on a phone viewport: log in, book,
change and cancel in Japanese and English, axe-core (WCAG 2.1 AA) on every page of the
flow, the log-in error state and the waiting room."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from madoguchi.reservations.admission import admission_gate_configure
from madoguchi.reservations.models import Booking, BookingStatus
from madoguchi.reservations.tests.factories import (
    RosterEntryFactory,
    ServiceFactory,
    SlotFactory,
    VenueFactory,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.tests.factories import CenterFactory
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    duplicate_ids,
    horizontal_overflow,
    new_page_fixture,
    page_fixture,
    unlabelled_controls,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "ja": {
        "login": "ログイン",
        "new": "新型コロナワクチン接種 1回目",
        "book": "予約する",
        "booked": "予約が完了しました。",
        "change": "日時を変更する",
        "change_to": "この日時に変更する",
        "changed": "予約を変更しました。",
        "cancel": "取り消す",
        "cancel_it": "予約を取り消す",
        "cancelled": "予約を取り消しました。",
        "none": "現在のご予約はありません。",
        "wrong": "接種券番号または生年月日が一致しません。",
        "venue": "新潟市民会館",
    },
    "en": {
        "login": "Log in",
        "new": "COVID-19 vaccination Dose 1",
        "book": "Book",
        "booked": "Your booking is complete.",
        "change": "Change date and time",
        "change_to": "Change to this date and time",
        "changed": "Your booking has been changed.",
        "cancel": "Cancel",
        "cancel_it": "Cancel the booking",
        "cancelled": "Your booking has been cancelled.",
        "none": "You have no bookings.",
        "wrong": "The coupon number or date of birth does not match.",
        "venue": "Niigata Civic Hall",
    },
}


@pytest.fixture
def site(transactional_db):
    center = CenterFactory.create(slug="niigata-vax")
    admission_gate_configure(
        center=center, actor=None, opens_at=None, rate_per_minute=60000, session_minutes=20
    )
    service = ServiceFactory.create(center=center, slug="covid", doses=2)
    venue = VenueFactory.create(center=center, name="新潟市民会館", name_en="Niigata Civic Hall")
    # 10:00 in Tokyo three days ahead: the three slots share a day at any hour of the run.
    start = (
        (timezone.now() + timedelta(days=3))
        .astimezone(TOKYO)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    for i in range(3):
        SlotFactory.create(
            venue=venue,
            service=service,
            starts_at=start + timedelta(minutes=30 * i),
            ends_at=start + timedelta(minutes=30 * (i + 1)),
            capacity=5,
        )
    RosterEntryFactory.create(
        center=center, coupon_number="0123456789", birth_date=date(1950, 4, 1)
    )
    return center


def check_page(page) -> None:
    assert horizontal_overflow(page) is None, "the page scrolls sideways"
    assert unlabelled_controls(page) == []
    assert duplicate_ids(page) == []
    violations = axe_violations(page)
    assert violations == [], violations


def fill_login(page, *, born: date) -> None:
    page.locator("#login_coupon_number").fill("0123456789")
    page.locator("#login_birth_year").select_option(str(born.year))
    page.locator("#login_birth_month").select_option(str(born.month))
    page.locator("#login_birth_day").select_option(str(born.day))


@pytest.mark.parametrize("page", ["phone"], indirect=True)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_log_in_book_change_cancel_on_a_phone(site, live_server, page, language):
    t = TEXT[language]
    prefix = "" if language == "ja" else f"/{language}"
    response = page.goto(f"{live_server.url}{prefix}/booking/{site.slug}/")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    check_page(page)

    # A wrong birth date: the error is shown, announced and accessible.
    fill_login(page, born=date(1950, 4, 2))
    page.get_by_role("button", name=t["login"]).click()
    assert page.get_by_role("alert").first.inner_text().strip() == t["wrong"]
    assert page.locator("#login_coupon_number").input_value() == "0123456789"
    check_page(page)

    fill_login(page, born=date(1950, 4, 1))
    page.get_by_role("button", name=t["login"]).click()
    page.wait_for_url(f"**{prefix}/booking/{site.slug}/mine/")
    check_page(page)

    page.get_by_role("link", name=t["new"]).click()
    page.wait_for_url("**/book/covid/1/")
    check_page(page)
    page.locator("a.slot-choice").first.click()
    page.wait_for_url("**/book/covid/1/*/")
    check_page(page)
    page.locator("#contact_phone").fill("090-1234-5678")
    page.locator("#contact_email").fill("hanako@example.jp")
    page.get_by_role("button", name=t["book"], exact=True).click()
    page.wait_for_url("**/b/*/")
    assert t["booked"] in page.locator("main").inner_text()
    assert t["venue"] in page.locator("pre.readback").inner_text()
    check_page(page)
    first = Booking.objects.get(status=BookingStatus.ACTIVE)
    assert (first.channel, first.language) == ("web", language)

    page.get_by_role("link", name=t["change"]).click()
    page.wait_for_url("**/change/")
    check_page(page)
    page.locator("a.slot-choice").last.click()
    page.wait_for_url("**/change/*/")
    check_page(page)
    page.get_by_role("button", name=t["change_to"]).click()
    page.wait_for_url("**/b/*/")
    assert t["changed"] in page.locator("main").inner_text()
    changed = Booking.objects.get(status=BookingStatus.ACTIVE)
    assert changed.pk != first.pk and changed.slot_id != first.slot_id

    page.get_by_role("link", name=t["cancel"], exact=True).click()
    page.wait_for_url("**/cancel/")
    check_page(page)
    page.get_by_role("button", name=t["cancel_it"]).click()
    page.wait_for_url(f"**{prefix}/booking/{site.slug}/mine/")
    assert t["cancelled"] in page.locator("main").inner_text()
    assert t["none"] in page.locator("main").inner_text()
    check_page(page)
    assert not Booking.objects.filter(status=BookingStatus.ACTIVE).exists()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_waiting_page_is_friendly_and_accessible(site, live_server, new_page, language):
    admission_gate_configure(
        center=site, actor=None, opens_at=None, rate_per_minute=1, session_minutes=20
    )
    prefix = "" if language == "ja" else f"/{language}"
    url = f"{live_server.url}{prefix}/booking/{site.slug}/"
    first = new_page("phone")
    assert first.goto(url).status == 200

    waiting = new_page("phone")
    response = waiting.goto(url)
    assert response is not None and response.status == 503
    assert response.headers["retry-after"] == "30"
    assert waiting.locator("html").get_attribute("lang") == language
    heading = {"ja": "順番にご案内しています", "en": "Please wait for your turn"}[language]
    assert waiting.locator("h1").inner_text() == heading
    # The script shows the switch for the automatic refresh (WCAG 2.2.1).
    assert waiting.locator("#auto-refresh").is_visible()
    assert waiting.locator("#auto-refresh").is_checked()
    check_page(waiting)

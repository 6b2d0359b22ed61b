"""The staff console in a real browser: logging in, form errors, WCAG 2.1 AA (axe-core)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.tenancy.scenarios import scenario_load
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    duplicate_ids,
    page_fixture,
    unlabelled_controls,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kinmokusei-no-kaori-2026"
IWAKI = "いわき市総合コールセンター"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Argon2 is deliberately slow; the live server thread shares these settings.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(transactional_db):
    """Create a user with ``role`` in the いわき center; returns the login ID."""
    center = scenario_load(slug="iwaki")

    def make(role: Role) -> str:
        username = f"test-{role}"
        user = user_create(
            actor=None, username=username, password=PASSWORD, display_name=f"テスト {role.label}"
        )
        membership_grant(actor=None, user=user, center=center, role=role)
        return username

    return make


def log_in(page, base_url, username, password=PASSWORD):
    page.goto(f"{base_url}/console/login/")
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="ログイン", exact=True).click()
    return navigation.value


def test_login_page_is_accessible(live_server, page):
    page.goto(f"{live_server.url}/console/login/")

    assert page.locator("h1").inner_text() == "ログイン"
    violations = axe_violations(page)
    assert violations == [], violations


def test_supervisor_logs_in_to_the_center_home(staff, live_server, page):
    username = staff(Role.SUPERVISOR)

    log_in(page, live_server.url, username)

    page.wait_for_url(f"{live_server.url}/console/")
    assert page.locator("h1").inner_text() == IWAKI
    assert page.get_by_role("button", name="ログアウト").is_visible()
    violations = axe_violations(page)
    assert violations == [], violations


def test_wrong_password_is_refused_and_keeps_the_login_id(staff, live_server, page):
    username = staff(Role.SUPERVISOR)

    response = log_in(page, live_server.url, username, password="not-the-password-1")

    assert response is not None and response.status == 400
    assert (
        page.get_by_role("alert").inner_text() == "ログインIDまたはパスワードが正しくありません。"
    )
    assert page.get_by_label("ログインID").input_value() == username
    assert page.get_by_label("パスワード").input_value() == ""
    violations = axe_violations(page)
    assert violations == [], violations


def add_number_details(page):
    return page.locator("details").filter(has=page.get_by_text("着信番号を追加", exact=True))


def submit_invalid_number(page, base_url, username):
    log_in(page, base_url, username)
    page.goto(f"{base_url}/console/center/")
    adding = add_number_details(page)
    adding.get_by_text("着信番号を追加", exact=True).click()
    adding.get_by_label("電話番号").fill("0246-22-111")
    with page.expect_navigation() as navigation:
        adding.get_by_role("button", name="追加", exact=True).click()
    return navigation.value


def test_invalid_inbound_number_shows_the_error_and_keeps_the_input(staff, live_server, page):
    username = staff(Role.MANAGER)

    response = submit_invalid_number(page, live_server.url, username)

    assert response is not None and response.status == 400
    adding = add_number_details(page)
    assert adding.get_attribute("open") is not None
    assert "電話番号として正しくありません" in adding.locator(".field-error").inner_text()
    assert adding.get_by_label("電話番号").input_value() == "0246-22-111"


def test_field_error_is_announced_with_its_field(staff, live_server, page):
    submit_invalid_number(page, live_server.url, staff(Role.MANAGER))

    field = add_number_details(page).get_by_label("電話番号")
    expect(field).to_have_attribute("aria-invalid", "true", timeout=2_000)
    # A screen reader reads the error when the field gets focus (aria-describedby).
    expect(field).to_have_accessible_description(
        re.compile("電話番号として正しくありません"), timeout=2_000
    )
    violations = axe_violations(page)
    assert violations == [], violations


def test_center_page_forms_are_accessible(staff, live_server, page):
    log_in(page, live_server.url, staff(Role.MANAGER))
    page.goto(f"{live_server.url}/console/center/")
    for summary in page.locator("details > summary").all():
        summary.click()

    assert page.locator("details[open]").count() == 3
    violations = axe_violations(page)
    assert violations == [], violations
    assert duplicate_ids(page) == []
    assert unlabelled_controls(page) == []

"""The staffing console in a real browser: calculator, plan edit with the keyboard, what-if
and the weekly seats report, each checked with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.scenarios import scenario_load
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    page_fixture,
)
from madoguchi.workforce.models import StaffingPlan, StaffingSettings
from madoguchi.workforce.tests.factories import CallIntervalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "hinoki-no-kaori-2026"


@pytest.fixture(autouse=True)
def _wired(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(transactional_db):
    center = scenario_load(slug="iwaki")
    StaffingSettings.objects.create(center=center, history_weeks=2)
    for day in (11, 27):
        month = 5 if day == 11 else 4
        CallIntervalFactory(
            center=center,
            start=datetime(2026, month, day, 9, 30, tzinfo=TOKYO),
            offered=20,
            answered=18,
        )
    user = user_create(actor=None, username="sv", password=PASSWORD)
    membership_grant(actor=None, user=user, center=center, role=Role.SUPERVISOR)
    return center


def log_in(page, base_url):
    page.goto(f"{base_url}/console/login/")
    page.get_by_label("ログインID").fill("sv")
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン", exact=True).click()


def test_calculator_and_plan_in_the_browser(world, live_server, page):
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/console/staffing/")
    page.locator("#calc_calls_per_hour").fill("200")
    page.locator("#calc_aht").fill("180")
    page.locator("#calc_target").select_option("agents")
    page.locator("#calc_target_value").fill("14")
    with page.expect_navigation():
        page.get_by_role("button", name="計算").click()
    table = page.locator("table.staffing-result")
    expect(table).to_contain_text("アーラン C")
    expect(table).to_contain_text("17.41%")
    expect(table).to_contain_text("7.84 秒")
    assert axe_violations(page) == []

    page.goto(f"{base}/console/staffing/day/?date=2026-05-18")
    with page.expect_navigation():
        page.get_by_role("button", name="この日の予測と計画を作成").click()
    expect(page.locator("table.staffing-day")).to_contain_text("09:30–10:30")
    planned = page.get_by_label("計画要員（09:30–10:30）")
    planned.fill("7")
    with page.expect_navigation():
        page.get_by_role("button", name="計画要員数を保存").click()
    expect(page.locator(".messages")).to_contain_text("1 件変更")
    assert (
        StaffingPlan.objects.get(start=datetime(2026, 5, 18, 9, 30, tzinfo=TOKYO)).planned_agents
        == 7
    )
    with page.expect_navigation():
        page.get_by_role("button", name="シミュレーションを実行").click()
    expect(page.locator("table.whatif")).to_contain_text("1日（入電数で加重）")
    violations = axe_violations(page)
    assert violations == [], violations

    page.goto(f"{base}/console/staffing/seats/?date=2026-05-18")
    expect(page.locator("h1")).to_contain_text("週間の席数報告")
    expect(page.locator("table.seats").first).to_contain_text("計画 7.0 人時")
    violations = axe_violations(page)
    assert violations == [], violations

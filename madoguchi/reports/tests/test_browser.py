"""The report screen in a real browser: WCAG 2.1 AA (axe-core), the charts drawn, and
the encrypted download — the password shown once, the saved file opening with it."""

from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.reports.tests.sample import sample_builder_fixture  # noqa: F401
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


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(transactional_db):
    center = scenario_load(slug="iwaki")
    user = user_create(actor=None, username="kanri", password=PASSWORD, display_name="管理 花子")
    membership_grant(actor=None, user=user, center=center, role=Role.MANAGER)
    return "kanri"


def log_in(page, base_url, username):
    page.goto(f"{base_url}/console/login/")
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン", exact=True).click()


def test_report_screen_is_accessible_and_the_encrypted_download_opens(
    manager, sample_builder, live_server, page
):
    log_in(page, live_server.url, manager)
    page.get_by_role("link", name="レポート").first.click()
    page.get_by_role("link", name="月報").click()
    page.get_by_label("対象日（期間に含まれる日）").fill("2026-10-15")
    with page.expect_navigation():
        page.get_by_role("button", name="表示").click()
    assert page.locator("h1").inner_text() == "月報 2026年10月"
    charts = page.get_by_role("img")
    assert charts.count() == 3
    assert charts.first.get_attribute("aria-labelledby") == "chart-0-0"
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert axe_violations(page) == []
    assert unlabelled_controls(page) == []
    assert duplicate_ids(page) == []
    if os.environ.get("MADOGUCHI_SCREENSHOTS"):
        page.screenshot(path=os.environ["MADOGUCHI_SCREENSHOTS"] + "/report.png", full_page=True)

    page.get_by_label("PDF").check()
    page.get_by_label("パスワード付きで出力する", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="ダウンロード").click()
    password = page.locator("#report-password").inner_text()
    assert len(password) == 12
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="iwaki-monthly-20261001.pdf を保存").click()
    download = download_info.value
    assert download.suggested_filename == "iwaki-monthly-20261001.pdf"
    content = download.path().read_bytes()
    reader = PdfReader(io.BytesIO(content))
    assert reader.is_encrypted and reader.decrypt(password) != 0
    assert "受電状況" in reader.pages[1].extract_text().replace("\x00", "")


def test_settings_page_with_recipients_is_accessible(manager, live_server, page):
    log_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/console/reports/settings/")
    page.get_by_label("報告書（必須）").select_option("daily")
    page.get_by_label("送付先メールアドレス（必須）").fill("shimin@city.iwaki.example")
    page.get_by_label("氏名・所属（任意）").fill("市民課")
    with page.expect_navigation():
        page.get_by_role("button", name="送付先を追加").click()
    row = page.get_by_role("row", name="日報 shimin@city.iwaki.example 市民課")
    assert row.count() == 1
    assert axe_violations(page) == []
    assert unlabelled_controls(page) == []
    assert duplicate_ids(page) == []

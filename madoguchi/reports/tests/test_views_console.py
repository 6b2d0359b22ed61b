"""The report screens: who sees which report, the report on screen for a period,
downloads (plain and encrypted, audited) and the delivery history."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import msoffcrypto
import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.reports import audit_actions
from madoguchi.reports.models import ReportDelivery
from madoguchi.reports.tests.sample import (  # noqa: F401
    no_annual_builder_fixture,
    sample_builder_fixture,
)

PASSWORD = "kinmokusei-no-kaori-2026"


def _search(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, pattern
    return found


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, center):
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


def test_report_list_by_role(client, iwaki, make_user, sample_builder, no_annual_builder):
    url = reverse("console:reports_console:home")
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    page = client.get(url).content.decode()
    assert '<a href="/console/reports/monthly/">月報</a>' in page
    assert '<a href="/console/reports/personal_data/">個人情報取扱状況報告</a>' in page
    assert "年報<small>（準備中）</small>" in page  # no builder registered in this test
    assert 'href="/console/reports/"' in page  # the navigation entry
    assert 'href="/console/reports/settings/"' in page  # managers set the KPI options

    client.force_login(make_user("shokuin", Role.CITY_STAFF, iwaki))
    page = client.get(url).content.decode()
    assert "月報" in page
    assert "個人情報取扱状況報告" not in page
    assert "/console/reports/settings/" not in page
    assert (
        client.get(reverse("console:reports_console:detail", args=["personal_data"])).status_code
        == 403
    )

    client.force_login(make_user("sysadmin", Role.SYSADMIN, iwaki))
    page = client.get(url).content.decode()
    assert "個人情報取扱状況報告" in page and "/console/reports/monthly/" not in page
    assert (
        client.get(reverse("console:reports_console:detail", args=["monthly"])).status_code == 403
    )

    client.force_login(make_user("op", Role.OPERATOR, iwaki))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_report_screen_shows_sections_tables_svg_charts_and_definitions(
    client, iwaki, make_user, sample_builder, audit_trail
):
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    audit_trail.mark()
    page = client.get(
        reverse("console:reports_console:detail", args=["monthly"]), {"date": "2026-10-15"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>月報 2026年10月</h1>" in html
    assert sample_builder[-1][1].first == date(2026, 10, 1)
    assert sample_builder[-1][1].last == date(2026, 10, 31)
    assert '<h2 id="section-1">受電状況</h2>' in html
    assert '<td class="num">95.0%</td>' in html  # percent column
    assert html.count('<svg class="report-chart"') == 3
    assert '<title id="chart-0-0">時間帯別の着信数と応答数</title>' in html
    assert html.count("<rect") > 20  # bars drawn
    assert "<polyline" in html and "<path d=" in html  # line and pie
    # Text that came from records is escaped, never markup.
    assert "=SUM(A1) 住民税の納付方法 0" in html
    assert '<h2 id="definitions">定義</h2>' in html
    assert "<dt>受電応答率</dt><dd>応答数 ÷ 総着信呼数（受付時間内）</dd>" in html
    assert 'href="?date=2026-09-30"' in html and 'href="?date=2026-11-01"' in html
    [event] = audit_trail.events()
    assert event.action == audit_actions.REPORT_VIEWED
    assert event.data == {"kind": "monthly", "first": "2026-10-01", "last": "2026-10-31"}


def test_bad_date_falls_back_to_the_latest_period_with_a_message(
    client, iwaki, make_user, sample_builder
):
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    page = client.get(
        reverse("console:reports_console:detail", args=["daily"]), {"date": "2026-13-45"}
    )
    assert page.status_code == 200
    assert "日付は YYYY-MM-DD の形で入力してください" in page.content.decode()
    assert 'value="2026-13-45"' in page.content.decode()  # what was typed is kept
    assert (
        client.get(reverse("console:reports_console:detail", args=["nonsense"])).status_code == 404
    )


def test_report_without_builder_says_so(client, iwaki, make_user, no_annual_builder):
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    page = client.get(reverse("console:reports_console:detail", args=["annual"]))
    assert page.status_code == 200
    assert "この報告書はまだ作成できません。" in page.content.decode()


def test_plain_download_is_a_file_and_audited(
    client, iwaki, make_user, sample_builder, audit_trail
):
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    audit_trail.mark()
    response = client.post(
        reverse("console:reports_console:download", args=["monthly"]),
        {"date": "2026-10-01", "fmt": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iwaki-monthly-20261001.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames[-1] == "定義"
    [event] = audit_trail.events()
    assert event.action == audit_actions.REPORT_DOWNLOADED
    assert event.data["format"] == "xlsx" and event.data["encrypted"] is False


def test_encrypted_download_shows_the_password_once_and_the_file_opens_with_it(
    client, iwaki, make_user, sample_builder, audit_trail
):
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    audit_trail.mark()
    url = reverse("console:reports_console:download", args=["monthly"])
    response = client.post(url, {"date": "2026-10-01", "fmt": "pdf", "encrypt": "on"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    password = _search(r'id="report-password">([^<]+)<', html).group(1)
    assert len(password) == 12
    data = _search(r'href="data:application/pdf;base64,([^"]+)"', html).group(1)
    content = base64.b64decode(data)
    reader = PdfReader(io.BytesIO(content))
    assert reader.is_encrypted and reader.decrypt("wrong") == 0
    reader = PdfReader(io.BytesIO(content))
    assert reader.decrypt(password) != 0
    # A second download gets another password.
    again = client.post(url, {"date": "2026-10-01", "fmt": "xlsx", "encrypt": "on"})
    html = again.content.decode()
    second = _search(r'id="report-password">([^<]+)<', html).group(1)
    assert second != password
    xlsx = base64.b64decode(_search(r";base64,([^\"]+)\"", html).group(1))
    office = msoffcrypto.OfficeFile(io.BytesIO(xlsx))
    office.load_key(password=second)
    plain = io.BytesIO()
    office.decrypt(plain)
    assert load_workbook(plain).sheetnames[0] == "受電状況"
    assert [e.data["encrypted"] for e in audit_trail.events()] == [True, True]
    assert password not in str([e.data for e in audit_trail.events()])


def test_bad_download_input_is_refused_with_a_message(
    client, iwaki, make_user, sample_builder, audit_trail
):
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    audit_trail.mark()
    url = reverse("console:reports_console:download", args=["monthly"])
    response = client.post(url, {"date": "2026-10-01", "fmt": "docx"})
    assert response.status_code == 400
    assert "形式と期間を選び直してください" in response.content.decode()
    assert client.get(url).status_code == 405
    client.force_login(make_user("shokuin", Role.CITY_STAFF, iwaki))
    audit_trail.mark()
    assert (
        client.post(
            reverse("console:reports_console:download", args=["personal_data"]),
            {"date": "2026-10-01", "fmt": "pdf"},
        ).status_code
        == 403
    )
    assert audit_trail.actions() == []


def test_delivery_history_is_listed(client, iwaki, make_user, sample_builder):
    ReportDelivery.objects.create(
        center=iwaki,
        kind="monthly",
        period_kind="month",
        period_first=date(2026, 10, 1),
        period_last=date(2026, 10, 31),
        fmt="xlsx",
        recipients=["kouhou@city.iwaki.example"],
        status="failed",
        error="メールを送信できませんでした。",
    )
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    html = client.get(reverse("console:reports_console:home")).content.decode()
    assert "2026-10-01〜2026-10-31" in html
    assert "kouhou@city.iwaki.example" in html
    assert "送付失敗：メールを送信できませんでした。" in html

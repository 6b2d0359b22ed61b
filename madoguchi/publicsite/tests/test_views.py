"""Citizen pages through the test client: languages, content, friendly errors."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import RequestFactory

from madoguchi.publicsite import views
from madoguchi.tenancy.calendars import TOKYO


@pytest.mark.parametrize(
    ("path", "lang", "h1"),
    [
        ("/", "ja", "市民コールセンター"),
        ("/en/", "en", "City Call Center"),
        ("/zh-hans/", "zh-hans", "市民呼叫中心"),
        ("/ko/", "ko", "시민 콜센터"),
    ],
)
def test_homepage_in_four_languages(client, all_scenarios, path, lang, h1):
    response = client.get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in body
    assert re.findall(r"<h1>(.*?)</h1>", body) == [h1]


def test_root_is_japanese_even_for_an_english_browser(client, all_scenarios):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja">' in body


def test_homepage_lists_centers_numbers_and_hours(client, all_scenarios):
    body = client.get("/").content.decode()
    general = body.index("総合コールセンター</h2>")
    specialized = body.index("専用コールセンター</h2>")
    assert general < body.index("いわき市総合コールセンター") < specialized
    assert specialized < body.index("大分市マイナンバーカードコールセンター")
    assert '<a class="tel" href="tel:+81246221111">0246-22-1111</a>' in body
    assert "08:30–19:00" in body  # Iwaki weekdays
    assert "09:00–18:00" in body  # Sapporo weekdays


def test_english_page_uses_english_center_names(client, all_scenarios):
    body = client.get("/en/").content.decode()
    assert "Iwaki City General Contact Center" in body
    assert "Weekdays" in body


def test_homepage_without_centers_says_so(client, db):
    body = client.get("/").content.decode()
    assert "現在ご案内できるコールセンターはありません。" in body


def test_open_status_follows_the_calendar(client, all_scenarios, settings, monkeypatch):
    from django.utils import timezone

    # Monday 2026-01-05 10:00 JST: every weekday center is open; Saturday 2026-01-10 10:00:
    # Oita and Sapporo are closed.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 1, 10, 10, tzinfo=TOKYO))
    body = client.get("/").content.decode()
    assert body.count("ただいま受付中です") == 2  # Iwaki and Niigata
    assert body.count("ただいま受付時間外です") == 2


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body
    assert "Traceback" not in body


def test_server_error_page_is_friendly_and_bilingual(db):
    response = views.server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "しばらくしてからもう一度お試しください。" in body
    assert "Please try again in a few minutes." in body

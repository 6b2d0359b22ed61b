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


# --- WEB-1: FAQ search, ranking, statistics, inquiry link, delay notice ----------------


@pytest.fixture
def faq_home(all_scenarios):
    from madoguchi.knowledge import services_public
    from madoguchi.knowledge.models import ViewChannel
    from madoguchi.knowledge.tests.factories import FaqTextFactory, PublishedFaqFactory
    from madoguchi.tenancy.models import Center

    iwaki = Center.objects.get(slug="iwaki")
    faqs = {}
    for code, question, en in [
        ("IW-1", "住民票の写しはどこで取れますか", "Where can I get a residence certificate?"),
        ("IW-2", "粗大ごみの出し方", ""),
        ("IW-3", "国民健康保険の加入手続き", ""),
    ]:
        faq = PublishedFaqFactory.create(center=iwaki, code=code, text_ja=None)
        FaqTextFactory.create(faq=faq, language="ja", question=question, answer="回答です。")
        if en:
            FaqTextFactory.create(faq=faq, language="en", question=en, answer="Answer.")
        faqs[code] = faq
    now = timezone_now()
    for n in range(3):
        services_public.faq_view_record(faq=faqs["IW-2"], session_key=f"c{n}", at=now)
    services_public.faq_view_record(faq=faqs["IW-1"], session_key="c9", at=now)
    for n in range(5):  # operators looking things up: not in the public ranking
        services_public.faq_view_record(
            faq=faqs["IW-3"], session_key=f"op{n}", channel=ViewChannel.STAFF, at=now
        )
    for n in range(4):
        services_public.faq_vote_record(faq=faqs["IW-1"], session_key=f"v{n}", helpful=n < 3)
    return faqs


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_homepage_offers_faq_search_ranking_and_statistics(client, faq_home):
    body = client.get("/").content.decode()
    assert 'action="/faq/iwaki/search/"' in body
    assert 'data-suggest-url="/faq/iwaki/suggest/"' in body
    ranking = body[body.index('id="home-ranking-heading"') : body.index('id="home-stats-heading"')]
    links = re.findall(r'<a href="(/faq/iwaki/IW-\d)/"', ranking)
    assert links == ["/faq/iwaki/IW-2", "/faq/iwaki/IW-1"]  # IW-3 had staff views only
    assert "4件の評価のうち3件が「役に立った」（75%）でした。" in body


def test_homepage_faq_part_in_english(client, faq_home):
    body = client.get("/en/").content.decode()
    assert 'action="/en/faq/iwaki/search/"' in body
    assert "Where can I get a residence certificate?" in body
    assert '<a href="/en/faq/iwaki/IW-2/" lang="ja">粗大ごみの出し方</a>' in body
    assert "3 of 4 ratings said “helpful” (75%)." in body


@pytest.mark.parametrize(("path", "inquiry"), [("/", "/inquiry/"), ("/ko/", "/ko/inquiry/")])
def test_homepage_links_the_inquiry_form(client, all_scenarios, path, inquiry):
    body = client.get(path).content.decode()
    assert f'<a class="button primary" href="{inquiry}">' in body


def test_homepage_without_faqs_leaves_the_faq_part_out(client, all_scenarios):
    body = client.get("/").content.decode()
    assert "faq-search" not in body
    assert "総合コールセンター</h2>" in body


def test_homepage_about_the_centers(client, all_scenarios):
    body = client.get("/").content.decode()
    assert "市の代表電話5回線の電話交換と、市政に関するお問い合わせにお答えします。" in body


def test_delay_notice_shows_when_a_center_switches_it_on(client, all_scenarios):
    from madoguchi.inbox.models import InboxSettings

    assert "delay-notice" not in client.get("/").content.decode()

    InboxSettings.objects.update_or_create(
        center=all_scenarios["iwaki"], defaults={"delay_notice": True, "delay_days": 3}
    )
    body = client.get("/").content.decode()
    assert "メール・Webフォームへの回答が遅れています" in body
    assert f"{all_scenarios['iwaki'].name}: 回答まで3営業日ほどかかっています。" in body
    assert "delay-notice" in client.get("/en/").content.decode()


def test_each_center_card_links_its_inquiry_form_and_survey(client, all_scenarios):
    body = client.get("/").content.decode()
    for slug in ("iwaki", "niigata", "oita", "sapporo"):
        assert f'href="/inquiry/{slug}/"' in body
        assert f'href="/inquiry/{slug}/survey/"' in body
    assert 'href="/en/inquiry/oita/survey/"' in client.get("/en/").content.decode()


def test_expired_form_page_is_friendly_and_translated(db, settings):
    from django.test import Client

    settings.CSRF_FAILURE_VIEW = "madoguchi.publicsite.views.csrf_failure"
    response = Client(enforce_csrf_checks=True).post("/en/faq/any/F-1/vote/", {"helpful": "yes"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "This page has expired" in body
    assert '<html lang="en">' in body

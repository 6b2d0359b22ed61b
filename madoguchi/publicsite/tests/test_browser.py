"""The citizen pages in a real browser: languages, phone layout, WCAG 2.1 AA (axe-core)."""

from __future__ import annotations

import pytest

from madoguchi.accounts.demo import demo_load
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    horizontal_overflow,
    page_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_H1 = {
    "ja": "市民コールセンター",
    "en": "City Call Center",
    "zh-hans": "市民呼叫中心",
    "ko": "시민 콜센터",
}


# The switcher names each language in itself, whatever the page's language.
LANGUAGE_NAMES = ["日本語", "English", "简体中文", "한국어"]


def home_url(base: str, language: str) -> str:
    return f"{base}/" if language == "ja" else f"{base}/{language}/"


@pytest.fixture
def demo(transactional_db):
    return demo_load()


@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
@pytest.mark.parametrize("language", list(HOME_H1))
def test_home_in_each_language_is_accessible(demo, live_server, page, language):
    response = page.goto(home_url(live_server.url, language))

    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == HOME_H1[language]
    # The demo centers are listed (a page without them would trivially pass axe).
    assert page.locator("article.center-card").count() == 4
    assert horizontal_overflow(page) is None, "the page scrolls sideways"
    violations = axe_violations(page)
    assert violations == [], violations


def test_language_switcher_names_each_language_in_itself(live_server, page):
    names = {}
    for language in HOME_H1:
        page.goto(home_url(live_server.url, language))
        switcher = page.locator("nav.languages")
        names[language] = switcher.get_by_role("link").all_inner_texts()

    assert names == {language: LANGUAGE_NAMES for language in HOME_H1}


def test_language_switch_leads_to_english(demo, live_server, page):
    page.goto(f"{live_server.url}/")

    switcher = page.get_by_role("navigation", name="言語")
    english = switcher.get_by_role("link", name="English", exact=True)
    assert english.count() == 1, f"no link named English in {switcher.inner_text()!r}"
    english.click()

    page.wait_for_url(f"{live_server.url}/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == HOME_H1["en"]


@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
def test_not_found_page_is_friendly_and_accessible(live_server, page):
    response = page.goto(f"{live_server.url}/no-such-page/")

    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "ページが見つかりません"
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Page not found" not in body
    assert page.get_by_role("link", name="ホームへ戻る").is_visible()
    assert horizontal_overflow(page) is None, "the page scrolls sideways"
    violations = axe_violations(page)
    assert violations == [], violations

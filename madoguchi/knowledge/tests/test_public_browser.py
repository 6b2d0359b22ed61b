"""The public FAQ site in Debian's Chromium on a phone: suggestions while typing, opening
an FAQ, voting, switching language, search without JavaScript, and WCAG 2.1 AA (axe)."""

from __future__ import annotations

import pytest

from madoguchi.knowledge.models import Axis, FaqVote
from madoguchi.knowledge.tests.factories import (
    FaqCategoryFactory,
    FaqLinkFactory,
    FaqTextFactory,
    PublishedFaqFactory,
)
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

LANGUAGES = ["ja", "en", "zh-hans", "ko"]
JUMINHYO = {
    "ja": "住民票の写しはどこで取れますか",
    "en": "Where can I get a copy of my residence certificate?",
    "zh-hans": "在哪里可以领取住民票副本？",
    "ko": "주민표 사본은 어디서 받을 수 있습니까?",
}
THANKS = {
    "ja": "ご回答ありがとうございました。",
    "en": "Thank you for your answer.",
}


def prefix(language: str) -> str:
    return "" if language == "ja" else f"/{language}"


@pytest.fixture
def faq_site(transactional_db, monkeypatch):
    from madoguchi.tenancy.scenarios import scenario_load

    monkeypatch.setenv("MADOGUCHI_SEARCH_MODEL", "off")
    center = scenario_load(slug="iwaki")
    scenario_load(slug="oita")  # a specialized center on the homepage
    moving = FaqCategoryFactory.create(
        center=center,
        axis=Axis.LIFE_EVENT,
        slug="moving",
        name="引っ越し",
        name_en="Moving",
        name_zh_hans="搬家",
        name_ko="이사",
    )
    juminhyo = PublishedFaqFactory.create(center=center, code="IW-0001", text_ja=None)
    for language, question in JUMINHYO.items():
        FaqTextFactory.create(
            faq=juminhyo,
            language=language,
            question=question,
            answer={
                "ja": "市民課の窓口と、マイナンバーカードがあればコンビニで取れます。",
                "en": "At the Citizens Division counter, or a convenience store with a card.",
                "zh-hans": "可在市民课窗口领取；持有个人编号卡也可在便利店领取。",
                "ko": "시민과 창구에서, 마이넘버 카드가 있으면 편의점에서도 받을 수 있습니다.",
            }[language],
        )
    gomi = PublishedFaqFactory.create(center=center, code="IW-0002", text_ja=None)
    FaqTextFactory.create(
        faq=gomi, language="ja", question="粗大ごみの出し方を教えてください", answer="予約制です。"
    )
    juminhyo.categories.add(moving)
    gomi.categories.add(moving)
    juminhyo.related.add(gomi)
    FaqLinkFactory.create(
        faq=juminhyo, url="https://www.city.iwaki.lg.jp/", title="いわき市ホームページ"
    )
    return {"center": center, "juminhyo": juminhyo, "gomi": gomi}


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_type_with_suggestions_open_vote_and_switch_language(faq_site, live_server, page):
    page.goto(f"{live_server.url}/")
    box = page.get_by_role("combobox", name="よくある質問を検索")
    box.click()
    box.press_sequentially("じゅうみん", delay=30)

    listbox = page.get_by_role("listbox")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    option = listbox.get_by_role("option", name=JUMINHYO["ja"]).first
    assert option.is_visible()
    assert "候補が" in page.locator(".faq-search [role=status]").first.inner_text()

    option.click()
    page.wait_for_url(f"{live_server.url}/faq/iwaki/IW-0001/")
    assert page.locator("h1").inner_text() == JUMINHYO["ja"]

    page.get_by_label("理由やご意見（任意）").fill("コンビニで取れると分かりました")
    page.get_by_role("button", name="はい、役に立った").click()
    page.wait_for_url(f"{live_server.url}/faq/iwaki/IW-0001/#feedback")
    assert THANKS["ja"] in page.locator("#feedback .thanks").inner_text()
    assert list(FaqVote.objects.values_list("helpful", "reason")) == [
        (True, "コンビニで取れると分かりました")
    ]

    page.get_by_role("navigation", name="言語").get_by_role("link", name="English").click()
    page.wait_for_url(f"{live_server.url}/en/faq/iwaki/IW-0001/")
    assert page.locator("h1").inner_text() == JUMINHYO["en"]
    # Same session: the vote is remembered, in English now.
    assert THANKS["en"] in page.locator("#feedback").inner_text()


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_suggestions_by_keyboard(faq_site, live_server, page):
    page.goto(f"{live_server.url}/faq/")
    box = page.get_by_role("combobox").first
    box.click()
    box.press_sequentially("粗大", delay=30)
    page.get_by_role("listbox").first.wait_for(state="visible")
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"


def test_search_works_without_javascript(faq_site, live_server, new_page):
    page = new_page("phone", java_script_enabled=False)
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("searchbox", name="Search the FAQ").fill("residence certificate")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/faq/iwaki/search/?q=residence+certificate")
    assert page.get_by_role("link", name=JUMINHYO["en"]).is_visible()


def _check(page, url):
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert horizontal_overflow(page) is None, f"{url} scrolls sideways"
    assert unlabelled_controls(page) == [], url
    assert duplicate_ids(page) == [], url
    violations = axe_violations(page)
    assert violations == [], (url, violations)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_are_accessible_in_each_language(faq_site, live_server, page, language):
    base = f"{live_server.url}{prefix(language)}"
    # A view and a vote first, so the ranking and the statistics are on the pages too.
    page.goto(f"{base}/faq/iwaki/IW-0001/")
    page.locator("button[name=helpful][value=yes]").click()
    page.wait_for_load_state()

    _check(page, f"{base}/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".home-ranking li").count() == 1

    _check(page, f"{base}/faq/iwaki/search/?q=%E4%BD%8F%E6%B0%91%E7%A5%A8")  # 住民票
    assert page.get_by_role("link", name=JUMINHYO[language]).count() == 1

    _check(page, f"{base}/faq/iwaki/IW-0001/")
    assert page.locator("h1").inner_text() == JUMINHYO[language]

    # The Japanese-only FAQ: fallback note, still accessible; its vote form is shown.
    _check(page, f"{base}/faq/iwaki/IW-0002/")
    assert page.locator(".fallback-note").count() == (0 if language == "ja" else 1)

    # With the suggestion list open.
    page.goto(f"{base}/faq/")
    box = page.get_by_role("combobox").first
    box.click()
    box.press_sequentially("住民", delay=30)
    page.get_by_role("listbox").first.wait_for(state="visible")
    violations = axe_violations(page)
    assert violations == [], violations

    for path in ("/faq/", "/faq/iwaki/ranking/", "/faq/iwaki/statistics/"):
        _check(page, f"{base}{path}")
    _check(page, f"{base}/faq/iwaki/category/life_event/moving/")


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_unknown_faq_is_a_friendly_404(faq_site, live_server, page):
    response = page.goto(f"{live_server.url}/en/faq/iwaki/NO-SUCH/")
    assert response is not None and response.status == 404
    assert "Traceback" not in page.content()
    violations = axe_violations(page)
    assert violations == [], violations

"""The operator FAQ pane and the FAQ screens in a real browser (keyboard, axe-core)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.interactions.tests.factories import InteractionFactory
from madoguchi.knowledge import services
from madoguchi.knowledge.content import FaqContent, TextInput
from madoguchi.knowledge.models import FaqUse
from madoguchi.knowledge.search import index_cache
from madoguchi.tenancy.scenarios import scenario_load
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    page_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kinmokusei-no-kaori-2026"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(transactional_db):
    index_cache.invalidate()
    center = scenario_load(slug="iwaki")
    users = {}
    for role in (Role.OPERATOR, Role.FAQ_EDITOR):
        user = user_create(actor=None, username=f"t-{role}", password=PASSWORD)
        membership_grant(actor=None, user=user, center=center, role=role)
        users[role] = user
    for code, question, answer in [
        ("D-1", "犬の登録はどこでしますか", "保健所か協力動物病院で登録します。"),
        ("D-2", "犬の狂犬病予防注射はいつですか", "毎年4月から6月に受けてください。"),
        ("G-1", "粗大ごみの出し方", "受付センターに申し込みます。"),
    ]:
        faq = services.faq_create(
            actor=None,
            center=center,
            code=code,
            content=FaqContent(texts={"ja": TextInput(question, answer)}),
        )
        services.faq_submit(actor=None, faq=faq)
        services.faq_approve(actor=None, faq=faq)
        services.faq_publish(actor=None, faq=faq)
    interaction = InteractionFactory.create(center=center)
    return center, users, interaction


def log_in(page, base_url, username):
    page.goto(f"{base_url}/console/login/")
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン", exact=True).click()


def test_pane_is_keyboard_first_and_records_use(world, live_server, page):
    _center, users, interaction = world
    log_in(page, live_server.url, users[Role.OPERATOR].username)
    page.goto(f"{live_server.url}/console/faq/pane/?interaction={interaction.pk}")
    box = page.locator("#faq-pane-q")

    page.locator("h1").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("犬")
    expect(page.locator("#faq-pane-status")).to_contain_text("候補")
    page.keyboard.type("の登録")
    page.keyboard.press("Enter")
    expect(page.locator("#faq-pane-status")).to_contain_text("検索結果")
    first = page.locator("#faq-pane-results li").first
    expect(first).to_contain_text("D-1")
    expect(first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    answer = page.locator("#faq-pane-answer")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("保健所か協力動物病院で登録します。")
    page.get_by_role("button", name="使用").click()
    expect(page.get_by_role("button", name="使用済み")).to_be_disabled()
    expect(page.locator("#faq-pane-status")).to_contain_text("D-1 を応対に記録しました。")
    assert list(FaqUse.objects.values_list("faq__code", "interaction_id")) == [
        ("D-1", interaction.pk)
    ]
    violations = axe_violations(page)
    assert violations == [], violations


@pytest.mark.parametrize(
    "path", ["/console/faq/", "/console/faq/new/", "/console/faq/f/D-1/", "/console/faq/import/"]
)
def test_faq_screens_are_accessible(world, live_server, page, path):
    _center, users, _interaction = world
    log_in(page, live_server.url, users[Role.FAQ_EDITOR].username)
    page.goto(f"{live_server.url}{path}")
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], violations

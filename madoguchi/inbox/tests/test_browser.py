"""The inquiry form and the survey in Debian's Chromium on a phone: ja and en, a refused
My Number keeps the other fields, and axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from madoguchi.inbox import services
from madoguchi.inbox.models import InboxMessage, SurveyResponse
from madoguchi.tenancy.models import Center
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    horizontal_overflow,
    page_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABELS = {
    "ja": {
        "h1": "お問い合わせ",
        "body": "お問い合わせ内容",
        "subject": "件名",
        "email": "メールアドレス",
        "name": "お名前",
        "send": "送信する",
        "thanks": "お問い合わせを受け付けました",
        "refused": "マイナンバー（個人番号）と思われる12桁の番号",
    },
    "en": {
        "h1": "Contact us",
        "body": "Your inquiry",
        "subject": "Subject",
        "email": "E-mail address",
        "name": "Name",
        "send": "Send",
        "thanks": "We have received your inquiry",
        "refused": "looks like a My Number",
    },
}


@pytest.fixture
def iwaki_center(transactional_db):
    call_command("load_scenario", "iwaki", stdout=io.StringIO())
    return Center.objects.get(slug="iwaki")


def url(base: str, language: str, path: str) -> str:
    return f"{base}{'' if language == 'ja' else '/' + language}{path}"


def fill(page, labels, *, body: str) -> None:
    page.get_by_label(labels["body"]).fill(body)
    page.get_by_label(labels["subject"]).fill("粗大ごみ / Bulky waste")
    page.get_by_label(labels["email"], exact=False).first.fill("taro@example.jp")
    page.get_by_label(labels["name"]).fill("田中 太郎")


@pytest.mark.parametrize("page", ["phone"], indirect=True)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_inquiry_form_on_a_phone(iwaki_center, live_server, page, language):
    labels = LABELS[language]
    response = page.goto(url(live_server.url, language, "/inquiry/iwaki/"))

    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == labels["h1"]
    assert horizontal_overflow(page) is None, "the form scrolls sideways"
    violations = axe_violations(page)
    assert violations == [], violations

    # A My Number in the text is refused, and everything else stays as typed.
    fill(page, labels, body="番号は 1234 5678 9018 です")
    page.get_by_role("button", name=labels["send"]).click()
    page.wait_for_load_state()
    error = page.locator(".field-error").first
    assert labels["refused"] in error.inner_text()
    assert page.get_by_label(labels["subject"]).input_value() == "粗大ごみ / Bulky waste"
    assert page.get_by_label(labels["name"]).input_value() == "田中 太郎"
    assert page.get_by_label(labels["body"]).get_attribute("aria-invalid") == "true"
    assert InboxMessage.objects.count() == 0
    violations = axe_violations(page)
    assert violations == [], violations

    # Corrected, it goes through to the thank-you page with the reference number.
    page.get_by_label(labels["body"]).fill("冷蔵庫の出し方を教えてください。")
    page.get_by_role("button", name=labels["send"]).click()
    page.wait_for_url("**/thanks/**")
    message = InboxMessage.objects.get()
    assert page.locator("h1").inner_text() == labels["thanks"]
    assert page.locator("dd.number").inner_text() == str(message.pk)
    assert message.language == language
    assert message.subject == "粗大ごみ / Bulky waste"
    violations = axe_violations(page)
    assert violations == [], violations


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_survey_on_a_phone(iwaki_center, live_server, page):
    message = services.inquiry_submit(
        center=iwaki_center,
        name="",
        email="",
        phone="",
        reply_channel="none",
        subject="",
        body="質問",
        language="ja",
    )
    token = services.survey_token(message=message)
    page.goto(f"{live_server.url}/en/inquiry/survey/{token}/")

    assert page.locator("h1").inner_text() == "Satisfaction survey"
    violations = axe_violations(page)
    assert violations == [], violations
    page.get_by_label("4 Somewhat satisfied").check()
    page.get_by_label("Comments (optional)").fill("Quick answer, thank you.")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Thank you for your answer"
    violations = axe_violations(page)
    assert violations == [], violations
    answer = SurveyResponse.objects.get()
    assert (answer.message_id, answer.score, answer.language) == (message.pk, 4, "en")

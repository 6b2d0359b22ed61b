"""The operator desk in a real browser (Debian Chromium, Playwright, axe-core).

Each path counts the operator's actions: clicks (and selects), shortcut keys, and text
fields typed into (the characters typed are not counted). The counts are asserted, so
a change that adds a step fails here, and are the figures in docs/operator-desk.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.calls.demo import demo_stream_start, demo_stream_stop
from madoguchi.calls.live import live_router_reset
from madoguchi.interactions.models import (
    Callback,
    EscalationStatus,
    Interaction,
    InteractionEventType,
    Outcome,
)
from madoguchi.interactions.services import category_create
from madoguchi.knowledge.models import FaqUse
from madoguchi.knowledge.tests.factories import FaqTextFactory, PublishedFaqFactory
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import CalendarException, ExceptionKind
from madoguchi.testing.asgi_server import asgi_server_fixture  # noqa: F401  (fixture)
from madoguchi.testing.browser import (  # noqa: F401  (fixtures)
    axe_violations,
    browser_fixture,
    new_page_fixture,
    page_fixture,
)

pytestmark = [
    pytest.mark.browser,
    # config/asgi.py silences WhiteNoise's static-file warning at import; pytest restores
    # its own filters (warnings are errors) after the first test, so a second test's
    # ASGI server would fail every static file. Same filter, per test.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Count:
    """The operator's actions on one path."""

    clicks: int = 0
    keys: int = 0
    fields: int = 0
    log: list[str] = field(default_factory=list)

    def click(self, page: Page, selector: str) -> None:
        page.locator(selector).first.click()
        self.clicks += 1
        self.log.append(f"click {selector}")

    def select(self, page: Page, label: str, value: str) -> None:
        page.get_by_role("combobox", name=label).select_option(label=value)
        self.clicks += 1
        self.log.append(f"select {label}={value}")

    def key(self, page: Page, key: str) -> None:
        page.keyboard.press(key)
        self.keys += 1
        self.log.append(f"key {key}")

    def type(self, page: Page, text: str) -> None:
        page.keyboard.type(text)
        self.fields += 1
        self.log.append(f"type {text}")

    def fill(self, page: Page, label: str, text: str) -> None:
        page.get_by_role("textbox", name=label).fill(text)
        self.fields += 1
        self.log.append(f"fill {label}")

    @property
    def actions(self) -> int:
        return self.clicks + self.keys


@pytest.fixture
def fresh_router():
    live_router_reset()
    yield
    demo_stream_stop()
    live_router_reset()


@pytest.fixture
def desk_people(all_scenarios):
    iwaki = all_scenarios["iwaki"]
    made = {}
    for username, role in [
        ("sato", Role.OPERATOR),
        ("doro", Role.CITY_STAFF),  # the department's staff
        ("kouhou", Role.CITY_STAFF),  # the city official who confirms
    ]:
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=iwaki, role=role)
        made[username] = user
    for name in ("ごみの出し方", "住民票の写し", "市県民税の納付"):
        category_create(actor=None, center=iwaki, name=name)
    faq = PublishedFaqFactory.create(center=iwaki, code="IW-T12", text_ja=None)
    FaqTextFactory.create(
        faq=faq,
        language="ja",
        question="住民票の写しを郵送で請求するには",
        answer="請求書、本人確認書類の写し、手数料の定額小為替、返信用封筒を市民課へ郵送します。",
    )
    # The simulated calls arrive "now": keep the center open all of today, whatever the
    # hour the tests run at (otherwise an evening run routes the call to out-of-hours).
    today = timezone.now().astimezone(TOKYO).date()
    CalendarException.objects.update_or_create(
        calendar=iwaki.calendar,
        date=today,
        defaults={"kind": ExceptionKind.OPEN, "opens": time(0, 0), "closes": time(23, 59, 59)},
    )
    return made


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_offered_call_to_escalation_callback_report_and_confirmation(
    page: Page, new_page, asgi_server: str, desk_people, fresh_router
):
    gateway = demo_stream_start(arrivals=False, seats=0, wrap_up_s=600)
    assert gateway is not None
    log_in(page, asgi_server, "sato")
    page.goto(f"{asgi_server}/console/live/phone/")
    page.get_by_role("button", name="受付可").click()  # signing in to the seat: not counted
    expect(page.locator("#phone-state")).to_have_attribute("data-state", "available")
    page.goto(f"{asgi_server}/console/desk/")
    expect(page.locator("h1")).to_have_text("応対画面")
    assert axe_violations(page) == []

    call_id = gateway.call_now()
    # The offer is pushed over the WebSocket: the desk opens the contact by itself.
    page.wait_for_url(f"**/console/desk/?call={call_id}")
    expect(page.locator("#contact-heading")).to_have_text("着信中の応対")
    expect(page.locator(".desk-contact")).to_contain_text("いわき市総合コールセンター")

    count = Count()
    expect(page.locator("#call-phase")).to_have_attribute("data-phase", "ringing")
    count.click(page, "button[value=answer]")
    # The same URL again: wait for the answered page, not for the URL.
    expect(page.locator("#call-phase")).to_have_attribute("data-phase", "talking")
    expect(page.locator("#call-phase")).to_have_text("通話中")
    expect(page.locator("button[value=answer]")).to_have_count(0)
    count.key(page, "/")  # the FAQ pane
    count.type(page, "住民票 郵送")
    count.key(page, "Enter")  # search: the first result is selected
    expect(page.locator("#faq-pane-results li").first).to_contain_text("IW-T12")
    count.key(page, "Enter")  # open it
    expect(page.locator("#faq-pane-answer")).to_contain_text("定額小為替")
    count.click(page, ".faq-pane-use")  # 「使用」: added to the record being written
    expect(page.locator("#desk_faq_ids")).to_have_value("IW-T12")
    count.select(page, "分類", "住民票の写し")
    count.fill(page, "問合せ内容（必須）", "住民票の写しを郵送で請求したい")
    count.fill(page, "回答内容", "郵送請求の方法を案内、手数料は所管課から連絡")
    count.select(page, "結果（必須）", "エスカレーション・未解決")
    count.select(page, "所管課（取次ぎ・エスカレーション）", "市民課")
    count.click(page, "#desk_callback")
    # The demo caller's number is withheld: the caller gives it.
    count.fill(page, "折り返し先（空欄: 発信者番号）", "090-1234-5678")
    count.fill(page, "折り返し希望時間帯", "平日午前")
    count.key(page, "Control+Enter")
    expect(page.locator(".messages")).to_contain_text("応対を記録しました")
    desk_counts = (count.clicks, count.keys, count.fields)
    assert desk_counts == (6, 4, 5), count.log

    interaction = Interaction.objects.get()
    assert interaction.call_id is not None and str(interaction.call_id) == call_id
    assert interaction.faq_ids == ["IW-T12"]
    assert list(FaqUse.objects.values_list("faq__code", "interaction_id")) == [
        ("IW-T12", interaction.pk)
    ]
    assert interaction.category is not None and interaction.category.name == "住民票の写し"
    assert interaction.outcome == Outcome.ESCALATED
    escalation = interaction.escalations.get()
    callback = Callback.objects.get(interaction=interaction)
    assert callback.preferred_time == "平日午前" and callback.department == escalation.department
    assert callback.number == "+819012345678"

    # The department reports done.
    department_page = new_page()
    log_in(department_page, asgi_server, "doro")
    department_page.goto(f"{asgi_server}/console/desk/followups/")
    assert axe_violations(department_page) == []
    report = Count()
    report.click(department_page, f"a[href='/console/desk/escalations/{escalation.pk}/']")
    assert axe_violations(department_page) == []
    report.fill(
        department_page, "対応結果（完了報告）（必須）", "手数料を電話で案内し、申請書を郵送した"
    )
    report.click(department_page, "button:has-text('完了を報告')")
    expect(department_page.locator("#escalation-status")).to_have_text("所管課完了報告済み")
    assert (report.clicks, report.keys, report.fields) == (2, 0, 1), report.log

    # The city official confirms.
    city_page = new_page()
    log_in(city_page, asgi_server, "kouhou")
    city_page.goto(f"{asgi_server}/console/desk/followups/")
    confirm = Count()
    confirm.click(city_page, f"a[href='/console/desk/escalations/{escalation.pk}/']")
    confirm.click(city_page, "button:has-text('完了を確認')")
    expect(city_page.locator("#escalation-status")).to_have_text("確認済み")
    assert (confirm.clicks, confirm.keys, confirm.fields) == (2, 0, 0), confirm.log

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CONFIRMED
    assert escalation.reported_by == desk_people["doro"]
    assert escalation.confirmed_by == desk_people["kouhou"]
    types = list(interaction.events.values_list("type", flat=True))
    assert types == [
        InteractionEventType.CREATED,
        InteractionEventType.FAQ_USED,
        InteractionEventType.ESCALATED,
        InteractionEventType.CALLBACK_REQUESTED,
        InteractionEventType.ESCALATION_REPORTED,
        InteractionEventType.ESCALATION_CONFIRMED,
    ]
    print(  # noqa: T201  (the figures for the report)
        f"\nfull path: desk {desk_counts}, department {report.clicks, report.keys, report.fields},"
        f" confirmation {confirm.clicks, confirm.keys, confirm.fields}"
    )


def test_simple_inquiry_in_at_most_three_actions(
    page: Page, asgi_server: str, desk_people, fresh_router
):
    log_in(page, asgi_server, "sato")
    page.goto(f"{asgi_server}/console/desk/")
    expect(page.locator("#desk")).to_have_attribute("data-ready", "1")
    second = page.locator('[data-key="2"]').inner_text()[1:].strip()
    count = Count()
    count.key(page, "n")  # a new contact (phone by default)
    expect(page.locator("#contact-heading")).to_have_text("新規応対")
    count.key(page, "2")  # the second category button
    expect(page.locator(".messages")).to_contain_text("を記録しました")
    assert count.actions <= 3
    assert (count.clicks, count.keys, count.fields) == (0, 2, 0), count.log
    interaction = Interaction.objects.get()
    assert interaction.outcome == Outcome.COMPLETED
    assert interaction.category is not None
    assert interaction.category.name == second
    assert axe_violations(page) == []


def test_simple_inquiry_on_an_offered_call(page: Page, asgi_server: str, desk_people, fresh_router):
    gateway = demo_stream_start(arrivals=False, seats=0, wrap_up_s=600)
    assert gateway is not None
    log_in(page, asgi_server, "sato")
    page.goto(f"{asgi_server}/console/live/phone/")
    page.get_by_role("button", name="受付可").click()
    expect(page.locator("#phone-state")).to_have_attribute("data-state", "available")
    page.goto(f"{asgi_server}/console/desk/")
    call_id = gateway.call_now()
    page.wait_for_url(f"**/console/desk/?call={call_id}")
    count = Count()
    expect(page.locator("#call-phase")).to_have_attribute("data-phase", "ringing")
    count.click(page, "button[value=answer]")
    # The same URL again: wait for the answered page, not for the URL.
    expect(page.locator("#call-phase")).to_have_attribute("data-phase", "talking")
    expect(page.locator("#call-phase")).to_have_text("通話中")
    expect(page.locator("button[value=answer]")).to_have_count(0)
    count.key(page, "1")
    expect(page.locator(".messages")).to_contain_text("を記録しました")
    assert (count.clicks, count.keys, count.fields) == (1, 1, 0), count.log
    interaction = Interaction.objects.get()
    assert str(interaction.call_id) == call_id

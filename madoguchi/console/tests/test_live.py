"""Live screens: the wallboard updates in a real browser; the agent's phone state."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.calls.demo import demo_stream_start, demo_stream_stop
from madoguchi.calls.live import live_router, live_router_reset
from madoguchi.calls.models import AgentStateEvent, Call, Disposition
from madoguchi.calls.services import queue_ensure_default
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.testing.asgi_server import asgi_server_fixture  # noqa: F401  (fixture)
from madoguchi.testing.browser import axe_violations, browser_fixture, page_fixture  # noqa: F401

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def fresh_router():
    live_router_reset()
    # The engine decides on a weekday morning, so the demo calls are in hours at any hour.
    offset = datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO).timestamp() - time.time()
    live_router().engine.clock = lambda at: datetime.fromtimestamp(at + offset, UTC)
    yield
    demo_stream_stop()
    live_router_reset()


@pytest.fixture
def people(all_scenarios):
    iwaki = all_scenarios["iwaki"]
    queue_ensure_default(actor=None, center=iwaki)
    made = {}
    for username, role in [("suzuki", Role.SUPERVISOR), ("sato", Role.OPERATOR)]:
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=iwaki, role=role)
        made[username] = user
    return made


def test_wallboard_and_phone_need_their_roles(client, people, fresh_router):
    client.force_login(people["sato"])
    assert client.get("/console/live/wallboard/").status_code == 403
    assert client.get("/console/live/phone/").status_code == 200
    client.force_login(people["suzuki"])
    assert client.get("/console/live/wallboard/").status_code == 200
    assert client.post("/console/live/wallboard/demo-call/").status_code == 404  # no stream


def test_phone_ready_and_not_ready_with_a_reason(client, people, fresh_router):
    client.force_login(people["sato"])
    client.post("/console/live/phone/action/", {"action": "ready"})
    assert "受付可" in client.get("/console/live/phone/").content.decode()
    refused = client.post(
        "/console/live/phone/action/", {"action": "not_ready", "reason": "nap"}, follow=True
    )
    assert "離席の理由を選んでください。" in refused.content.decode()
    client.post("/console/live/phone/action/", {"action": "not_ready", "reason": "break"})
    states = list(AgentStateEvent.objects.values_list("state", "reason"))
    assert states == [("available", ""), ("not_ready", "break")]


def test_operator_answers_and_hangs_up_on_the_desk(client, people, fresh_router, all_scenarios):
    gateway = demo_stream_start(arrivals=False, seats=0, wrap_up_s=600)
    assert gateway is not None
    client.force_login(people["sato"])
    client.post("/console/live/phone/action/", {"action": "ready"})
    call_id = gateway.call_now()
    ringing = client.get("/console/live/phone/").content.decode()
    assert "着信中" in ringing
    client.post("/console/live/phone/action/", {"action": "answer"})
    assert "通話中" in client.get("/console/live/phone/").content.decode()
    client.post("/console/live/phone/action/", {"action": "hangup"})
    page = client.get("/console/live/phone/").content.decode()
    assert "後処理中です。" in page and 'data-seconds="600"' in page
    client.post("/console/live/phone/action/", {"action": "ready"})
    call = Call.objects.get(id=call_id)
    assert call.disposition == Disposition.ANSWERED
    assert call.wrap_end_at is not None


@pytest.mark.browser
def test_wallboard_updates_when_a_simulated_call_arrives_and_is_answered(
    page: Page, asgi_server: str, people, fresh_router
):
    demo_stream_start(arrivals=False, seats=1, answer_delay_s=1.5, aht_s=3600)
    page.goto(f"{asgi_server}/console/login/")
    page.fill("#id_username", "suzuki")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{asgi_server}/console/live/wallboard/")
    expect(page.locator("#wallboard")).to_have_attribute("data-live", "1")
    expect(page.locator("#wb-offered")).to_have_text("0")
    expect(page.locator("#wb-agents-available")).to_have_text("1")
    assert axe_violations(page) == []
    page.click("#demo-call button")
    # Ringing the simulated seat: one caller waiting, the seat shows as ringing.
    expect(page.locator("#wb-waiting")).to_have_text("1", timeout=3000)
    expect(page.locator("#wb-agents-ringing")).to_have_text("1")
    # Answered 1.5 s later: no one waits, the seat is on the call, today's figures move.
    expect(page.locator("#wb-waiting")).to_have_text("0", timeout=3000)
    expect(page.locator("#wb-agents-on_call")).to_have_text("1")
    expect(page.locator("#wb-answered")).to_have_text("1")
    expect(page.locator("#wb-answer-rate")).to_have_text("100.0%")
    expect(page.locator("#wb-asa")).to_have_text(re.compile(r"^1\.[5-9] 秒$"))

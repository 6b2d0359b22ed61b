"""The console inbox in Chromium: list → message → reply with a template; axe-clean."""

from __future__ import annotations

import pytest

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.inbox import services
from madoguchi.inbox.models import InboxStatus, Reply
from madoguchi.tenancy.models import Center
from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
    axe_violations,
    browser_fixture,
    page_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_operator_answers_a_web_inquiry_by_phone_with_a_template(live_server, page):
    import io

    from django.core.management import call_command

    call_command("load_scenario", "iwaki", stdout=io.StringIO())
    iwaki = Center.objects.get(slug="iwaki")
    user = user_create(actor=None, username="op1", password=PASSWORD)
    membership_grant(actor=None, user=user, center=iwaki, role=Role.OPERATOR)
    services.template_save(
        actor=None, center=iwaki, name="電話で回答", body="{name} 様にお電話で回答しました。"
    )
    message = services.inquiry_submit(
        center=iwaki,
        name="鈴木 花子",
        email="",
        phone="090-1234-5678",
        reply_channel="phone",
        subject="住民税の納付書",
        body="納付書をなくしました。",
        language="ja",
    )

    page.goto(f"{live_server.url}/console/login/")
    page.get_by_label("ログインID").fill("op1")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="受信箱").click()
    page.wait_for_url("**/console/inbox/")
    violations = axe_violations(page)
    assert violations == [], violations

    page.get_by_role("link", name=str(message.pk), exact=True).click()
    page.wait_for_url(f"**/console/inbox/{message.pk}/")
    assert "090-1234-5678" in page.locator("dl.inbox-meta").inner_text()
    violations = axe_violations(page)
    assert violations == [], violations

    page.get_by_role("link", name="電話で回答").click()
    body = page.get_by_label("回答本文")
    assert body.input_value() == "鈴木 花子 様にお電話で回答しました。"
    assert page.get_by_label("回答方法").input_value() == "phone"
    page.get_by_role("button", name="回答する").click()
    page.wait_for_url(f"**/console/inbox/{message.pk}/")

    assert "回答を記録しました" in page.locator(".messages").inner_text()
    message.refresh_from_db()
    assert message.status == InboxStatus.REPLIED
    reply = Reply.objects.get()
    assert (reply.channel, reply.manual, reply.by_id) == ("phone", True, user.pk)

"""Console screens of interaction history: the desk, search and export, detail and
editing, follow-ups, categories, complaint and long-call lists (CON-1..9)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.audit.models import AuditEvent
from madoguchi.calls.agents import agent_for_user
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.live import live_router, live_router_reset
from madoguchi.calls.models import Call
from madoguchi.calls.services import queue_ensure_default
from madoguchi.interactions import audit_actions
from madoguchi.interactions.models import (
    Callback,
    Category,
    Channel,
    Escalation,
    EscalationStatus,
    Interaction,
    InteractionKind,
    Outcome,
)
from madoguchi.interactions.routing import websocket_urlpatterns
from madoguchi.interactions.services import category_create, contact_record
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Department

PASSWORD = "kinmokusei-no-kaori-2026"
MY_NUMBER = "1234 5678 9018"


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, center):
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


@pytest.fixture
def operator(iwaki, make_user):
    return make_user("sato", Role.OPERATOR, iwaki)


@pytest.fixture
def garbage(iwaki, operator):
    return category_create(actor=operator, center=iwaki, name="ごみの出し方")


def test_desk_shows_the_offered_call_its_center_and_the_callers_history(
    client, iwaki, operator, garbage
):
    InteractionFactory.create(
        center=iwaki, category=garbage, caller_number="+819011112222", summary="前回の問合せ"
    )
    InteractionFactory.create(center=iwaki, caller_number="+819099999999", summary="他人の問合せ")
    call = Call.objects.create(
        center=iwaki,
        dialed_number="+81246221111",
        caller_number="+819011112222",
        arrived_at=datetime(2026, 1, 5, 10, 0, tzinfo=TOKYO),
    )
    client.force_login(operator)
    response = client.get("/console/desk/", {"call": str(call.pk)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "着信中の応対" in body
    assert "いわき市総合コールセンター" in body
    assert "前回の問合せ" in body
    assert "他人の問合せ" not in body
    assert 'data-key="1"' in body and "ごみの出し方" in body
    assert "市民課" in body and "2301" in body  # transfer helper
    viewed = AuditEvent.objects.filter(action=audit_actions.CALLER_HISTORY_VIEWED).get()
    assert viewed.data == {"found": 1, "call_id": str(call.pk)}


def test_tally_records_a_simple_inquiry_linked_to_the_call(client, iwaki, operator, garbage):
    call = Call.objects.create(
        center=iwaki, dialed_number="+81246221111", arrived_at=datetime(2026, 1, 5, tzinfo=TOKYO)
    )
    client.force_login(operator)
    response = client.post(
        "/console/desk/tally/",
        {"category": garbage.pk, "channel": "phone", "call": str(call.pk), "dialed_number": ""},
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert (interaction.category, interaction.call, interaction.outcome, interaction.summary) == (
        garbage,
        call,
        Outcome.COMPLETED,
        "ごみの出し方",
    )
    assert interaction.operator == operator


def test_tally_refuses_another_centers_category(client, iwaki, operator, load_scenarios):
    other = CategoryFactory.create(center=load_scenarios("oita")["oita"])
    client.force_login(operator)
    response = client.post("/console/desk/tally/", {"category": other.pk}, follow=True)
    assert "分類を選んでください。" in response.content.decode()
    assert not Interaction.objects.exists()


def _contact(**extra):
    data = {
        "channel": "phone",
        "kind": "request",
        "summary": "街灯が消えている",
        "answer": "",
        "outcome": "completed",
        "language": "ja",
        "caller_number": "090-7777-8888",
        "dialed_number": "0246-22-1111",
        "escalation_days": "3",
    }
    data.update(extra)
    return data


def test_record_with_escalation_and_callback(client, iwaki, operator):
    department = Department.objects.get(center=iwaki, name="市民課")
    client.force_login(operator)
    response = client.post(
        "/console/desk/record/",
        _contact(
            **{
                "outcome": "escalated",
                "department": department.pk,
                "callback": "on",
                "faq_ids": "12, 40",
            }
        ),
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.faq_ids == ["12", "40"]
    assert interaction.escalations.get().department == department
    assert interaction.callbacks.get().number == "+819077778888"


def test_record_with_a_my_number_keeps_everything_else(client, iwaki, operator):
    client.force_login(operator)
    response = client.post(
        "/console/desk/record/",
        _contact(**{"answer": f"個人番号は {MY_NUMBER}", "callback_preferred_time": "夕方"}),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "マイナンバー" in body
    assert "街灯が消えている" in body and "夕方" in body and "090-7777-8888" in body
    assert not Interaction.objects.exists()


def test_record_with_escalation_but_no_department_shows_the_field_error(client, iwaki, operator):
    client.force_login(operator)
    response = client.post("/console/desk/record/", _contact(**{"outcome": "escalated"}))
    body = response.content.decode()
    assert response.status_code == 400
    assert "所管課を選んでください" in body and "街灯が消えている" in body


def _many(iwaki, garbage, count=60):
    base = datetime(2026, 1, 5, 9, 0, tzinfo=TOKYO)
    InteractionFactory.create_batch(
        count,
        center=iwaki,
        category=garbage,
        started_at=base,
        ended_at=base + timedelta(minutes=3),
        summary="粗大ごみ 申込み",
    )


def test_history_search_is_paginated_with_a_fixed_number_of_queries(
    client, iwaki, operator, garbage, make_user
):
    _many(iwaki, garbage, 60)
    InteractionFactory.create(center=iwaki, kind=InteractionKind.COMPLAINT, summary="職員の対応")
    client.force_login(operator)
    params = {"since": "2026-01-01", "until": "2026-01-31", "text": "粗大ごみ"}
    with CaptureQueriesContext(connection) as first:
        response = client.get("/console/desk/history/", params)
    body = response.content.decode()
    assert response.status_code == 200
    assert "60 件" in body and "1 / 2" in body
    assert "職員の対応" not in body
    _many(iwaki, garbage, 40)
    with CaptureQueriesContext(connection) as second:
        client.get("/console/desk/history/", {**params, "page": "2"})
    assert len(first) == len(second)
    assert len(first) <= 25, [q["sql"] for q in first.captured_queries]
    searched = AuditEvent.objects.filter(action=audit_actions.INTERACTIONS_SEARCHED).first()
    assert searched is not None and searched.data["conditions"]["text"] == "粗大ごみ"


def test_history_combines_conditions(client, iwaki, operator, garbage):
    department = Department.objects.get(center=iwaki, name="市民課")
    InteractionFactory.create(
        center=iwaki,
        kind=InteractionKind.COMPLAINT,
        outcome=Outcome.HANDED_TO_DEPARTMENT,
        department=department,
        summary="窓口の待ち時間",
        channel=Channel.EMAIL,
    )
    InteractionFactory.create(center=iwaki, kind=InteractionKind.COMPLAINT, summary="電話の苦情")
    client.force_login(operator)
    response = client.get(
        "/console/desk/history/",
        {"kind": "complaint", "channel": "email", "department": department.pk},
    )
    body = response.content.decode()
    assert "窓口の待ち時間" in body and "電話の苦情" not in body and "1 件" in body


def test_export_csv_streams_utf8_with_bom_and_is_audited(client, iwaki, make_user, garbage):
    _many(iwaki, garbage, 5)
    InteractionFactory.create(center=iwaki, summary="別の内容", caller_number="+819011112222")
    supervisor = make_user("suzuki", Role.SUPERVISOR, iwaki)
    client.force_login(supervisor)
    response = client.get("/console/desk/history/export.csv", {"text": "粗大ごみ"})
    assert response.status_code == 200
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["番号", "センター", "チャネル"]
    assert len(rows) == 6
    assert {r[7] for r in rows[1:]} == {"ごみの出し方"}
    assert {r[2] for r in rows[1:]} == {"電話"}
    exported = AuditEvent.objects.filter(action=audit_actions.INTERACTIONS_EXPORTED).get()
    assert exported.data == {"format": "csv", "conditions": {"text": "粗大ごみ"}}


def test_export_xlsx_has_every_record(client, iwaki, make_user, garbage):
    _many(iwaki, garbage, 7)
    client.force_login(make_user("suzuki", Role.SUPERVISOR, iwaki))
    response = client.get("/console/desk/history/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook["応対履歴"].iter_rows(values_only=True))
    assert rows[0][0] == "番号" and len(rows) == 8
    assert rows[1][8] == "粗大ごみ 申込み"


def test_city_staff_read_but_cannot_edit_or_export(client, iwaki, make_user, garbage):
    record = InteractionFactory.create(center=iwaki, category=garbage)
    client.force_login(make_user("shiyakusho", Role.CITY_STAFF, iwaki))
    detail = client.get(f"/console/desk/history/{record.pk}/")
    assert detail.status_code == 200
    assert "修正する" not in detail.content.decode()
    assert AuditEvent.objects.filter(action=audit_actions.INTERACTION_VIEWED).count() == 1
    assert client.get(f"/console/desk/history/{record.pk}/edit/").status_code == 403
    assert client.get("/console/desk/history/export.csv").status_code == 403
    assert client.get("/console/desk/").status_code == 403
    listing = client.get("/console/desk/history/", {"since": "2026-01-01"})
    assert "CSVで出力" not in listing.content.decode()


def test_another_centers_record_is_not_found(client, iwaki, operator, load_scenarios):
    foreign = InteractionFactory.create(center=load_scenarios("oita")["oita"])
    client.force_login(operator)
    assert client.get(f"/console/desk/history/{foreign.pk}/").status_code == 404


def test_edit_screen_saves_a_version_and_keeps_input_on_refusal(client, iwaki, operator, garbage):
    record = InteractionFactory.create(center=iwaki, category=garbage, summary="元の内容")
    client.force_login(operator)
    form = {
        "kind": "inquiry",
        "category": garbage.pk,
        "summary": "直した内容",
        "answer": f"カード {MY_NUMBER}",
        "outcome": "completed",
    }
    refused = client.post(f"/console/desk/history/{record.pk}/edit/", form)
    assert refused.status_code == 400
    assert "直した内容" in refused.content.decode()
    form["answer"] = "案内済み"
    assert client.post(f"/console/desk/history/{record.pk}/edit/", form).status_code == 302
    record.refresh_from_db()
    assert (record.summary, record.answer) == ("直した内容", "案内済み")
    page = client.get(f"/console/desk/history/{record.pk}/").content.decode()
    assert "版 2" in page


def test_department_reports_and_city_staff_confirm(client, iwaki, operator, make_user):
    department = Department.objects.get(center=iwaki, name="市民課")
    interaction = contact_record(
        actor=operator,
        center=iwaki,
        channel=Channel.PHONE,
        kind=InteractionKind.REQUEST,
        summary="証明書の郵送請求",
        answer="",
        outcome=Outcome.ESCALATED,
        department=department,
    )
    escalation = interaction.escalations.get()
    client.force_login(operator)
    assert client.post(f"/console/desk/escalations/{escalation.pk}/confirm/").status_code == 403
    listing = client.get("/console/desk/followups/", {"department": department.pk})
    assert "証明書の郵送請求" in listing.content.decode()
    city = make_user("shiyakusho", Role.CITY_STAFF, iwaki)
    client.force_login(city)
    empty = client.post(f"/console/desk/escalations/{escalation.pk}/report/", {"report": ""})
    assert empty.status_code == 400
    client.post(f"/console/desk/escalations/{escalation.pk}/report/", {"report": "郵送済み"})
    client.post(f"/console/desk/escalations/{escalation.pk}/confirm/")
    escalation.refresh_from_db()
    assert (escalation.status, escalation.report, escalation.confirmed_by) == (
        EscalationStatus.CONFIRMED,
        "郵送済み",
        city,
    )


def test_callback_attempt_from_the_list(client, iwaki, operator):
    interaction = contact_record(
        actor=operator,
        center=iwaki,
        channel=Channel.PHONE,
        kind=InteractionKind.CALLBACK_REQUEST,
        summary="担当者から折り返し希望",
        answer="",
        outcome=Outcome.COMPLETED,
        caller_number="090-1234-5678",
        callback=True,
    )
    callback = interaction.callbacks.get()
    client.force_login(operator)
    page = client.get("/console/desk/followups/").content.decode()
    assert "+819012345678" in page
    client.post(f"/console/desk/callbacks/{callback.pk}/attempt/", {"result": "reached"})
    callback.refresh_from_db()
    assert callback.status == "done"
    assert callback.attempts.get().by == operator


def test_category_screen_adds_and_retires(client, iwaki, make_user):
    client.force_login(make_user("suzuki", Role.SUPERVISOR, iwaki))
    client.post("/console/desk/categories/add/", {"name": "税金"})
    parent = Category.objects.get(center=iwaki, name="税金")
    client.post("/console/desk/categories/add/", {"name": "市県民税", "parent": parent.pk})
    duplicate = client.post("/console/desk/categories/add/", {"name": "税金"})
    assert duplicate.status_code == 400 and "既にあります" in duplicate.content.decode()
    child = Category.objects.get(name="市県民税")
    assert child.parent == parent
    client.post(f"/console/desk/categories/{child.pk}/", {"name": "市民税", "order": "5"})
    child.refresh_from_db()
    assert (child.name, child.order, child.is_active) == ("市民税", 5, False)


def test_operator_cannot_manage_categories(client, operator):
    client.force_login(operator)
    assert client.get("/console/desk/categories/").status_code == 403


def test_complaints_and_long_calls(client, iwaki, operator):
    friday = datetime(2026, 1, 9, 11, 0, tzinfo=TOKYO)
    InteractionFactory.create(
        center=iwaki,
        kind=InteractionKind.COMPLAINT,
        started_at=friday,
        ended_at=friday + timedelta(minutes=25),
        summary="長い苦情",
    )
    client.force_login(operator)
    complaints = client.get("/console/desk/complaints/", {"day": "2026-01-09"}).content.decode()
    assert "長い苦情" in complaints
    assert "2026年1月10日" in complaints  # いわき answers on Saturdays: next business day
    long_calls = client.get(
        "/console/desk/long-calls/", {"since": "2026-01-09", "until": "2026-01-09"}
    ).content.decode()
    assert "長い苦情" in long_calls and "0:25:00" in long_calls


@pytest.fixture
def global_router(iwaki):
    live_router_reset()
    queue_ensure_default(actor=None, center=iwaki)
    yield live_router()
    live_router_reset()


def test_desk_socket_pushes_the_call_offered_to_the_operator(
    global_router, iwaki, transactional_db
):
    user = user_create(actor=None, username="sato", password=PASSWORD)
    membership_grant(actor=None, user=user, center=iwaki, role=Role.OPERATOR)
    agent = agent_for_user(user=user, center=iwaki)
    call_id = str(uuid.uuid4())
    monday_10 = datetime(2026, 1, 5, 10, 0, tzinfo=TOKYO).timestamp()

    async def scenario():
        from asgiref.sync import sync_to_async

        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/desk/{iwaki.pk}/"
        )
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        first = await communicator.receive_json_from(timeout=5)
        await sync_to_async(global_router.agent_ready)(agent)
        ready = await communicator.receive_json_from(timeout=5)
        await sync_to_async(global_router.event)(
            gw.CallArrived(call_id, monday_10, "+81246221111", "+819011112222")
        )
        offered = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return first, ready, offered

    first, ready, offered = async_to_sync(scenario)()
    assert first == {"state": "logged_out", "call": None}
    assert ready == {"state": "available", "call": None}
    assert offered["state"] == "ringing"
    assert offered["call"] == {
        "id": call_id,
        "dialed": "+81246221111",
        "caller": "+819011112222",
        "language": "ja",
    }


def test_desk_socket_refuses_city_staff(iwaki, transactional_db):
    user = user_create(actor=None, username="shiyakusho", password=PASSWORD)
    membership_grant(actor=None, user=user, center=iwaki, role=Role.CITY_STAFF)

    async def scenario():
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/desk/{iwaki.pk}/"
        )
        communicator.scope["user"] = user
        return await communicator.connect()

    connected, code = async_to_sync(scenario)()
    assert (connected, code) == (False, 4403)


def test_nothing_left_behind_by_refusals(iwaki):
    assert not Escalation.objects.exists() and not Callback.objects.exists()


def test_demo_categories_fill_the_desk_buttons_once(client, iwaki, operator):
    from madoguchi.interactions.demo import TREE, demo_categories_ensure

    expected = len(TREE) + sum(len(children) for children in TREE.values())
    assert demo_categories_ensure(center=iwaki) == expected
    assert demo_categories_ensure(center=iwaki) == 0
    client.force_login(operator)
    body = client.get("/console/desk/").content.decode()
    assert 'data-key="9"' in body and 'data-key="10"' not in body
    assert "くらし・手続き" not in body.split('id="tally-heading"')[1].split("</section>")[0]

"""Writes of the interactions context (CON-1..4, CON-8). Every refusal changes nothing
and logs nothing; every write leaves its timeline and one audit event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from madoguchi.accounts.tests.factories import UserFactory
from madoguchi.calls.models import Call, Disposition
from madoguchi.interactions import audit_actions, events
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.models import (
    Category,
    Channel,
    Interaction,
    InteractionEvent,
    InteractionEventType,
    InteractionKind,
    Outcome,
)
from madoguchi.interactions.services import (
    category_create,
    interaction_expire_personal_data,
    interaction_record,
    interaction_tally,
)
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.tests.factories import CenterFactory, DepartmentFactory

MY_NUMBER = "1234 5678 9018"  # valid check digit
MY_NUMBER_BAD = "1234 5678 9012"  # wrong check digit: just digits
CARD = "４１１１－１１１１－１１１１－１１１１"  # Luhn-valid, full-width
STARTED = datetime(2026, 1, 5, 10, 0, tzinfo=TOKYO)
ENDED = datetime(2026, 1, 5, 10, 4, 30, tzinfo=TOKYO)


@pytest.fixture
def operator(db):
    return UserFactory.create()


@pytest.fixture
def category(iwaki, operator):
    return category_create(actor=operator, center=iwaki, name="ごみの出し方")


def record(iwaki: Any, operator: Any, **overrides: Any) -> Interaction:
    fields: dict[str, Any] = {
        "actor": operator,
        "center": iwaki,
        "channel": Channel.PHONE,
        "kind": InteractionKind.INQUIRY,
        "summary": "粗大ごみの申込み方法",
        "answer": "粗大ごみ受付センターを案内",
        "outcome": Outcome.COMPLETED,
        "dialed_number": "0246-22-1111",
        "started_at": STARTED,
        "ended_at": ENDED,
    }
    fields.update(overrides)
    return interaction_record(**fields)


def timeline(interaction: Interaction) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, e.data) for e in interaction.events.order_by("at", "id")]


# --- categories --------------------------------------------------------------------


def test_category_create_orders_after_siblings_and_audits(iwaki, operator, audit_trail):
    first = category_create(actor=operator, center=iwaki, name="税金")
    second = category_create(actor=operator, center=iwaki, name="ごみ")
    child = category_create(actor=operator, center=iwaki, name="住民税", parent=first)
    same_name_elsewhere = category_create(actor=operator, center=iwaki, name="ごみ", parent=first)
    assert (first.order, second.order, child.order, same_name_elsewhere.order) == (1, 2, 1, 2)
    assert child.parent == first
    assert audit_trail.actions() == [audit_actions.CATEGORY_CREATED] * 4
    assert audit_trail.events()[0].data == {"name": "税金", "parent_id": None, "order": 1}


@pytest.mark.parametrize(
    ("name", "parent_of", "field"),
    [
        ("  ", None, "name"),
        ("税金", None, "name"),  # top-level duplicate
        ("住民税", "same", "name"),  # duplicate under the same parent
        ("新しい分類", "other_center", "parent"),
        (f"番号 {MY_NUMBER}", None, "name"),
    ],
)
def test_category_create_refusals_change_nothing(
    iwaki, operator, audit_trail, name, parent_of, field
):
    taxes = CategoryFactory.create(center=iwaki, name="税金", parent=None)
    CategoryFactory.create(center=iwaki, name="住民税", parent=taxes)
    parent = {
        None: None,
        "same": taxes,
        "other_center": CategoryFactory.create(center=CenterFactory.create()),
    }[parent_of]
    before = Category.objects.count()
    with pytest.raises(InteractionsError) as exc:
        category_create(actor=operator, center=iwaki, name=name, parent=parent)
    assert exc.value.field == field
    assert str(exc.value.message)
    assert Category.objects.count() == before
    assert audit_trail.actions() == []


# --- recording ---------------------------------------------------------------------


def test_record_writes_fields_and_timeline(iwaki, operator, category):
    department = iwaki.departments.get(name="ごみ減量推進課")
    interaction = record(
        iwaki,
        operator,
        category=category,
        department=department,
        outcome=Outcome.HANDED_TO_DEPARTMENT,
        caller_number="０９０－１２３４－５６７８",
        faq_ids=["FAQ-12", 7, "FAQ-12", " "],
        language="en",
    )
    interaction.refresh_from_db()
    assert interaction.center == iwaki
    assert interaction.dialed_number == "+81246221111"
    assert interaction.caller_number == "+819012345678"
    assert interaction.faq_ids == ["FAQ-12", "7"]
    assert interaction.operator == operator
    assert (interaction.started_at, interaction.ended_at) == (STARTED, ENDED)
    assert interaction.wrap_up_ended_at is not None
    assert interaction.wrap_up_ended_at >= interaction.ended_at
    assert interaction.language == "en"
    assert interaction.urgent is False
    assert interaction.completed_in_center is True
    # Iwaki keeps interaction personal data for 365 days after the contact.
    assert interaction.personal_data_expires_at == ENDED + timedelta(days=365)
    assert timeline(interaction) == [
        (
            "created",
            {
                "channel": "phone",
                "kind": "inquiry",
                "outcome": "handed_to_department",
                "category_id": category.pk,
                "tally": False,
            },
        ),
        ("faq_used", {"faq_ids": ["FAQ-12", "7"]}),
        ("transferred", {"department_id": department.pk, "switchboard": False}),
    ]


def test_record_audit_event(iwaki, operator, category, audit_trail):
    audit_trail.mark()
    interaction = record(iwaki, operator, category=category, caller_number="090-1234-5678")
    [event] = audit_trail.events()
    assert event.action == audit_actions.INTERACTION_RECORDED
    assert event.center_id == iwaki.pk
    assert event.object_id == str(interaction.pk)
    assert event.data["kind"] == "inquiry"
    assert event.data["tally"] is False
    # Personal data stays in the record only, never in the audit log or the timeline.
    assert "+819012345678" not in str(event.data)
    assert "+819012345678" not in str(timeline(interaction))


def test_threat_is_urgent_and_escalated(iwaki, operator):
    department = iwaki.departments.get(name="広報広聴課")
    interaction = record(
        iwaki,
        operator,
        kind=InteractionKind.THREAT,
        outcome=Outcome.ESCALATED,
        department=department,
    )
    assert interaction.urgent is True
    assert interaction.completed_in_center is False
    assert timeline(interaction)[-1] == (
        "escalated",
        {"department_id": department.pk, "urgent": True},
    )


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [
        (Outcome.COMPLETED, True),
        (Outcome.SWITCHBOARD_TRANSFER, True),
        (Outcome.HANDED_TO_DEPARTMENT, True),
        (Outcome.ESCALATED, False),
    ],
)
def test_completed_in_center_per_outcome(outcome, counts):
    assert Interaction(outcome=outcome).completed_in_center is counts


def test_callback_request_and_switchboard_timeline(iwaki, operator):
    interaction = record(
        iwaki,
        operator,
        kind=InteractionKind.CALLBACK_REQUEST,
        outcome=Outcome.SWITCHBOARD_TRANSFER,
    )
    assert [t for t, _ in timeline(interaction)] == [
        "created",
        "callback_requested",
        "transferred",
    ]
    assert timeline(interaction)[-1][1] == {"department_id": None, "switchboard": True}


def test_record_without_retention_setting_keeps_personal_data(operator):
    center = CenterFactory.create()
    interaction = record(center, operator, dialed_number="", caller_number="0246-22-1111")
    assert interaction.personal_data_expires_at is None
    assert interaction.dialed_number == ""


def test_record_from_call_takes_its_number_and_times_and_fills_kpi_fields(
    iwaki, operator, category
):
    arrived = datetime(2026, 1, 5, 11, 0, tzinfo=TOKYO)
    call = Call.objects.create(
        center=iwaki,
        dialed_number="+81246221111",
        caller_number="+819012345678",
        arrived_at=arrived,
        answered_at=arrived + timedelta(seconds=8),
        ended_at=arrived + timedelta(minutes=5),
        disposition=Disposition.ANSWERED,
    )
    interaction = record(
        iwaki,
        operator,
        call=call,
        category=category,
        dialed_number="",
        started_at=None,
        ended_at=None,
        outcome=Outcome.SWITCHBOARD_TRANSFER,
        faq_ids=["FAQ-1"],
    )
    assert interaction.call == call
    assert interaction.dialed_number == "+81246221111"
    assert interaction.caller_number == ""  # never copied: stored only when typed (CON-8)
    assert interaction.started_at == call.answered_at
    assert interaction.ended_at == call.ended_at
    call.refresh_from_db()
    assert call.resolved_in_center is True
    assert call.is_switchboard_transfer is True
    assert call.category == "ごみの出し方"
    assert call.faq_ids == ["FAQ-1"]


def _refusals(iwaki: Any) -> list[tuple[dict[str, Any], str]]:
    other = CenterFactory.create()
    return [
        ({"summary": f"個人番号は{MY_NUMBER}です"}, "summary"),
        ({"answer": f"カード {CARD} を確認"}, "answer"),
        ({"summary": "  "}, "summary"),
        ({"category": CategoryFactory.create(center=other)}, "category"),
        ({"category": CategoryFactory.create(center=iwaki, is_active=False)}, "category"),
        ({"department": DepartmentFactory.create(center=other)}, "department"),
        ({"outcome": Outcome.HANDED_TO_DEPARTMENT}, "department"),
        ({"outcome": Outcome.ESCALATED}, "department"),
        ({"caller_number": "12345"}, "caller_number"),
        ({"dialed_number": "電話"}, "dialed_number"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "gossip"}, "kind"),
        ({"outcome": "maybe"}, "outcome"),
        ({"language": "fr"}, "language"),
        ({"ended_at": STARTED - timedelta(seconds=1)}, "ended_at"),
        ({"started_at": datetime(2026, 1, 5, 10, 0)}, "started_at"),  # noqa: DTZ001
        (
            {
                "call": Call.objects.create(
                    center=other, dialed_number="+81355550000", arrived_at=STARTED
                )
            },
            "call",
        ),
    ]


def test_every_refusal_changes_nothing_and_logs_nothing(iwaki, operator, audit_trail):
    for overrides, field in _refusals(iwaki):
        audit_trail.mark()
        with pytest.raises(InteractionsError) as exc:
            record(iwaki, operator, **overrides)
        assert exc.value.field == field, overrides
        assert str(exc.value.message), overrides
        assert Interaction.objects.count() == 0
        assert InteractionEvent.objects.count() == 0
        assert audit_trail.actions() == []


def test_pii_messages_name_the_kind_of_number(iwaki, operator):
    with pytest.raises(InteractionsError) as my_number:
        record(iwaki, operator, summary=f"番号 {MY_NUMBER}")
    with pytest.raises(InteractionsError) as card:
        record(iwaki, operator, answer=CARD)
    assert "マイナンバー" in str(my_number.value.message)
    assert "クレジットカード" in str(card.value.message)


def test_numbers_that_are_not_special_care_are_accepted(iwaki, operator):
    interaction = record(iwaki, operator, summary=f"受付番号 {MY_NUMBER_BAD}、電話 0246-22-1111")
    assert MY_NUMBER_BAD in interaction.summary


# --- tally -------------------------------------------------------------------------


def test_tally_creates_exactly_one_completed_inquiry(iwaki, operator, category, audit_trail):
    audit_trail.mark()
    interaction = interaction_tally(
        actor=operator, center=iwaki, category=category, dialed_number="0246-22-1111"
    )
    assert Interaction.objects.count() == 1
    interaction.refresh_from_db()
    assert interaction.kind == InteractionKind.INQUIRY
    assert interaction.outcome == Outcome.COMPLETED
    assert interaction.summary == "ごみの出し方"
    assert interaction.answer == ""
    assert interaction.category == category
    assert interaction.channel == Channel.PHONE
    assert interaction.dialed_number == "+81246221111"
    assert interaction.caller_number == ""
    assert interaction.operator == operator
    assert interaction.department is None
    assert [t for t, _ in timeline(interaction)] == ["created", "completed"]
    assert timeline(interaction)[0][1]["tally"] is True
    [event] = audit_trail.events()
    assert (event.action, event.data["tally"]) == (audit_actions.INTERACTION_RECORDED, True)


def test_tally_refuses_another_centers_category(iwaki, operator, audit_trail):
    foreign = CategoryFactory.create(center=CenterFactory.create())
    with pytest.raises(InteractionsError) as exc:
        interaction_tally(actor=operator, center=iwaki, category=foreign)
    assert exc.value.field == "category"
    assert Interaction.objects.count() == 0
    assert audit_trail.actions() == []


# --- personal-data expiry ----------------------------------------------------------


def test_expiry_blanks_only_expired_rows(iwaki, audit_trail):
    now = datetime(2027, 1, 10, 3, 0, tzinfo=TOKYO)
    other = CenterFactory.create()
    due = InteractionFactory.create(
        center=iwaki, caller_number="+819011112222", personal_data_expires_at=now
    )
    due_other = InteractionFactory.create(
        center=other,
        caller_number="+819033334444",
        personal_data_expires_at=now - timedelta(days=1),
    )
    not_yet = InteractionFactory.create(
        center=iwaki,
        caller_number="+819055556666",
        personal_data_expires_at=now + timedelta(seconds=1),
    )
    kept = InteractionFactory.create(center=iwaki, caller_number="+819077778888")
    assert interaction_expire_personal_data(now=now) == 2
    for row in (due, due_other, not_yet, kept):
        row.refresh_from_db()
    assert (due.caller_number, due.personal_data_expired_at) == ("", now)
    assert (due_other.caller_number, due_other.personal_data_expired_at) == ("", now)
    assert due.summary and due.answer  # the history itself stays
    assert not_yet.caller_number == "+819055556666"
    assert not_yet.personal_data_expired_at is None
    assert kept.caller_number == "+819077778888"
    assert timeline(due) == [("personal_data_expired", {"fields": ["caller_number"]})]
    assert timeline(not_yet) == []
    events_ = audit_trail.events()
    assert [e.action for e in events_] == [audit_actions.PERSONAL_DATA_EXPIRED] * 2
    assert {e.kind for e in events_} == {"deletion"}
    assert {(e.center_id, e.data["count"]) for e in events_} == {(iwaki.pk, 1), (other.pk, 1)}
    assert {tuple(e.data["interaction_ids"]) for e in events_} == {(due.pk,), (due_other.pk,)}
    # A second run finds nothing more to do and logs nothing.
    audit_trail.mark()
    assert interaction_expire_personal_data(now=now) == 0
    assert audit_trail.actions() == []


def test_recorded_then_expired_after_the_centers_period(iwaki, operator):
    interaction = record(iwaki, operator, caller_number="090-1234-5678")
    assert interaction_expire_personal_data(now=ENDED + timedelta(days=364)) == 0
    assert interaction_expire_personal_data(now=ENDED + timedelta(days=365)) == 1
    interaction.refresh_from_db()
    assert interaction.caller_number == ""


# --- timeline functions ------------------------------------------------------------


def test_event_functions_write_their_type_and_data(iwaki, operator):
    interaction = InteractionFactory.create(center=iwaki)
    department = iwaki.departments.get(name="市民課")
    written = [
        events.interaction_created_event(interaction=interaction, actor=operator),
        events.interaction_updated_event(
            interaction=interaction, actor=operator, fields=["summary", "answer"]
        ),
        events.faq_used_event(interaction=interaction, actor=operator, faq_ids=["FAQ-3"]),
        events.transferred_event(interaction=interaction, actor=operator, department=department),
        events.escalated_event(interaction=interaction, actor=operator, department=department),
        events.callback_requested_event(
            interaction=interaction, actor=operator, department=department
        ),
        events.completed_event(interaction=interaction, actor=None),
    ]
    assert [(e.type, e.data) for e in written] == [
        (
            InteractionEventType.CREATED,
            {
                "channel": "phone",
                "kind": "inquiry",
                "outcome": "completed",
                "category_id": interaction.category_id,
                "tally": False,
            },
        ),
        (InteractionEventType.UPDATED, {"fields": ["answer", "summary"]}),
        (InteractionEventType.FAQ_USED, {"faq_ids": ["FAQ-3"]}),
        (InteractionEventType.TRANSFERRED, {"department_id": department.pk, "switchboard": False}),
        (InteractionEventType.ESCALATED, {"department_id": department.pk, "urgent": False}),
        (InteractionEventType.CALLBACK_REQUESTED, {"department_id": department.pk}),
        (InteractionEventType.COMPLETED, {"outcome": "completed"}),
    ]
    assert [e.actor for e in written] == [operator] * 6 + [None]
    assert interaction.events.count() == 7


def test_events_are_append_only(iwaki, operator):
    event = events.completed_event(
        interaction=InteractionFactory.create(center=iwaki), actor=operator
    )
    event.data = {"outcome": "escalated"}
    with pytest.raises(ValueError, match="append-only"):
        event.save()

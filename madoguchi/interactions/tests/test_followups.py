"""Escalations and callbacks (CON-5, TEL-11), record editing (CON-1) and the desk's one
transaction (record + escalation + callback). Refusals write nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core import mail

from madoguchi.accounts.tests.factories import UserFactory
from madoguchi.calls.models import Call, Voicemail, VoicemailStatus
from madoguchi.interactions import audit_actions
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.models import (
    Callback,
    CallbackResult,
    CallbackStatus,
    Channel,
    Escalation,
    EscalationStatus,
    Interaction,
    InteractionEventType,
    InteractionKind,
    Outcome,
)
from madoguchi.interactions.services import (
    business_day_due,
    callback_attempt_log,
    callback_request,
    category_create,
    contact_record,
    escalation_confirm,
    escalation_create,
    escalation_remind,
    escalation_report,
    escalation_start,
    interaction_expire_personal_data,
    interaction_record,
    interaction_update,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import DayType, RetentionKind, RetentionPeriod
from madoguchi.tenancy.tests.factories import (
    CalendarFactory,
    DepartmentFactory,
    OpeningHoursFactory,
)

MY_NUMBER = "1234 5678 9018"


@pytest.fixture
def operator(db):
    return UserFactory.create()


@pytest.fixture
def department(iwaki):
    """A department open on weekdays only (its own calendar, not the center's)."""
    calendar = CalendarFactory.create(name="本庁舎")
    OpeningHoursFactory.create(calendar=calendar, day_type=DayType.WEEKDAY)
    return DepartmentFactory.create(center=iwaki, name="道路管理課", calendar=calendar)


def record(iwaki, operator, **extra):
    fields = {
        "actor": operator,
        "center": iwaki,
        "channel": Channel.PHONE,
        "kind": InteractionKind.REQUEST,
        "summary": "市道の陥没の補修依頼",
        "answer": "",
        "outcome": Outcome.COMPLETED,
        "caller_number": "090-1111-2222",
        "started_at": datetime(2026, 1, 9, 16, 0, tzinfo=TOKYO),
        "ended_at": datetime(2026, 1, 9, 16, 5, tzinfo=TOKYO),
    }
    fields.update(extra)
    return interaction_record(**fields)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday evening, 1 business day: Monday Jan 12 is 成人の日, so Tuesday.
        (datetime(2026, 1, 9, 17, 30, tzinfo=TOKYO), 1, date(2026, 1, 13)),
        # Wednesday, 3 business days: Thu, Fri, (weekend, holiday) Tue.
        (datetime(2026, 1, 7, 10, 0, tzinfo=TOKYO), 3, date(2026, 1, 13)),
        # Across the year end: Dec 29–Jan 3 closed, Jan 4 2026 is a Sunday.
        (datetime(2025, 12, 26, 11, 0, tzinfo=TOKYO), 1, date(2026, 1, 5)),
        (datetime(2025, 12, 26, 11, 0, tzinfo=TOKYO), 2, date(2026, 1, 6)),
    ],
)
def test_due_date_counts_business_days_of_the_department_calendar(department, start, days, due):
    assert business_day_due(department.calendar, start=start, business_days=days) == due


def test_due_date_follows_the_department_not_the_center(iwaki, operator, department):
    """The いわき center answers on Saturdays; the department does not."""
    friday = datetime(2026, 1, 16, 12, 0, tzinfo=TOKYO)
    assert business_day_due(iwaki.calendar, start=friday, business_days=1) == date(2026, 1, 17)
    interaction = record(iwaki, operator, outcome=Outcome.ESCALATED, department=department)
    escalation = escalation_create(
        actor=operator,
        interaction=interaction,
        department=department,
        request="現地確認と補修",
        business_days=1,
        now=friday,
    )
    assert escalation.due_on == date(2026, 1, 19)  # Monday, the department's next day


def test_escalation_goes_open_to_confirmed_with_timeline_and_audit(
    iwaki, operator, department, audit_trail
):
    city = UserFactory.create()
    interaction = record(iwaki, operator, outcome=Outcome.ESCALATED, department=department)
    audit_trail.mark()
    escalation = escalation_create(
        actor=operator, interaction=interaction, department=department, request="補修の可否"
    )
    assert escalation.status == EscalationStatus.OPEN
    with pytest.raises(InteractionsError, match="完了報告の後"):
        escalation_confirm(actor=city, escalation=escalation)
    escalation_start(actor=city, escalation=escalation)
    with pytest.raises(InteractionsError, match="入力"):
        escalation_report(actor=city, escalation=escalation, report="  ")
    with pytest.raises(InteractionsError) as refused:
        escalation_report(actor=city, escalation=escalation, report=f"番号 {MY_NUMBER}")
    assert refused.value.field == "report"
    escalation_report(actor=city, escalation=escalation, report="1月10日に補修済み")
    confirmed = escalation_confirm(actor=city, escalation=escalation)
    assert (confirmed.status, confirmed.report, confirmed.confirmed_by) == (
        EscalationStatus.CONFIRMED,
        "1月10日に補修済み",
        city,
    )
    with pytest.raises(InteractionsError):
        escalation_report(actor=city, escalation=escalation, report="再報告")
    assert audit_trail.actions() == [
        audit_actions.ESCALATION_CREATED,
        audit_actions.ESCALATION_STARTED,
        audit_actions.ESCALATION_REPORTED,
        audit_actions.ESCALATION_CONFIRMED,
    ]
    types = list(interaction.events.values_list("type", flat=True))
    # The escalated row was written once, by the record, not again by the escalation.
    assert types == [
        InteractionEventType.CREATED,
        InteractionEventType.ESCALATED,
        InteractionEventType.ESCALATION_REPORTED,
        InteractionEventType.ESCALATION_CONFIRMED,
    ]


def test_escalation_refuses_another_centers_department(iwaki, operator, load_scenarios):
    oita = load_scenarios("oita")["oita"]
    foreign = DepartmentFactory.create(center=oita)
    interaction = record(iwaki, operator)
    with pytest.raises(InteractionsError) as refused:
        escalation_create(
            actor=operator, interaction=interaction, department=foreign, request="依頼"
        )
    assert refused.value.field == "department"
    assert not Escalation.objects.exists()


def test_reminders_flag_and_mail_due_cases_once_a_day(
    iwaki, operator, department, audit_trail, django_capture_on_commit_callbacks
):
    interaction = record(iwaki, operator, outcome=Outcome.ESCALATED, department=department)
    monday = datetime(2026, 1, 5, 9, 0, tzinfo=TOKYO)
    mailed = escalation_create(
        actor=operator,
        interaction=interaction,
        department=department,
        request="補修",
        business_days=1,
        notify_email="douro@city.iwaki.example",
        now=monday,
    )  # due Tue Jan 6
    quiet = escalation_create(
        actor=operator,
        interaction=interaction,
        department=department,
        request="別件",
        business_days=1,
        now=monday,
    )
    later = escalation_create(
        actor=operator,
        interaction=interaction,
        department=department,
        request="先の件",
        business_days=5,
        now=monday,
    )
    audit_trail.mark()
    with django_capture_on_commit_callbacks(execute=True):
        reminded = escalation_remind(now=datetime(2026, 1, 7, 3, 0, tzinfo=TOKYO))
    assert sorted(e.pk for e in reminded) == sorted([mailed.pk, quiet.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["douro@city.iwaki.example"]
    assert "2026年01月06日" in mail.outbox[0].body
    assert audit_trail.actions() == [audit_actions.ESCALATION_REMINDED] * 2
    later.refresh_from_db()
    assert later.reminded_at is None
    # Same day again: nothing; the next day: reminded again (count 2).
    assert escalation_remind(now=datetime(2026, 1, 7, 15, 0, tzinfo=TOKYO)) == []
    again = escalation_remind(now=datetime(2026, 1, 8, 3, 0, tzinfo=TOKYO))
    assert {e.pk: e.reminder_count for e in again} == {mailed.pk: 2, quiet.pk: 2}


def test_callback_from_a_contact_and_its_attempts(iwaki, operator, audit_trail):
    interaction = record(iwaki, operator, kind=InteractionKind.CALLBACK_REQUEST)
    callback = callback_request(
        actor=operator,
        center=iwaki,
        number="０９０－３３３３－４４４４",
        preferred_time="15時以降",
        interaction=interaction,
        now=datetime(2026, 1, 9, 16, 10, tzinfo=TOKYO),
    )
    assert callback.number == "+819033334444"
    assert callback.due_on == date(2026, 1, 10)  # the center's next open day: Saturday
    first = callback_attempt_log(
        actor=operator, callback=callback, result=CallbackResult.NO_ANSWER, note="呼出20秒"
    )
    callback.refresh_from_db()
    assert (callback.status, first.by, first.note) == (
        CallbackStatus.IN_PROGRESS,
        operator,
        "呼出20秒",
    )
    call = Call.objects.create(
        center=iwaki,
        dialed_number="+819033334444",
        arrived_at=datetime(2026, 1, 13, 10, 0, tzinfo=TOKYO),
    )
    callback_attempt_log(
        actor=operator, callback=callback, result=CallbackResult.REACHED, call=call
    )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DONE
    assert [a.call_id for a in callback.attempts.all()] == [None, call.pk]
    with pytest.raises(InteractionsError, match="終わって"):
        callback_attempt_log(actor=operator, callback=callback, result=CallbackResult.BUSY)
    types = list(interaction.events.values_list("type", flat=True))
    assert types.count(InteractionEventType.CALLBACK_REQUESTED) == 1
    assert types.count(InteractionEventType.CALLBACK_ATTEMPTED) == 2
    assert audit_actions.CALLBACK_REQUESTED in audit_trail.actions()


def test_callback_from_a_voicemail_marks_the_message(iwaki, operator):
    call = Call.objects.create(
        center=iwaki,
        dialed_number="+81246221111",
        caller_number="+819055556666",
        arrived_at=datetime(2026, 1, 9, 18, 0, tzinfo=TOKYO),
    )
    voicemail = Voicemail.objects.create(call=call, recorded_at=call.arrived_at)
    callback = callback_request(
        actor=operator, center=iwaki, number=call.caller_number, voicemail=voicemail
    )
    voicemail.refresh_from_db()
    assert voicemail.status == VoicemailStatus.ASSIGNED
    with pytest.raises(InteractionsError, match="登録済み"):
        callback_request(actor=operator, center=iwaki, number="09055556666", voicemail=voicemail)
    callback_attempt_log(actor=operator, callback=callback, result=CallbackResult.REACHED)
    voicemail.refresh_from_db()
    assert voicemail.status == VoicemailStatus.CALLED_BACK


def test_callback_number_expires_with_the_record(iwaki, operator):
    RetentionPeriod.objects.update_or_create(
        center=iwaki, kind=RetentionKind.INTERACTION_PERSONAL, defaults={"days": 30}
    )
    interaction = record(iwaki, operator)
    callback = callback_request(
        actor=operator, center=iwaki, number="090-1111-2222", interaction=interaction
    )
    assert callback.personal_data_expires_at == interaction.personal_data_expires_at
    assert interaction_expire_personal_data(now=datetime(2026, 3, 1, tzinfo=TOKYO)) == 1
    callback.refresh_from_db()
    assert callback.number == ""


def test_contact_record_writes_record_escalation_and_callback_together(iwaki, operator, department):
    interaction = contact_record(
        actor=operator,
        center=iwaki,
        channel=Channel.PHONE,
        kind=InteractionKind.REQUEST,
        summary="街灯が消えている",
        answer="所管課から折り返します",
        outcome=Outcome.ESCALATED,
        department=department,
        caller_number="090-7777-8888",
        callback=True,
        callback_preferred_time="午前中",
    )
    escalation = interaction.escalations.get()
    callback = interaction.callbacks.get()
    assert (escalation.department, escalation.request) == (department, "街灯が消えている")
    assert (callback.number, callback.department, callback.preferred_time) == (
        "+819077778888",
        department,
        "午前中",
    )


def test_contact_record_refusal_in_a_follow_up_writes_nothing(iwaki, operator, department):
    with pytest.raises(InteractionsError) as refused:
        contact_record(
            actor=operator,
            center=iwaki,
            channel=Channel.PHONE,
            kind=InteractionKind.REQUEST,
            summary="街灯が消えている",
            answer="",
            outcome=Outcome.COMPLETED,
            callback=True,
            callback_number="",
            caller_number="",
        )
    assert refused.value.field == "callback_number"
    assert not Interaction.objects.exists()
    assert not Callback.objects.exists()


def test_editing_a_record_keeps_every_version(iwaki, operator, department, audit_trail):
    category = category_create(actor=operator, center=iwaki, name="道路")
    interaction = record(iwaki, operator)
    audit_trail.mark()
    supervisor = UserFactory.create()
    interaction_update(
        actor=supervisor,
        interaction=interaction,
        kind=InteractionKind.REQUEST,
        summary="市道の陥没（国道側）の補修依頼",
        answer="",
        outcome=Outcome.HANDED_TO_DEPARTMENT,
        category=category,
        department=department,
    )
    # No change: no version, no audit.
    interaction_update(
        actor=supervisor,
        interaction=interaction,
        kind=InteractionKind.REQUEST,
        summary="市道の陥没（国道側）の補修依頼",
        answer="",
        outcome=Outcome.HANDED_TO_DEPARTMENT,
        category=category,
        department=department,
    )
    with pytest.raises(InteractionsError) as refused:
        interaction_update(
            actor=supervisor,
            interaction=interaction,
            kind=InteractionKind.REQUEST,
            summary="ok",
            answer=MY_NUMBER,
            outcome=Outcome.COMPLETED,
            category=None,
            department=None,
        )
    assert refused.value.field == "answer"
    interaction.refresh_from_db()
    assert interaction.summary == "市道の陥没（国道側）の補修依頼"
    assert interaction.department == department
    updated = interaction.events.filter(type=InteractionEventType.UPDATED).get()
    assert updated.actor == supervisor
    assert updated.data == {
        "fields": ["category_id", "department_id", "outcome", "summary"],
        "version": 2,
        "before": {
            "category_id": None,
            "department_id": None,
            "outcome": "completed",
            "summary": "市道の陥没の補修依頼",
        },
    }
    assert audit_trail.actions() == [audit_actions.INTERACTION_UPDATED]
    assert audit_trail.events()[0].data == {
        "fields": ["category_id", "department_id", "outcome", "summary"],
        "version": 2,
    }

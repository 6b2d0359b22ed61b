"""Tenancy services: refused input changes nothing; every change is audited once."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from madoguchi.audit.models import AuditEvent
from madoguchi.audit.selectors import audit_chain_verify
from madoguchi.tenancy import services
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import (
    Calendar,
    CalendarException,
    Center,
    DayType,
    Department,
    ExceptionKind,
    InboundNumber,
    NumberKind,
    OpeningHours,
    RetentionKind,
    RetentionPeriod,
)
from madoguchi.tenancy.tests.factories import (
    DepartmentFactory,
    InboundNumberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    from madoguchi.accounts.tests.factories import UserFactory

    return UserFactory.create(username="kanri-takahashi", display_name="管理者 高橋")


@pytest.fixture
def center(actor):
    return services.center_upsert(
        actor=actor,
        slug="iwaki",
        name="いわき市総合コールセンター",
        kind="general",
        languages=["ja"],
    )


def row_counts() -> dict[str, int]:
    models = [
        Calendar,
        OpeningHours,
        CalendarException,
        Center,
        InboundNumber,
        Department,
        RetentionPeriod,
        AuditEvent,
    ]
    return {m.__name__: m._default_manager.count() for m in models}


# --- center_upsert ------------------------------------------------------------------


def test_center_upsert_creates_a_center_with_its_own_calendar(actor, audit_trail):
    center = services.center_upsert(
        actor=actor,
        slug="niigata",
        name="新潟市新型コロナワクチン接種コールセンター",
        kind="specialized",
        languages=["ja", "en", "zh-hans", "ko"],
        target_answer_rate=Decimal("90.00"),
    )
    center.refresh_from_db()
    assert center.slug == "niigata"
    assert center.languages == ["ja", "en", "zh-hans", "ko"]
    assert center.target_answer_rate == Decimal("90.00")
    assert center.calendar.name == "新潟市新型コロナワクチン接種コールセンター"
    assert center.calendar.year_end_closure is True
    assert center.calendar.hours.count() == 0
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.center.created"]
    assert events[0].center_id == center.pk
    assert events[0].actor_id == actor.pk
    assert events[0].actor_label == "kanri-takahashi"
    assert events[0].object_type == "tenancy.center"
    assert events[0].object_id == str(center.pk)
    assert events[0].object_repr == "新潟市新型コロナワクチン接種コールセンター"


def test_center_upsert_updates_only_changed_fields(center, actor, audit_trail):
    same = services.center_upsert(actor=actor, slug="iwaki", name="いわき市総合コールセンター")
    assert same.pk == center.pk
    assert audit_trail.actions() == []  # nothing changed, nothing logged

    services.center_upsert(
        actor=actor, slug="iwaki", line_count=5, overflow_action="voicemail", kind="general"
    )
    center.refresh_from_db()
    assert (center.line_count, center.overflow_action) == (5, "voicemail")
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.center.updated"]
    assert events[0].data == {"changed": ["line_count", "overflow_action"]}
    assert Center.objects.count() == 1
    assert Calendar.objects.count() == 1


@pytest.mark.parametrize(
    "languages", [["en"], [], ["ja", "fr"], ["zh-hans", "ko"], ["JA"]], ids=repr
)
def test_center_upsert_refuses_languages_without_japanese(actor, languages, audit_trail):
    before = row_counts()
    with pytest.raises(TenancyError) as excinfo:
        services.center_upsert(
            actor=actor, slug="oita", name="大分市", kind="specialized", languages=languages
        )
    assert "日本語" in str(excinfo.value)
    assert row_counts() == before
    assert audit_trail.actions() == []


def test_center_upsert_refuses_languages_change_on_an_existing_center(center, actor):
    with pytest.raises(TenancyError):
        services.center_upsert(actor=actor, slug="iwaki", languages=["en"])
    center.refresh_from_db()
    assert center.languages == ["ja"]


def test_center_upsert_refuses_unknown_fields(actor, audit_trail):
    with pytest.raises(TenancyError) as excinfo:
        services.center_upsert(actor=actor, slug="x", name="X", is_active=False, calendar=None)
    assert str(excinfo.value) == "unknown center fields: ['calendar', 'is_active']"
    assert Center.objects.count() == 0
    assert audit_trail.actions() == []


# --- calendar_hours_set -------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        (time(17, 0), time(8, 30), "closes"),
        (time(9, 0), time(9, 0), "closes"),
        (time(9, 0), None, "opens"),
        (None, time(17, 0), "opens"),
    ],
)
def test_calendar_hours_set_refuses_bad_hours(center, actor, opens, closes, field, audit_trail):
    services.calendar_hours_set(
        actor=actor,
        calendar=center.calendar,
        day_type=DayType.SATURDAY,
        opens=time(8, 30),
        closes=time(17, 0),
        center=center,
    )
    audit_trail.mark()
    with pytest.raises(TenancyError) as excinfo:
        services.calendar_hours_set(
            actor=actor,
            calendar=center.calendar,
            day_type=DayType.SATURDAY,
            opens=opens,
            closes=closes,
            center=center,
        )
    assert excinfo.value.field == field
    hours = OpeningHours.objects.get(calendar=center.calendar, day_type=DayType.SATURDAY)
    assert (hours.opens, hours.closes) == (time(8, 30), time(17, 0))
    assert audit_trail.actions() == []


def test_calendar_hours_set_sets_replaces_and_closes(center, actor, audit_trail):
    cal = center.calendar
    services.calendar_hours_set(
        actor=actor,
        calendar=cal,
        day_type=DayType.SATURDAY,
        opens=time(9),
        closes=time(12),
        center=center,
    )
    services.calendar_hours_set(
        actor=actor,
        calendar=cal,
        day_type=DayType.SATURDAY,
        opens=time(9),
        closes=time(13),
        center=center,
    )
    assert list(cal.hours.values_list("day_type", "opens", "closes")) == [
        ("saturday", time(9), time(13))
    ]
    services.calendar_hours_set(
        actor=actor,
        calendar=cal,
        day_type=DayType.SATURDAY,
        opens=None,
        closes=None,
        center=center,
    )
    assert cal.hours.count() == 0
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.calendar.hours_set"] * 3
    assert events[0].data == {"day_type": "saturday", "opens": "09:00:00", "closes": "12:00:00"}
    assert events[2].data == {"day_type": "saturday", "opens": None, "closes": None}
    assert {e.center_id for e in events} == {center.pk}
    assert events[0].object_type == "tenancy.calendar"


# --- calendar exceptions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(None, None), (time(9), None), (None, time(17)), (time(17), time(9)), (time(9), time(9))],
)
def test_calendar_exception_open_needs_valid_times(center, actor, opens, closes, audit_trail):
    with pytest.raises(TenancyError):
        services.calendar_exception_set(
            actor=actor,
            calendar=center.calendar,
            day=date(2026, 12, 29),
            kind=ExceptionKind.OPEN,
            opens=opens,
            closes=closes,
        )
    assert CalendarException.objects.count() == 0
    assert audit_trail.actions() == []


def test_calendar_exception_closed_ignores_times(center, actor, audit_trail):
    exception = services.calendar_exception_set(
        actor=actor,
        calendar=center.calendar,
        day=date(2026, 1, 6),
        kind=ExceptionKind.CLOSED,
        opens=time(9),
        closes=time(17),
        reason="  庁舎停電  ",
        center=center,
    )
    exception.refresh_from_db()
    assert (exception.kind, exception.opens, exception.closes) == ("closed", None, None)
    assert exception.reason == "庁舎停電"
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.calendar.exception_set"]
    assert events[0].data["date"] == "2026-01-06"
    assert events[0].data["kind"] == "closed"
    assert (events[0].data["opens"], events[0].data["closes"]) == (None, None)


def test_calendar_exception_remove(center, actor, audit_trail):
    exception = services.calendar_exception_set(
        actor=actor,
        calendar=center.calendar,
        day=date(2026, 8, 13),
        kind=ExceptionKind.OPEN,
        opens=time(8, 30),
        closes=time(20, 0),
        center=center,
    )
    services.calendar_exception_remove(actor=actor, exception=exception, center=center)
    assert CalendarException.objects.count() == 0
    events = audit_trail.events()
    assert [e.action for e in events] == [
        "tenancy.calendar.exception_set",
        "tenancy.calendar.exception_removed",
    ]
    assert events[1].data == {"date": "2026-08-13", "kind": "open"}


# --- inbound numbers ----------------------------------------------------------------


@pytest.mark.parametrize("number", ["0246-22-111", "abc", "", "123", "   ", "0246-22-11111"])
def test_inbound_number_add_refuses_malformed_numbers(center, actor, number, audit_trail):
    before = row_counts()
    with pytest.raises(TenancyError) as excinfo:
        services.inbound_number_add(
            actor=actor, center=center, number=number, kind=NumberKind.REPRESENTATIVE
        )
    assert excinfo.value.field == "number"
    assert row_counts() == before
    assert InboundNumber.objects.count() == 0
    assert audit_trail.actions() == []


def test_inbound_number_add_refuses_unknown_kind(center, actor, audit_trail):
    with pytest.raises(TenancyError) as excinfo:
        services.inbound_number_add(
            actor=actor,
            center=center,
            number="0246-22-1111",
            kind="mobile",  # type: ignore[arg-type]
        )
    assert excinfo.value.field == "kind"
    assert InboundNumber.objects.count() == 0
    assert audit_trail.actions() == []


def test_inbound_number_add_normalises_full_width_input(center, actor, audit_trail):
    number = services.inbound_number_add(
        actor=actor,
        center=center,
        number="０２４６－２２－１１１１",
        kind=NumberKind.REPRESENTATIVE,
        label="市役所本庁舎 代表",
    )
    number.refresh_from_db()
    assert (number.e164, number.display) == ("+81246221111", "0246-22-1111")
    assert number.center_id == center.pk
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.number.added"]
    assert events[0].data == {"number": "0246-22-1111", "kind": "representative"}
    assert events[0].center_id == center.pk
    assert events[0].object_repr == "0246-22-1111"


def test_inbound_number_used_by_another_center_is_refused(center, actor, audit_trail):
    other = InboundNumberFactory.create(
        e164="+81975105151",
        display="097-510-5151",
        center__name="大分市マイナンバーカードコールセンター",
    )
    audit_trail.mark()
    with pytest.raises(TenancyError) as excinfo:
        services.inbound_number_add(
            actor=actor, center=center, number="097(510)5151", kind=NumberKind.INQUIRY
        )
    assert excinfo.value.field == "number"
    assert str(excinfo.value) == (
        "097-510-5151 は既に「大分市マイナンバーカードコールセンター」の番号です。"
    )
    other.refresh_from_db()
    assert other.center_id != center.pk
    assert InboundNumber.objects.count() == 1
    assert audit_trail.actions() == []


def test_inbound_number_add_same_number_again_changes_nothing(center, actor, audit_trail):
    first = services.inbound_number_add(
        actor=actor,
        center=center,
        number="0246-22-1111",
        kind=NumberKind.REPRESENTATIVE,
        label="代表",
    )
    audit_trail.mark()
    again = services.inbound_number_add(
        actor=actor,
        center=center,
        number="0246221111",
        kind=NumberKind.REPRESENTATIVE,
        label="代表",
    )
    assert again.pk == first.pk
    assert InboundNumber.objects.count() == 1
    assert audit_trail.actions() == []


def test_inbound_number_add_relabel_is_audited(center, actor, audit_trail):
    """Changing an existing number's kind/label is a change and must be in the audit log."""
    services.inbound_number_add(
        actor=actor,
        center=center,
        number="0246-22-1111",
        kind=NumberKind.REPRESENTATIVE,
        label="代表",
    )
    audit_trail.mark()
    number = services.inbound_number_add(
        actor=actor,
        center=center,
        number="0246-22-1111",
        kind=NumberKind.INQUIRY,
        label="問合せ専用",
    )
    number.refresh_from_db()
    assert (number.kind, number.label) == ("inquiry", "問合せ専用")
    actions = audit_trail.actions()
    assert len(actions) == 1
    assert actions[0].startswith("tenancy.number.")


def test_inbound_number_remove(center, actor, audit_trail):
    number = services.inbound_number_add(
        actor=actor, center=center, number="0246-54-2111", kind=NumberKind.REPRESENTATIVE
    )
    services.inbound_number_remove(actor=actor, number=number)
    assert InboundNumber.objects.count() == 0
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.number.added", "tenancy.number.removed"]
    assert events[1].data == {"number": "0246-54-2111"}
    assert events[1].center_id == center.pk


# --- departments --------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["21-51", "内線2151", "2151a", "#2151"])
def test_department_upsert_refuses_non_digit_extension(center, actor, extension, audit_trail):
    before = row_counts()
    with pytest.raises(TenancyError) as excinfo:
        services.department_upsert(actor=actor, center=center, name="市民課", extension=extension)
    assert excinfo.value.field == "extension"
    assert row_counts() == before
    assert audit_trail.actions() == []


@pytest.mark.parametrize("external", ["0246-22-745", "abc", "123"])
def test_department_upsert_refuses_bad_external_number(center, actor, external, audit_trail):
    before = row_counts()
    with pytest.raises(TenancyError) as excinfo:
        services.department_upsert(
            actor=actor, center=center, name="市民課", external_number=external
        )
    assert excinfo.value.field == "external_number"
    assert row_counts() == before
    assert audit_trail.actions() == []


def test_department_upsert_refuses_empty_name(center, actor, audit_trail):
    with pytest.raises(TenancyError) as excinfo:
        services.department_upsert(actor=actor, center=center, name="　 ")
    assert excinfo.value.field == "name"
    assert Department.objects.count() == 0
    assert audit_trail.actions() == []


def test_department_upsert_refuses_parent_of_another_center(center, actor, audit_trail):
    foreign = DepartmentFactory.create(name="保健衛生部")
    audit_trail.mark()
    with pytest.raises(TenancyError) as excinfo:
        services.department_upsert(actor=actor, center=center, name="市民課", parent=foreign)
    assert excinfo.value.field == "parent"
    assert Department.objects.filter(center=center).count() == 0
    assert audit_trail.actions() == []


def test_department_upsert_creates_with_office_hours(center, actor, audit_trail):
    dept = services.department_upsert(
        actor=actor,
        center=center,
        name=" 広報広聴課 ",
        extension=" 2151 ",
        external_number="０２４６－２２－７４０１",
        address="本庁舎5階",
        is_contact_point=True,
    )
    dept.refresh_from_db()
    assert dept.name == "広報広聴課"
    assert dept.extension == "2151"
    assert (dept.external_e164, dept.external_display) == ("+81246227401", "0246-22-7401")
    assert dept.is_contact_point is True
    assert dept.calendar_id != center.calendar_id
    assert list(dept.calendar.hours.values_list("day_type", "opens", "closes")) == [
        ("weekday", time(8, 30), time(17, 15))
    ]
    assert dept.calendar.year_end_closure is True
    events = audit_trail.events()
    assert [e.action for e in events] == [
        "tenancy.calendar.hours_set",
        "tenancy.department.saved",
    ]
    assert events[1].data == {"extension": "2151", "external": "0246-22-7401"}
    assert events[1].object_repr == "広報広聴課"
    assert {e.center_id for e in events} == {center.pk}


def test_department_upsert_updates_by_name(center, actor, audit_trail):
    first = services.department_upsert(actor=actor, center=center, name="市民課", extension="2301")
    calendars = Calendar.objects.count()
    audit_trail.mark()
    second = services.department_upsert(
        actor=actor, center=center, name="市民課", extension="2302", address="本庁舎1階"
    )
    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.extension, second.address, second.external_e164) == ("2302", "本庁舎1階", "")
    assert Calendar.objects.count() == calendars
    assert audit_trail.actions() == ["tenancy.department.saved"]


def test_department_upsert_stores_ascii_extension_for_full_width_input(center, actor):
    """Full-width digits pass str.isdigit(); they must be stored as the digits a PBX dials."""
    dept = services.department_upsert(
        actor=actor, center=center, name="市民課", extension="２３０１"
    )
    dept.refresh_from_db()
    assert dept.extension == "2301"


# --- retention ----------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, -365])
def test_retention_set_refuses_less_than_one_day(center, actor, days, audit_trail):
    with pytest.raises(TenancyError) as excinfo:
        services.retention_set(actor=actor, center=center, kind=RetentionKind.RECORDING, days=days)
    assert excinfo.value.field == "days"
    assert RetentionPeriod.objects.count() == 0
    assert audit_trail.actions() == []


def test_retention_set_creates_and_updates(center, actor, audit_trail):
    services.retention_set(actor=actor, center=center, kind=RetentionKind.RECORDING, days=90)
    period = services.retention_set(
        actor=actor, center=center, kind=RetentionKind.RECORDING, days=60
    )
    assert RetentionPeriod.objects.get().days == 60
    assert period.kind == "recording"
    events = audit_trail.events()
    assert [e.action for e in events] == ["tenancy.retention.set"] * 2
    assert events[1].data == {"kind": "recording", "days": 60}
    assert events[1].center_id == center.pk


def test_every_service_call_leaves_a_verifiable_chain(center, actor):
    services.retention_set(actor=actor, center=center, kind=RetentionKind.VOICEMAIL, days=60)
    services.inbound_number_add(
        actor=actor, center=center, number="0246-22-1111", kind=NumberKind.REPRESENTATIVE
    )
    with pytest.raises(TenancyError):
        services.inbound_number_add(
            actor=actor, center=center, number="abc", kind=NumberKind.REPRESENTATIVE
        )
    report = audit_chain_verify()
    assert report.ok is True
    assert report.checked == AuditEvent.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target_answer_rate": Decimal("150")}, "target_answer_rate"),
        ({"slug": "いわき 市"}, "slug"),
    ],
)
def test_center_upsert_reports_invalid_values_as_tenancy_error(actor, fields, field, audit_trail):
    """The service's one error type is TenancyError (errors.py); forms catch only that."""
    values: dict[str, Any] = {
        "slug": "iwaki",
        "name": "いわき市",
        "kind": "general",
        "languages": ["ja"],
    }
    values.update(fields)
    before = row_counts()
    with pytest.raises(TenancyError) as excinfo:
        services.center_upsert(actor=actor, **values)
    assert excinfo.value.field == field
    assert row_counts() == before
    assert audit_trail.actions() == []

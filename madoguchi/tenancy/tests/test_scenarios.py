"""The four reference centers, as their procurement documents describe them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from madoguchi.audit.models import AuditEvent
from madoguchi.audit.selectors import audit_chain_verify
from madoguchi.tenancy.models import (
    Calendar,
    CalendarException,
    Center,
    Department,
    InboundNumber,
    OpeningHours,
    RetentionPeriod,
)
from madoguchi.tenancy.scenarios import SCENARIOS, scenario_load

pytestmark = pytest.mark.django_db

TENANCY_MODELS = [
    Calendar,
    OpeningHours,
    CalendarException,
    Center,
    InboundNumber,
    Department,
    RetentionPeriod,
]


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in TENANCY_MODELS}


def test_scenarios_are_the_four_reference_centers():
    assert sorted(SCENARIOS) == ["iwaki", "niigata", "oita", "sapporo"]


def test_loading_all_four_twice_changes_nothing(audit_trail):
    call_command("load_scenario", "iwaki", "niigata", "oita", "sapporo", stdout=io.StringIO())
    first = counts()
    events_after_first = AuditEvent.objects.count()
    assert first == {
        # 4 centers + one office-hours calendar per department (7 + 1 + 5 + 1)
        "Calendar": 18,
        # iwaki 4 + niigata 4 + oita 1 + sapporo 1, plus one weekday row per department
        "OpeningHours": 24,
        "CalendarException": 0,
        "Center": 4,
        "InboundNumber": 8,
        "Department": 14,
        "RetentionPeriod": 7,
    }
    assert events_after_first > 0
    assert set(audit_trail.actions()) == {
        "tenancy.center.created",
        "tenancy.calendar.hours_set",
        "tenancy.calendar.year_end_set",  # Niigata has no year-end closure
        "tenancy.number.added",
        "tenancy.retention.set",
        "tenancy.department.saved",
    }

    out = io.StringIO()
    call_command("load_scenario", "iwaki", "niigata", "oita", "sapporo", stdout=out)
    assert counts() == first
    assert AuditEvent.objects.count() == events_after_first
    assert audit_chain_verify().ok is True
    assert out.getvalue().splitlines()[0] == (
        "iwaki: いわき市総合コールセンター（0246-22-1111, 0246-26-2111, 0246-43-2111, "
        "0246-54-2111, 0246-63-2111）"
    )


def test_scenario_load_audit_codes_for_one_center(audit_trail):
    center = scenario_load(slug="sapporo")
    events = audit_trail.events()
    assert [e.action for e in events] == [
        "tenancy.center.created",
        "tenancy.calendar.hours_set",  # weekday 09:00–18:00
        "tenancy.number.added",
        "tenancy.retention.set",
        "tenancy.retention.set",
        "tenancy.calendar.hours_set",  # the department's office hours
        "tenancy.department.saved",
    ]
    assert {e.center_id for e in events} == {center.pk}
    assert {e.actor_label for e in events} == {"system"}


def test_iwaki_as_specified(iwaki):
    assert iwaki.name == "いわき市総合コールセンター"
    assert iwaki.kind == "general"
    assert iwaki.languages == ["ja"]
    assert iwaki.line_count is None
    assert iwaki.overflow_action == "congestion"
    assert (
        iwaki.target_answer_rate,
        iwaki.target_asa_seconds,
        iwaki.target_first_contact_completion,
        iwaki.target_first_answer_rate,
        iwaki.target_csat,
    ) == (Decimal("90"), 9, Decimal("90"), Decimal("75"), Decimal("80"))
    assert {r.kind: r.days for r in iwaki.retention_periods.all()} == {
        "recording": 90,
        "interaction_personal": 365,
    }
    numbers = sorted(iwaki.numbers.values_list("display", "e164", "kind", "label"))
    assert numbers == [
        ("0246-22-1111", "+81246221111", "representative", "市役所本庁舎 代表"),
        ("0246-26-2111", "+81246262111", "representative", "内郷支所 代表"),
        ("0246-43-2111", "+81246432111", "representative", "常磐支所 代表"),
        ("0246-54-2111", "+81246542111", "representative", "小名浜支所 代表"),
        ("0246-63-2111", "+81246632111", "representative", "勿来支所 代表"),
    ]
    contact = iwaki.departments.get(is_contact_point=True)
    assert (contact.name, contact.extension, contact.external_display) == (
        "広報広聴課",
        "2151",
        "0246-22-7401",
    )


def test_sapporo_as_specified(load_scenarios):
    sapporo = load_scenarios("sapporo")["sapporo"]
    assert sapporo.line_count == 5
    assert sapporo.overflow_action == "voicemail"
    assert sapporo.languages == ["ja"]
    assert {r.kind: r.days for r in sapporo.retention_periods.all()} == {
        "recording": 60,
        "voicemail": 60,
    }
    assert list(sapporo.numbers.values_list("display", "e164")) == [
        ("011-211-2977", "+81112112977")
    ]
    assert list(sapporo.calendar.hours.values_list("day_type", flat=True)) == ["weekday"]


def test_niigata_and_oita_languages_and_numbers(load_scenarios):
    centers = load_scenarios("niigata", "oita")
    for slug, e164 in [("niigata", "+81252500700"), ("oita", "+81975105151")]:
        center = centers[slug]
        assert center.kind == "specialized"
        assert center.languages == ["ja", "en", "zh-hans", "ko"]
        assert list(center.numbers.values_list("e164", "kind")) == [(e164, "inquiry")]
        assert center.retention_periods.get(kind="recording").days == 90
    assert centers["niigata"].calendar.year_end_closure is False
    assert centers["oita"].calendar.year_end_closure is True


def test_reloading_restores_changed_hours(iwaki, audit_trail):
    """A scenario is the specification: loading it again puts drifted hours back."""
    from datetime import time

    from madoguchi.tenancy import services
    from madoguchi.tenancy.models import DayType

    services.calendar_hours_set(
        actor=None, calendar=iwaki.calendar, day_type=DayType.SATURDAY, opens=None, closes=None
    )
    audit_trail.mark()
    scenario_load(slug="iwaki")
    hours = iwaki.calendar.hours.get(day_type="saturday")
    assert (hours.opens, hours.closes) == (time(8, 30), time(17, 0))
    assert audit_trail.actions() == ["tenancy.calendar.hours_set"]

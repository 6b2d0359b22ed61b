"""The delivery schedule on the center calendar: due at 07:00 of the next business day
(Friday → Monday, a holiday Monday → Tuesday, Dec 28 → Jan 4), weekly on Monday, monthly
on the first business day, half-year and annual after their period; delivered once."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from django.core.management import call_command

from madoguchi.inbox.tests.mailservers import smtp_sink_fixture  # noqa: F401
from madoguchi.reports.models import ReportDelivery, ReportRecipient
from madoguchi.reports.periods import (
    day_period,
    fiscal_year_period,
    half_year_period,
    month_period,
    week_period,
)
from madoguchi.reports.tasks import deliver_due, due_at, due_deliveries
from madoguchi.reports.tests.sample import sample_builder_fixture  # noqa: F401
from madoguchi.tenancy.calendars import TOKYO


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def oita(load_scenarios):
    """Weekdays only, closed Dec 29–Jan 3."""
    return load_scenarios("oita")["oita"]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (day_period(date(2026, 10, 16)), tokyo(2026, 10, 19, 7)),  # Friday → Monday
        (day_period(date(2026, 11, 20)), tokyo(2026, 11, 24, 7)),  # Monday 23rd is a holiday
        (day_period(date(2026, 12, 28)), tokyo(2027, 1, 4, 7)),  # year-end closure
        (week_period(date(2026, 10, 14)), tokyo(2026, 10, 19, 7)),  # the next Monday
        (month_period(date(2026, 10, 1)), tokyo(2026, 11, 2, 7)),  # Nov 1 is a Sunday
        (month_period(date(2026, 12, 1)), tokyo(2027, 1, 4, 7)),
        (half_year_period(date(2026, 5, 1)), tokyo(2026, 10, 1, 7)),
        (fiscal_year_period(date(2026, 5, 1)), tokyo(2027, 4, 1, 7)),
    ],
)
def test_due_at_is_0700_of_the_next_business_day(oita, period, expected):
    assert due_at(oita, period) == expected


def test_due_deliveries_follow_the_calendar_and_skip_closed_days(oita):
    ReportRecipient.objects.create(center=oita, kind="daily", email="d@city.oita.example")
    ReportRecipient.objects.create(center=oita, kind="weekly", email="w@city.oita.example")
    ReportRecipient.objects.create(center=oita, kind="monthly", email="m@city.oita.example")

    def due(now: datetime) -> list[tuple[str, date]]:
        return [(d.kind, d.period.first) for d in due_deliveries(now=now)]

    # Monday 2026-10-19, 06:59: only Thursday's daily (due Friday 07:00, never sent, its
    # three days of grace end at 07:00); at 07:00: Friday's daily and last week's weekly.
    assert due(tokyo(2026, 10, 19, 6, 59)) == [("daily", date(2026, 10, 15))]
    assert due(tokyo(2026, 10, 19, 7, 0)) == [
        ("daily", date(2026, 10, 16)),
        ("weekly", date(2026, 10, 12)),
    ]
    # Saturday and Sunday were closed: no daily report for them, ever.
    assert ("daily", date(2026, 10, 17)) not in due(tokyo(2026, 10, 20, 7, 0))
    # The monthly report on the first business day (Monday Nov 2), not on Sunday Nov 1.
    assert ("monthly", date(2026, 10, 1)) not in due(tokyo(2026, 11, 1, 12, 0))
    assert ("monthly", date(2026, 10, 1)) in due(tokyo(2026, 11, 2, 7, 0))
    # Dec 28's daily report waits for Jan 4.
    assert ("daily", date(2026, 12, 28)) not in due(tokyo(2026, 12, 29, 7, 0))
    assert due(tokyo(2027, 1, 4, 7, 0)) == [
        ("daily", date(2026, 12, 28)),
        ("monthly", date(2026, 12, 1)),
        ("weekly", date(2026, 12, 28)),
    ]
    # Three days after they were due, missed reports are no longer sent (Jan 4's weekly
    # and monthly); the dailies of Jan 4–6 (due Jan 5–7) are still within their grace.
    assert due(tokyo(2027, 1, 7, 7, 0)) == [
        ("daily", date(2027, 1, 4)),
        ("daily", date(2027, 1, 5)),
        ("daily", date(2027, 1, 6)),
    ]


def test_deliver_due_sends_once_and_retries_failures(
    oita, smtp_sink, sample_builder, audit_trail, settings
):
    ReportRecipient.objects.create(center=oita, kind="daily", email="d@city.oita.example")
    now = tokyo(2026, 10, 19, 7, 5)
    result = deliver_due(now=now)
    assert result == {
        "delivered": [{"center": "oita", "kind": "daily", "first": "2026-10-16"}],
        "errors": [],
    }
    assert len(smtp_sink.wait_for(2)) == 2
    [delivery] = ReportDelivery.objects.all()
    assert delivery.scheduled and delivery.fmt == "xlsx"
    # A second run in the same hour finds nothing to do.
    assert deliver_due(now=tokyo(2026, 10, 19, 8, 5)) == {"delivered": [], "errors": []}
    assert len(smtp_sink.messages) == 2
    assert len(audit_trail.events()) == 1
    assert audit_trail.events()[0].actor_label == "system"


def test_failed_scheduled_delivery_is_retried_by_the_next_run(
    oita, smtp_sink, sample_builder, settings
):
    ReportRecipient.objects.create(center=oita, kind="daily", email="d@city.oita.example")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # refused
    failed = deliver_due(now=tokyo(2026, 10, 19, 7, 5))
    assert failed["delivered"] == []
    assert failed["errors"][0]["kind"] == "daily"
    assert ReportDelivery.objects.get().status == "failed"
    settings.EMAIL_PORT = port
    retried = deliver_due(now=tokyo(2026, 10, 19, 8, 5))
    assert retried["delivered"] == [{"center": "oita", "kind": "daily", "first": "2026-10-16"}]
    assert sorted(ReportDelivery.objects.values_list("status", flat=True)) == ["failed", "sent"]


def test_report_schedule_command_enqueues_or_runs(oita):
    out = io.StringIO()
    call_command("report_schedule", stdout=out)
    assert json.loads(out.getvalue()) == {"delivered": [], "errors": []}

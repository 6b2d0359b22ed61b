from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from madoguchi.calls.models import AgentStateEvent, Call
from madoguchi.interactions.models import Interaction
from madoguchi.reports import bench_data, kpi
from madoguchi.reports.builders import monthly
from madoguchi.reports.periods import Period
from madoguchi.tenancy.calendars import TOKYO, CalendarRules

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator writes with COPY (PostgreSQL)"
)


def test_daily_volumes_follow_the_day_types(iwaki):
    rules = CalendarRules(iwaki.calendar)
    # Sat 26 and Sun 27 Dec 2026, Mon 28, then the year-end closure (29 Dec – 3 Jan).
    volumes = bench_data.daily_volumes(rules, date(2026, 12, 26), 9, 10_000)
    assert sum(volumes) == 10_000
    saturday, sunday, monday, closed = volumes[0], volumes[1], volumes[2], volumes[3]
    assert monday > saturday > sunday > closed > 0
    assert all(abs(v - closed) <= 1 for v in volumes[3:])  # after-hours calls only


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal is for SQLite")
def test_bench_reports_refuses_sqlite(db):
    with pytest.raises(CommandError, match="PostgreSQL 専用"):
        call_command("bench_reports", "--calls", "10")


@postgres_only
def test_generator_writes_calls_interactions_and_logins_on_two_days(db):
    fixture = bench_data.fixture_ensure()
    first = date(2026, 10, 5)  # Monday and Tuesday, open 08:30–19:00

    generated = bench_data.generate(fixture=fixture, first=first, days=2, total_calls=600, seed=3)

    assert generated.calls == Call.objects.count() == 600
    rules = CalendarRules(fixture.center.calendar)
    rows = list(Call.objects.all())
    dispositions = Counter(c.disposition for c in rows)
    assert set(dispositions) == {"answered", "abandoned", "blocked", "after_hours"}
    assert 0.80 < dispositions["answered"] / 600 < 0.95
    for c in rows:
        assert c.in_hours == rules.is_open(c.arrived_at)
        assert (c.disposition == "after_hours") == (not c.in_hours)
        assert first <= c.arrived_at.astimezone(TOKYO).date() <= first + timedelta(days=1)
        if c.disposition == "answered":
            assert c.answered_at and c.ended_at and c.wrap_end_at
            assert c.arrived_at <= c.answered_at < c.ended_at < c.wrap_end_at
            assert c.agent_id in fixture.agents
            assert c.resolved_in_center is not None and c.category
    # Every answered call has its interaction, linked and timed like the call.
    interactions = {i.call_id: i for i in Interaction.objects.all()}
    assert generated.interactions == len(interactions) == dispositions["answered"]
    answered = [c for c in rows if c.disposition == "answered"]
    assert all(interactions[c.id].started_at == c.answered_at for c in answered)
    assert all(interactions[c.id].faq_ids == c.faq_ids for c in answered)
    assert any(c.faq_ids for c in answered)
    switchboard = [c for c in answered if c.is_switchboard_transfer]
    assert switchboard and all(
        interactions[c.id].outcome == "switchboard_transfer" for c in switchboard
    )
    # Operators log in at opening and out at closing each day.
    events = Counter((e.at, e.state) for e in AgentStateEvent.objects.all())
    opens = kpi.opening_intervals(
        center=fixture.center, first=first, last=first + timedelta(days=1)
    )
    for opening, closing in opens:
        assert events[(opening, "available")] == events[(closing, "logged_out")] > 0

    # And the builders read it: the month's figures agree with the KPI engine.
    period = Period("custom", first, first + timedelta(days=1))
    report = monthly.build_periodic(
        center=fixture.center, period=period, kind="monthly", name="月報"
    )
    figures = kpi.compute(
        kpi.calls_in_period(center=fixture.center, since=period.since, until=period.until),
        options=kpi.KpiOptions.for_center(fixture.center),
        operating_hours=21.0,
    )
    summary = {row[0]: row for row in report.sections[0].tables[0].rows}
    assert summary["総着信呼数"][1] == figures.offered == 600 - dispositions["after_hours"]
    assert summary["応答数"][1] == figures.answered == dispositions["answered"]

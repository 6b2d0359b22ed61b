from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from madoguchi.calls.models import Disposition as D
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.reports.builders import common, weekly
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import week_period
from madoguchi.reports.registry import builder_for
from madoguchi.reports.tests.factories import agent_login, calls, tokyo
from madoguchi.reports.tests.helpers import rows_by_key, section, table

WEEK = week_period(date(2026, 10, 6))  # Mon 5 – Sun 11 October 2026 (12th: Sports Day)


@pytest.fixture
def week_data(iwaki):
    calls(
        iwaki,
        [
            (tokyo(2026, 10, 5, 9, 0), D.ANSWERED),
            (tokyo(2026, 10, 5, 9, 20), D.ANSWERED),
            (tokyo(2026, 10, 5, 9, 40), D.VOICEMAIL),
            (tokyo(2026, 10, 5, 10, 10), D.BLOCKED),
            (tokyo(2026, 10, 5, 10, 20), D.ABANDONED),
            (tokyo(2026, 10, 7, 13, 0), D.ANSWERED),
            (tokyo(2026, 10, 4, 13, 0), D.ANSWERED),  # the Sunday before: not this week
        ],
    )
    housing = CategoryFactory(center=iwaki, name="市営住宅")
    tax = CategoryFactory(center=iwaki, name="税金")
    for n, category in enumerate([housing, housing, housing, tax]):
        InteractionFactory.create(
            center=iwaki,
            category=category,
            started_at=tokyo(2026, 10, 5, 9, n),
            ended_at=tokyo(2026, 10, 5, 9, n, 30),
        )
    agent_login(iwaki, "席01", tokyo(2026, 10, 5, 9, 0), tokyo(2026, 10, 5, 10, 0))
    agent_login(iwaki, "席02", tokyo(2026, 10, 5, 9, 45), tokyo(2026, 10, 5, 11, 0))
    return iwaki


@pytest.fixture
def without_workforce(monkeypatch):
    monkeypatch.setattr(weekly, "_workforce_weekly_seats", lambda: None)


def test_weekly_report_counts_answered_overflow_and_abandoned_by_day(week_data, without_workforce):
    report = builder_for(ReportKind.WEEKLY)(center=week_data, period=WEEK)

    days = rows_by_key(table(report, "日別の着信", "日別の応答・あふれ・放棄"))
    monday = days["2026-10-05（月）"]
    assert (monday["総着信呼数"], monday["応答数"], monday["あふれ呼"], monday["放棄呼数"]) == (
        5,
        2,
        2,
        1,
    )
    assert (monday["留守番電話"], monday["話中"]) == (1, 1)
    assert monday["受電応答率"] == pytest.approx(0.4)
    assert days["2026-10-07（水）"]["応答数"] == 1
    assert days["2026-10-11（日）"]["総着信呼数"] == 0
    assert len(days) == 8  # seven days and the total
    assert days["合計"]["総着信呼数"] == 6 and days["合計"]["応答数"] == 3


def test_weekly_report_breaks_the_contents_down_by_category(week_data, without_workforce):
    report = builder_for(ReportKind.WEEKLY)(center=week_data, period=WEEK)

    contents = table(report, "問合せ内容の内訳", "分類別の応対件数")
    assert contents.rows == [["市営住宅", 3, 0.75], ["税金", 1, 0.25]]
    assert contents.percent_columns == frozenset({2})


def test_seats_section_from_agent_states_counts_logged_in_agents_per_half_hour(
    week_data, without_workforce
):
    report = builder_for(ReportKind.WEEKLY)(center=week_data, period=WEEK)

    seats = table(report, "週間席数報告", "時間帯ごとの計画と実績")
    monday = {row[1]: row for row in seats.rows if row[0] == "2026-10-05（月）"}
    assert list(monday)[0] == "08:30–09:00" and list(monday)[-1] == "18:30–19:00"
    # (planned, logged in, offered, answered)
    assert monday["08:30–09:00"][2:6] == [None, 0.0, 0, 0]
    assert monday["09:00–09:30"][2:6] == [None, 1.0, 2, 2]
    assert monday["09:30–10:00"][2:6] == [None, 2.0, 1, 0]  # 席02 logs in at 09:45
    assert monday["10:00–10:30"][2:6] == [None, 1.0, 2, 0]
    assert monday["11:00–11:30"][3] == 0.0
    # Sunday 11 Oct is open 08:30–17:00; Monday 12 is outside the week.
    assert {row[0] for row in seats.rows} == {common.day_label(d) for d in common.days_of(WEEK)}
    assert "計画人数は空欄" in section(report, "週間席数報告").text


def test_seats_section_uses_the_workforce_report_when_present(week_data, monkeypatch):
    slot = SimpleNamespace(start=tokyo(2026, 10, 5, 9, 0), label="09:00–10:00")
    rows = [
        SimpleNamespace(
            day=date(2026, 10, 5),
            interval=slot,
            planned=3,
            required=2,
            logged_in=1.5,
            offered=2,
            answered=2,
        )
    ]
    monkeypatch.setattr(weekly, "_workforce_weekly_seats", lambda: lambda **kw: rows)

    report = builder_for(ReportKind.WEEKLY)(center=week_data, period=WEEK)

    seats = table(report, "週間席数報告", "時間帯ごとの計画と実績")
    assert seats.rows == [["2026-10-05（月）", "09:00–10:00", 3, 1.5, 2, 2, 1.5]]

from __future__ import annotations

from datetime import date, timedelta

import pytest

from madoguchi.calls.models import Disposition as D
from madoguchi.inbox.models import SurveyResponse
from madoguchi.reports.builders import service_level
from madoguchi.reports.models import ReportKind, ReportSettings
from madoguchi.reports.periods import fiscal_year_period
from madoguchi.reports.registry import builder_for
from madoguchi.reports.tests.factories import calls, tokyo
from madoguchi.reports.tests.helpers import rows_by_key, section, table

FY2026 = fiscal_year_period(date(2026, 4, 1))
TABLE = "月別と期間全体の達成状況"


def _month(center, day: date, answered: int, abandoned: int, wait: float = 5) -> None:
    """``answered`` + ``abandoned`` calls on ``day`` from 09:00, a minute apart."""
    start = tokyo(day.year, day.month, day.day, 9, 0)
    specs = [(start + timedelta(minutes=n), D.ANSWERED) for n in range(answered)]
    specs += [(start + timedelta(minutes=answered + n), D.ABANDONED) for n in range(abandoned)]
    calls(center, specs, wait=wait)


@pytest.fixture
def two_months(iwaki):
    # April: 10 of 10 answered (100 %); May: 45 of 90 (50 %). The average of the monthly
    # ratios is 75 %; the year's calls pooled give 55 / 100 = 55 %.
    _month(iwaki, date(2026, 4, 7), answered=10, abandoned=0, wait=4)
    _month(iwaki, date(2026, 5, 12), answered=45, abandoned=45, wait=12)
    return iwaki


def test_yearly_line_pools_the_calls_instead_of_averaging_monthly_ratios(two_months):
    report = builder_for(ReportKind.SERVICE_LEVEL)(center=two_months, period=FY2026)

    t = table(report, "サービスレベル達成状況", TABLE)
    assert t.columns[:6] == ["月", "集計", "受電応答率", "達成", "平均応答時間（秒）", "達成"]
    rows = {row[0]: row for row in t.rows}
    april, may, year = rows["2026年4月"], rows["2026年5月"], rows["期間全体"]
    assert (april[2], april[3]) == (1.0, "達成")  # いわき's target: answer rate ≥ 90 %
    assert (may[2], may[3]) == (0.5, "未達")
    assert (year[2], year[3]) == (0.55, "未達")  # pooled 55 / 100, not (100 % + 50 %) / 2
    assert (april[1], may[1]) == ("対象", "対象")
    # ASA ≤ 9 s: April 4 s; the year pooled (10 × 4 + 45 × 12) / 55 = 10.5 s.
    assert (april[4], april[5]) == (4.0, "達成")
    assert year[4] == pytest.approx(10.5)
    assert year[5] == "未達"
    assert (rows["2026年6月"][2], rows["2026年6月"][3]) == (None, "—")
    assert rows["目標"][2:6] == [0.9, "以上", 9.0, "以下"]
    assert len(rows) == 14  # target, 12 months, the year
    assert t.percent_columns == frozenset({2, 6, 8, 10})


def test_csat_is_pooled_over_the_year(two_months):
    for score, day in [(5, date(2026, 4, 8)), (4, date(2026, 4, 9)), (2, date(2026, 5, 13))]:
        response = SurveyResponse.objects.create(center=two_months, score=score)
        SurveyResponse.objects.filter(pk=response.pk).update(
            created_at=tokyo(day.year, day.month, day.day, 12)
        )

    rows = rows_by_key(
        table(
            builder_for(ReportKind.SERVICE_LEVEL)(center=two_months, period=FY2026),
            "サービスレベル達成状況",
            TABLE,
        )
    )
    assert rows["2026年4月"]["満足度（4以上）"] == 1.0
    assert rows["2026年5月"]["満足度（4以上）"] == 0.0
    assert rows["期間全体"]["満足度（4以上）"] == pytest.approx(0.6667, abs=1e-4)


def test_first_six_months_of_operation_are_excluded_from_the_yearly_line(two_months):
    two_months.operation_started_on = date(2026, 4, 15)
    two_months.save()
    _month(two_months, date(2026, 10, 14), answered=1, abandoned=1)  # before 15 Oct: out
    _month(two_months, date(2026, 10, 15), answered=3, abandoned=1)  # from 15 Oct: in

    report = builder_for(ReportKind.SERVICE_LEVEL)(center=two_months, period=FY2026)

    rows = rows_by_key(table(report, "サービスレベル達成状況", TABLE))
    assert rows["2026年4月"]["集計"] == "対象外（運用開始後6か月）"
    assert rows["2026年10月"]["集計"] == "一部対象外（10/15から集計）"
    assert rows["2026年10月"]["受電応答率"] == pytest.approx(4 / 6, abs=1e-4)  # the month shows all
    assert rows["期間全体"]["受電応答率"] == 0.75  # 3 of 4 from 15 October on
    assert "2026-10-15 より前" in section(report, "サービスレベル達成状況").text


def test_exclusion_is_a_center_setting(two_months):
    two_months.operation_started_on = date(2026, 4, 1)
    two_months.save()
    ReportSettings.objects.create(center=two_months, exclude_first_six_months=False)

    report = builder_for(ReportKind.SERVICE_LEVEL)(center=two_months, period=FY2026)

    rows = rows_by_key(table(report, "サービスレベル達成状況", TABLE))
    assert rows["期間全体"]["受電応答率"] == 0.55
    assert rows["2026年4月"]["集計"] == "対象"
    assert report.definitions[-1] == service_level.YEARLY_RULE


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 4, 1), 6, date(2026, 10, 1)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
    ],
)
def test_add_months(start, months, expected):
    assert service_level.add_months(start, months) == expected

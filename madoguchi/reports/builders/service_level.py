"""サービスレベル達成状況 (RPT-5): each KPI of the period's months against the center's
targets (Center.target_*), attained or not, and the line for the whole period.

The whole-period line is the KPI over all the period's calls pooled (I 第1-8: the yearly
figure is not an average of monthly ratios). When the center's report settings say so
(``exclude_first_six_months``, the default), calls of the first six months after
``Center.operation_started_on`` are left out of that line; the month rows still show
them, marked as excluded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from madoguchi.reports import kpi
from madoguchi.reports.builders import common
from madoguchi.reports.builders import selectors as s
from madoguchi.reports.documents import Cell, Chart, Definition, Report, Section, Series, Table
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period, month_period
from madoguchi.reports.registry import register_builder
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

USED = (
    "受付時間内",
    "総着信呼数",
    "応答数",
    "受電応答率",
    "平均応答時間（ASA）",
    "一次応対完了率",
    "一次回答率",
    "顧客満足度",
)
YEARLY_RULE = Definition(
    "期間全体の達成状況",
    "期間（年度）の全通話を合算して各指標を算出する（各月の率の平均ではない）。"
    "センターの設定により、運用開始後6か月間の通話を除く。",
)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (Aug 31 + 6 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = date(year, month + 1, 1)
    last = month_period(first).last
    return first.replace(day=min(day.day, last.day))


def exclusion_cutoff(center: Center) -> date | None:
    """The first day that counts for the whole-period line, or None (nothing excluded)."""
    settings = s.report_settings(center)
    exclude = True if settings is None else settings.exclude_first_six_months
    if not exclude or center.operation_started_on is None:
        return None
    return add_months(center.operation_started_on, 6)


@dataclass(frozen=True)
class Target:
    label: str
    kind: str  # rate | seconds
    higher_is_better: bool
    goal: float | None
    value: Callable[[kpi.Kpis, dict[str, Any]], float | None]


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value) / 100


def targets(center: Center) -> list[Target]:
    return [
        Target(
            "受電応答率",
            "rate",
            True,
            _percent(center.target_answer_rate),
            lambda k, c: k.answer_rate,
        ),
        Target(
            "平均応答時間（秒）",
            "seconds",
            False,
            None if center.target_asa_seconds is None else float(center.target_asa_seconds),
            lambda k, c: k.asa_s,
        ),
        Target(
            "一次応対完了率",
            "rate",
            True,
            _percent(center.target_first_contact_completion),
            lambda k, c: k.first_contact_completion_rate,
        ),
        Target(
            "一次回答率",
            "rate",
            True,
            _percent(center.target_first_answer_rate),
            lambda k, c: k.first_answer_rate,
        ),
        Target(
            "満足度（4以上）",
            "rate",
            True,
            _percent(center.target_csat),
            lambda k, c: c.get("rate"),
        ),
    ]


def attained(target: Target, value: float | None) -> str:
    if target.goal is None or value is None:
        return "—"
    ok = value >= target.goal if target.higher_is_better else value <= target.goal
    return "達成" if ok else "未達"


def _start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=TOKYO)


def months_of(period: Period) -> list[Period]:
    months = []
    day = period.first
    while day <= period.last:
        month = month_period(day)
        months.append(Period("month", max(month.first, period.first), min(month.last, period.last)))
        day = month.last + timedelta(days=1)
    return months


@register_builder(ReportKind.SERVICE_LEVEL)
@common.in_japanese
def build_service_level(*, center: Center, period: Period) -> Report:
    calls = common.load_calls(center=center, period=period)
    goals = targets(center)
    cutoff = exclusion_cutoff(center)
    by_month = dict(calls.named("month"))
    empty = kpi.compute([], options=calls.options, operating_hours=0.0)

    columns = ["月", "集計"]
    for t in goals:
        columns += [t.label, "達成"]
    percent = frozenset(2 + 2 * i for i, t in enumerate(goals) if t.kind == "rate")
    goal_row: list[Cell] = ["目標", ""]
    for t in goals:
        goal_row.append(None if t.goal is None else round(t.goal, 4))
        goal_row.append("以上" if t.higher_is_better else "以下")
    rows: list[list[Cell]] = [goal_row]
    rate_series: list[float | None] = []
    month_labels: list[str] = []
    for month in months_of(period):
        key = f"{month.first:%Y-%m}"
        figures = by_month.get(key, empty)
        satisfaction = kpi.csat(center=center, since=month.since, until=month.until)
        if cutoff is not None and month.last < cutoff:
            note = "対象外（運用開始後6か月）"
        elif cutoff is not None and month.first < cutoff:
            note = f"一部対象外（{cutoff:%m/%d}から集計）"
        else:
            note = "対象"
        row: list[Cell] = [f"{month.first.year}年{month.first.month}月", note]
        for t in goals:
            value = t.value(figures, satisfaction)
            row += [common.rounded(value, t.kind), attained(t, value)]
        rows.append(row)
        month_labels.append(f"{month.first.month}月")
        rate_series.append(figures.answer_rate)

    counted = calls.records
    csat_since = period.since
    if cutoff is not None:
        cut = _start(cutoff)
        counted = [r for r in calls.records if r.arrived_at >= cut]
        csat_since = max(period.since, cut)
    first_day = max(period.first, cutoff) if cutoff is not None else period.first
    hours = (
        kpi.operating_hours(center=center, first=first_day, last=period.last)
        if first_day <= period.last
        else 0.0
    )
    pooled = kpi.compute(counted, options=calls.options, operating_hours=hours)
    pooled_csat = (
        kpi.csat(center=center, since=csat_since, until=period.until)
        if csat_since < period.until
        else {}
    )
    whole: list[Cell] = ["期間全体", "全通話で算出"]
    for t in goals:
        value = t.value(pooled, pooled_csat)
        whole += [common.rounded(value, t.kind), attained(t, value)]
    rows.append(whole)

    text = (
        "期間全体の値は、対象となる全通話を合算して算出しています（各月の率の平均ではありません）。"
    )
    if cutoff is not None:
        text += (
            f"運用開始日 {center.operation_started_on:%Y-%m-%d} から6か月"
            f"（{cutoff:%Y-%m-%d} より前）の通話は期間全体の値から除いています。"
        )
    section = Section(
        title="サービスレベル達成状況",
        text=text,
        tables=[
            Table(
                title="月別と期間全体の達成状況",
                columns=columns,
                rows=rows,
                percent_columns=percent,
            )
        ],
        charts=[
            Chart(
                kind="line",
                title="月別の受電応答率と目標",
                categories=month_labels,
                series=[
                    Series("受電応答率", rate_series),
                    Series("目標", [goals[0].goal] * len(month_labels)),
                ],
                y_title="応答率",
                percent=True,
            )
        ],
    )
    return Report(
        kind=ReportKind.SERVICE_LEVEL,
        title=common.report_title("サービスレベル達成状況", period, center),
        center_name=center.name,
        period_label=period.label,
        generated_at=common.generated_at(),
        sections=[section],
        definitions=[*common.definitions(*USED), YEARLY_RULE],
    )

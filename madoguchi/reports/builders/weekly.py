"""週報 (RPT-2): answered, overflow (voicemail and busy) and abandoned calls by day, the
contents by category, and the weekly seats report (WFM-3): planned and logged-in
operators per 30 minutes beside the calls offered and answered."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from madoguchi.reports import kpi
from madoguchi.reports.builders import common
from madoguchi.reports.builders import selectors as s
from madoguchi.reports.documents import Cell, Chart, Report, Section, Series, Table
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period
from madoguchi.reports.registry import register_builder
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.selectors import opening_interval

USED = ("受付時間内", "総着信呼数", "応答数", "放棄呼", "受電応答率")
SEAT_INTERVAL_MIN = 30


def _workforce_weekly_seats() -> Callable[..., Any] | None:
    """The workforce app's seats report, when that app provides it."""
    try:
        module = importlib.import_module("madoguchi.workforce.selectors")
    except ImportError:
        return None
    return getattr(module, "weekly_seats", None)


@dataclass(frozen=True)
class SeatRow:
    day: date
    interval: str  # 「09:00–09:30」 (Tokyo)
    planned: int | None
    logged_in: float
    offered: int
    answered: int


def _from_workforce(row: Any) -> SeatRow:
    """A row of ``workforce.selectors.weekly_seats`` (its interval is a planning slot
    with a 「08:30–09:30」 label)."""
    interval = row.interval
    start = getattr(interval, "start", None)
    label = getattr(interval, "label", None)
    if not isinstance(label, str):
        label = f"{start.astimezone(TOKYO):%H:%M}" if isinstance(start, datetime) else str(interval)
    return SeatRow(
        row.day, label, row.planned, float(row.logged_in), int(row.offered), int(row.answered)
    )


def seats_from_agent_states(
    *, center: Center, first: date, last: date, calls: common.CallData
) -> list[SeatRow]:
    """Every 30 minutes of the opening hours: logged in = agents logged in at some time
    of the interval (from the agents' state events), beside the calls offered and
    answered; no plan without the workforce app (None)."""
    since = datetime.combine(first, datetime.min.time(), tzinfo=TOKYO)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=TOKYO)
    spans = s.logged_in_spans(center=center, since=since, until=until)
    groups = kpi.breakdown(
        calls.records,
        lambda r: (
            f"{kpi.bucket_day(r.arrived_at)} {kpi.bucket_interval(r.arrived_at, SEAT_INTERVAL_MIN)}"
        ),
        options=calls.options,
    )
    rows: list[SeatRow] = []
    step = timedelta(minutes=SEAT_INTERVAL_MIN)
    day = first
    while day <= last:
        interval = opening_interval(center, day)
        if interval is not None:
            start, end = (t.astimezone(TOKYO) for t in interval)
            # Clock half hours: an 08:45 opening starts the 08:30 row.
            at = start.replace(
                minute=start.minute // SEAT_INTERVAL_MIN * SEAT_INTERVAL_MIN,
                second=0,
                microsecond=0,
            )
            while at < end:
                following = at + step
                logged = sum(
                    1 for agent in spans.values() if any(b < following and e > at for b, e in agent)
                )
                figures = groups.get(f"{day:%Y-%m-%d} {at:%H:%M}")
                rows.append(
                    SeatRow(
                        day,
                        f"{at:%H:%M}–{following:%H:%M}",
                        None,
                        float(logged),
                        figures.offered if figures else 0,
                        figures.answered if figures else 0,
                    )
                )
                at = following
        day += timedelta(days=1)
    return rows


def seats_section(*, center: Center, period: Period, calls: common.CallData) -> Section:
    source = _workforce_weekly_seats()
    if source is not None:
        rows = [
            _from_workforce(r) for r in source(center=center, first=period.first, last=period.last)
        ]
        note = "計画人数は要員計画、ログイン人数は席の状態記録（時間平均）から。"
    else:
        rows = seats_from_agent_states(
            center=center, first=period.first, last=period.last, calls=calls
        )
        note = (
            "ログイン人数は席の状態記録から（30分ごと、その時間帯に一度でもログインしていた"
            "人数）。要員計画がないため計画人数は空欄です。"
        )
    table_rows: list[list[Cell]] = [
        [
            common.day_label(r.day),
            r.interval,
            r.planned,
            round(r.logged_in, 1),
            r.offered,
            r.answered,
            None if r.planned is None else round(r.planned - r.logged_in, 1),
        ]
        for r in rows
    ]
    by_interval: dict[str, list[float]] = {}
    for r in rows:
        by_interval.setdefault(r.interval, []).append(r.logged_in)
    intervals = sorted(by_interval)
    return Section(
        title="週間席数報告",
        text=note,
        tables=[
            Table(
                title="時間帯ごとの計画と実績",
                columns=[
                    "日",
                    "時間帯",
                    "計画人数",
                    "ログイン人数",
                    "着信数",
                    "応答数",
                    "計画との差",
                ],
                rows=table_rows,
            )
        ],
        charts=[
            Chart(
                kind="line",
                title="時間帯別の平均ログイン人数",
                categories=intervals,
                series=[
                    Series(
                        "ログイン人数",
                        [round(sum(v) / len(v), 1) for v in (by_interval[i] for i in intervals)],
                    )
                ],
                y_title="人数",
            )
        ],
    )


@register_builder(ReportKind.WEEKLY)
@common.in_japanese
def build_weekly(*, center: Center, period: Period) -> Report:
    calls = common.load_calls(center=center, period=period)
    days = calls.by_day()
    day_rows: list[list[Cell]] = [
        [
            key,
            f.offered,
            f.answered,
            f.voicemail + f.blocked,
            f.voicemail,
            f.blocked,
            f.abandoned,
            common.rounded(f.answer_rate, "rate"),
        ]
        for key, f in days
    ]
    total = calls.figures
    day_rows.append(
        [
            "合計",
            total.offered,
            total.answered,
            total.voicemail + total.blocked,
            total.voicemail,
            total.blocked,
            total.abandoned,
            common.rounded(total.answer_rate, "rate"),
        ]
    )
    calls_section = Section(
        title="日別の着信",
        text="あふれ呼 = 留守番電話 + 話中（満杯）",
        tables=[
            Table(
                title="日別の応答・あふれ・放棄",
                columns=[
                    "日",
                    "総着信呼数",
                    "応答数",
                    "あふれ呼",
                    "留守番電話",
                    "話中",
                    "放棄呼数",
                    "受電応答率",
                ],
                rows=day_rows,
                percent_columns=frozenset({7}),
            )
        ],
        charts=[
            Chart(
                kind="bar",
                title="日別の応答・あふれ・放棄",
                categories=[k for k, _ in days],
                series=[
                    Series("応答数", [float(f.answered) for _, f in days]),
                    Series("あふれ呼", [float(f.voicemail + f.blocked) for _, f in days]),
                    Series("放棄呼数", [float(f.abandoned) for _, f in days]),
                ],
                y_title="件数",
            )
        ],
    )
    categories = s.category_counts(center=center, since=period.since, until=period.until)
    content_section = Section(
        title="問合せ内容の内訳",
        tables=[common.count_table("分類別の応対件数", "分類", categories)],
        charts=[common.count_chart("分類別の応対件数（上位10）", categories, kind="pie")],
    )
    return Report(
        kind=ReportKind.WEEKLY,
        title=common.report_title("週報", period, center),
        center_name=center.name,
        period_label=period.label,
        generated_at=common.generated_at(),
        sections=[
            calls_section,
            content_section,
            seats_section(center=center, period=period, calls=calls),
        ],
        definitions=common.definitions(*USED),
    )

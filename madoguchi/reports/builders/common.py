"""Pieces every report builder shares: the calls of a period loaded once, KPI tables and
charts with Japanese labels, generic tables for the figure dictionaries of ``kpi.py``,
and the choice of the KPI.md definitions a report prints.

Builders read the database only through ``kpi`` and ``builders.selectors``; everything
here is pure shaping of figures into :mod:`madoguchi.reports.documents` objects.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone, translation

from madoguchi.interactions.models import InteractionKind, Outcome
from madoguchi.reports import kpi
from madoguchi.reports.builders import selectors
from madoguchi.reports.documents import Cell, Chart, Definition, Report, Series, Table
from madoguchi.reports.periods import Period
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class Column:
    """One KPI column: the ``Kpis`` attribute, its Japanese heading and how to show it."""

    attr: str
    label: str
    kind: str  # count | rate | seconds | number


COUNT_COLUMNS = [
    Column("offered", "総着信呼数", "count"),
    Column("answered", "応答数", "count"),
    Column("abandoned", "放棄呼数", "count"),
    Column("voicemail", "留守番電話", "count"),
    Column("blocked", "話中（満杯）", "count"),
    Column("after_hours", "時間外着信", "count"),
]
RATE_COLUMNS = [
    Column("answer_rate", "受電応答率", "rate"),
    Column("abandon_rate", "放棄率", "rate"),
    Column("service_level", "サービスレベル", "rate"),
    Column("first_contact_completion_rate", "一次応対完了率", "rate"),
    Column("first_answer_rate", "一次回答率", "rate"),
]
TIME_COLUMNS = [
    Column("asa_s", "平均応答時間（秒）", "seconds"),
    Column("avg_abandon_wait_s", "平均放棄呼時間（秒）", "seconds"),
    Column("avg_talk_s", "平均通話時間（秒）", "seconds"),
    Column("avg_wrap_s", "平均後処理時間（秒）", "seconds"),
    Column("avg_handle_s", "平均処理時間 AHT（秒）", "seconds"),
]
OTHER_COLUMNS = [
    Column("long_calls", "長時間対応", "count"),
    Column("transfers", "転送・取次ぎ", "count"),
    Column("switchboard_transfers", "電話交換", "count"),
    Column("answered_per_operating_hour", "受付1時間あたり応答数", "number"),
]
ALL_COLUMNS = COUNT_COLUMNS + RATE_COLUMNS + TIME_COLUMNS + OTHER_COLUMNS
# The short set for by-hour, by-day and by-line tables.
BRIEF_COLUMNS = [
    COUNT_COLUMNS[0],
    COUNT_COLUMNS[1],
    COUNT_COLUMNS[2],
    RATE_COLUMNS[0],
    TIME_COLUMNS[0],
    TIME_COLUMNS[4],
]


def rounded(value: Any, kind: str) -> Cell:
    """Counts stay integers; rates stay fractions (the table marks them as percentages);
    seconds and other numbers get one decimal."""
    if value is None:
        return None
    if kind == "count":
        return int(value)
    if kind == "rate":
        return round(float(value), 4)
    return round(float(value), 1)


def kpi_cells(figures: kpi.Kpis, columns: Sequence[Column]) -> list[Cell]:
    return [rounded(getattr(figures, c.attr), c.kind) for c in columns]


def kpi_table(
    title: str,
    key_label: str,
    rows: Iterable[tuple[str, kpi.Kpis]],
    columns: Sequence[Column] = BRIEF_COLUMNS,
) -> Table:
    """One row per key (hour, day, number…) with the given KPI columns."""
    return Table(
        title=title,
        columns=[key_label] + [c.label for c in columns],
        rows=[[key, *kpi_cells(figures, columns)] for key, figures in rows],
        percent_columns=frozenset(i + 1 for i, c in enumerate(columns) if c.kind == "rate"),
    )


def summary_table(
    figures: kpi.Kpis, title: str = "主要指標", columns: Sequence[Column] = ALL_COLUMNS
) -> Table:
    """The figures of one period as 指標 / 値 rows (rates as percentages)."""
    return Table(
        title=title,
        columns=["指標", "値"],
        rows=[[c.label, rounded(getattr(figures, c.attr), c.kind)] for c in columns],
        percent_columns=frozenset({1}),
    )


def percent_rows(table: Table) -> Table:
    """Summary tables mix rates and counts in one column: show only rates as percentages
    by splitting the value column in two (値 and 率)."""
    rates = {c.label for c in ALL_COLUMNS if c.kind == "rate"}
    rows = [
        [row[0], None, row[1]] if row[0] in rates else [row[0], row[1], None] for row in table.rows
    ]
    return Table(
        title=table.title,
        columns=["指標", "値", "率"],
        rows=rows,
        percent_columns=frozenset({2}),
    )


def figures_table(figures: kpi.Kpis, title: str = "主要指標") -> Table:
    return percent_rows(summary_table(figures, title))


def volume_chart(title: str, rows: Sequence[tuple[str, kpi.Kpis]]) -> Chart:
    return Chart(
        kind="bar",
        title=title,
        categories=[key for key, _ in rows],
        series=[
            Series("総着信呼数", [float(f.offered) for _, f in rows]),
            Series("応答数", [float(f.answered) for _, f in rows]),
            Series("放棄呼数", [float(f.abandoned) for _, f in rows]),
        ],
        y_title="件数",
    )


def rate_chart(title: str, rows: Sequence[tuple[str, kpi.Kpis]]) -> Chart:
    return Chart(
        kind="line",
        title=title,
        categories=[key for key, _ in rows],
        series=[Series("受電応答率", [f.answer_rate for _, f in rows])],
        y_title="応答率",
        percent=True,
    )


def count_table(
    title: str, key_label: str, counts: Mapping[str, int], *, limit: int | None = None
) -> Table:
    """Key / 件数 / 構成比, most frequent first."""
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None:
        ordered = ordered[:limit]
    return Table(
        title=title,
        columns=[key_label, "件数", "構成比"],
        rows=[
            [key or "（未分類）", n, round(n / total, 4) if total else None] for key, n in ordered
        ],
        percent_columns=frozenset({2}),
    )


def count_chart(
    title: str, counts: Mapping[str, int], *, limit: int = 10, kind: Any = "bar"
) -> Chart:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return Chart(
        kind=kind,
        title=title,
        categories=[key or "（未分類）" for key, _ in ordered],
        series=[Series("件数", [float(n) for _, n in ordered])],
        y_title="件数",
    )


LABELS: dict[str, str] = {
    # Keys the figure dictionaries of kpi.py may use, in Japanese; others are shown as is.
    "total": "合計",
    "by_channel": "チャネル別",
    "by_kind": "種別別",
    "by_category": "分類別",
    "by_outcome": "結果別",
    "complaints": "苦情",
    "escalations": "二次対応",
    "count": "件数",
    "completed": "完了",
    "confirmed": "確認済み",
    "city_confirmed": "市確認済み",
    "long_interactions": "長時間対応",
    "transfers_by_department": "所管課別の取次ぎ",
    "created": "新規",
    "cancelled": "取消",
    "changed": "変更",
    "received": "受付",
    "replied": "回答済み",
    "overdue": "期限超過",
    "responses": "回答数",
    "satisfied": "満足（4・5）",
    "rate": "割合",
    "phone": "電話",
    "web": "Web",
    "web_form": "Webフォーム",
    "email": "メール",
    "fax": "FAX",
    "voicemail": "留守番電話",
    "walk_in": "来所",
    "operator": "オペレーター",
    "line": "LINE",
    "created_by_channel": "新規（経路別）",
    "cancelled_by_channel": "取消（経路別）",
    "changed_by_channel": "変更（経路別）",
    "received_by_channel": "受付（チャネル別）",
}


def label(key: str) -> str:
    """A figure key in Japanese; stored interaction kinds and outcomes by their labels."""
    if key in LABELS:
        return LABELS[key]
    for choices in (InteractionKind, Outcome):
        if key in choices.values:
            return str(choices(key).label)
    return key


def in_japanese(builder: Callable[..., Report]) -> Callable[..., Report]:
    """Reports are Japanese documents: choice labels are rendered in Japanese whatever
    language the request or the worker has active."""

    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Report:
        with translation.override("ja"):
            return builder(*args, **kwargs)

    return build


def flatten(figures: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Cell]]:
    """A nested figure dictionary as (「分類別 / 住民票」, 12) rows, in its own order."""
    rows: list[tuple[str, Cell]] = []
    for key, value in figures.items():
        name = f"{prefix} / {label(str(key))}" if prefix else label(str(key))
        if isinstance(value, Mapping):
            rows.extend(flatten(value, name))
        elif isinstance(value, list | tuple):
            rows.append((name, len(value)))
        elif isinstance(value, bool):
            rows.append((name, "はい" if value else "いいえ"))
        elif isinstance(value, int | float) or value is None:
            rows.append((name, value if not isinstance(value, float) else round(value, 4)))
        else:
            rows.append((name, str(value)))
    return rows


def mapping_table(title: str, figures: Mapping[str, Any]) -> Table:
    """Rates (keys ending in ``rate``) get their own percentage column."""
    rows: list[list[Cell]] = []
    for name, value in flatten(figures):
        is_rate = name.endswith(("rate", "割合"))
        rows.append([name, None, value] if is_rate else [name, value, None])
    return Table(
        title=title, columns=["項目", "値", "率"], rows=rows, percent_columns=frozenset({2})
    )


def definitions(*names: str) -> list[Definition]:
    """The kpi.DEFINITIONS entries with these names, in the order of DEFINITIONS."""
    wanted = set(names)
    return [d for d in kpi.DEFINITIONS if d.name in wanted]


def tokyo(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if at is None else timezone.localtime(at, TOKYO).strftime(fmt)


def day_label(day: date) -> str:
    return f"{day:%Y-%m-%d}（{WEEKDAYS[day.weekday()]}）"


def days_of(period: Period) -> list[date]:
    return [period.first + timedelta(days=n) for n in range(period.days)]


class LineNames:
    """E.164 → national display form, asked once per number (``kpi.line_display`` reads
    the database each time; a report looks up every call's number)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, e164: str) -> str:
        name = self._known.get(e164)
        if name is None:
            name = self._known[e164] = kpi.line_display(e164)
        return name


@dataclass
class CallData:
    """The calls of a period, read once and shared by every section of a report."""

    center: Center
    period: Period
    options: kpi.KpiOptions
    records: list[kpi.CallRecord]
    operating_hours: float
    _total: kpi.Kpis | None = None
    _named: dict[str, dict[str, kpi.Kpis]] = field(default_factory=dict)

    def analyse(self, *names: str) -> None:
        """The totals and the named breakdowns of ``kpi.BREAKDOWN_KEYS`` in one pass over
        the calls (a year has half a million), each time bucket with its opening hours."""
        hours = {
            name: kpi.breakdown_hours(
                center=self.center, first=self.period.first, last=self.period.last, by=name
            )
            for name in names
        }
        self._total, named = kpi.breakdowns(
            self.records,
            names,
            options=self.options,
            total_hours=self.operating_hours,
            hours=hours,
        )
        self._named.update(named)

    @property
    def figures(self) -> kpi.Kpis:
        if self._total is None:
            self._total = kpi.compute(
                self.records, options=self.options, operating_hours=self.operating_hours
            )
        return self._total

    def named(self, name: str) -> list[tuple[str, kpi.Kpis]]:
        """A breakdown of :meth:`analyse` (computed now if it was not), sorted by key."""
        if name not in self._named:
            self.analyse(name)
        return sorted(self._named[name].items())

    def grouped(
        self, keys: Mapping[str, Callable[[kpi.CallRecord], str]]
    ) -> dict[str, list[tuple[str, kpi.Kpis]]]:
        """Several breakdowns by the report's own keys (number type, weekday…) in one pass;
        each sorted by key."""
        groups: dict[str, dict[str, kpi.KpiAccumulator]] = {name: {} for name in keys}
        pairs = [(key, groups[name]) for name, key in keys.items()]
        for record in self.records:
            for key, accumulators in pairs:
                value = key(record)
                accumulator = accumulators.get(value)
                if accumulator is None:
                    accumulator = accumulators[value] = kpi.KpiAccumulator(self.options)
                accumulator.add(record)
        return {
            name: [(value, acc.result()) for value, acc in sorted(accumulators.items())]
            for name, accumulators in groups.items()
        }

    def faq_use(self) -> dict[str, int]:
        """KPI.md FAQ use, as ``kpi.faq_use`` counts it, from the calls already loaded
        (answered calls listing the FAQ, once per call) plus the contacts without a call
        — so the period's calls are not read a second time."""
        counts: Counter[str] = Counter()
        for record in self.records:
            if record.faq_ids and kpi.is_answered(record):
                counts.update(set(record.faq_ids))
        for faq_ids in selectors.faq_ids_of_callless_interactions(
            center=self.center, since=self.period.since, until=self.period.until
        ):
            counts.update({str(f) for f in faq_ids or []})
        return dict(sorted(counts.items()))

    def by_day(self) -> list[tuple[str, kpi.Kpis]]:
        """Every day of the period (closed days too), with its own operating hours."""
        groups = dict(self.named("day"))
        empty = kpi.compute([], options=self.options, operating_hours=0.0)
        return [(day_label(d), groups.get(f"{d:%Y-%m-%d}", empty)) for d in days_of(self.period)]


def load_calls(*, center: Center, period: Period, since: datetime | None = None) -> CallData:
    """The center's calls arriving in the period (or from ``since`` on) with its options."""
    options = kpi.KpiOptions.for_center(center)
    records = list(
        kpi.calls_in_period(center=center, since=since or period.since, until=period.until)
    )
    hours = kpi.operating_hours(center=center, first=period.first, last=period.last)
    return CallData(center, period, options, records, hours)


def period_figures(*, center: Center, period: Period) -> kpi.Kpis | None:
    """The KPIs of a comparison period, streamed (never held in memory), or None when the
    period has no calls at all."""
    seen = 0

    def counted() -> Iterator[kpi.CallRecord]:
        nonlocal seen
        for record in kpi.calls_in_period(center=center, since=period.since, until=period.until):
            seen += 1
            yield record

    hours = kpi.operating_hours(center=center, first=period.first, last=period.last)
    figures = kpi.compute(
        counted(), options=kpi.KpiOptions.for_center(center), operating_hours=hours
    )
    return figures if seen else None


def generated_at() -> datetime:
    return timezone.now()


def report_title(kind_label: str, period: Period, center: Center) -> str:
    return f"{kind_label} {period.label} {center.name}"

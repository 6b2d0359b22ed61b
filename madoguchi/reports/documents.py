"""The neutral shape of every report: builders (``builders/``) produce a :class:`Report`,
renderers turn it into a console screen, Excel, PDF and CSV. A report carries the KPI.md
definitions it used, so every output prints them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Cell = str | int | float | None
ChartKind = Literal["bar", "line", "pie"]


@dataclass(frozen=True)
class Definition:
    """One figure's definition as printed under the report (KPI.md wording)."""

    name: str  # e.g. "受電応答率"
    text: str  # e.g. "応答数 ÷ 総着信呼数（受付時間内）"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    title: str = ""
    #: Column indexes holding fractions to show as percentages (0.923 → 92.3 %).
    percent_columns: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    categories: list[str]
    series: list[Series]
    y_title: str = ""
    #: True when the values are fractions to show as percentages.
    percent: bool = False


@dataclass
class Section:
    """One sheet of the Excel file, one heading of the PDF and the screen."""

    title: str
    text: str = ""  # free text, e.g. trends and proposals
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    kind: str  # a ReportKind value
    title: str  # e.g. "月報 2026年10月 いわき市総合コールセンター"
    center_name: str
    period_label: str  # e.g. "2026-10-01〜2026-10-31"
    generated_at: datetime
    sections: list[Section] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    #: Record-level CSV attachments (name → rows with a header row first), e.g. all
    #: interactions of the month (RPT-3); the CSV output bundles them with the sections.
    records: dict[str, list[list[Cell]]] = field(default_factory=dict)

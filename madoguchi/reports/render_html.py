"""A report for the console screen: display rows for the tables and each chart as an
inline SVG (bars, lines or a pie with axes, labels and a legend), drawn here so the
screen needs no script. Each SVG is ``role="img"`` with a title naming the chart, and the
template puts its figures beside it as a table for screen readers and keyboard users.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from madoguchi.reports.documents import Chart, Report, Table
from madoguchi.reports.formatting import PALETTE, axis_label, cell_text, is_number, nice_max

W, H = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 40


@dataclass(frozen=True)
class DisplayCell:
    text: str
    numeric: bool


@dataclass(frozen=True)
class DisplayTable:
    title: str
    columns: list[str]
    rows: list[list[DisplayCell]]


@dataclass(frozen=True)
class DisplayChart:
    title: str
    svg: SafeString
    table: DisplayTable


@dataclass(frozen=True)
class DisplaySection:
    title: str
    text: str
    tables: list[DisplayTable]
    charts: list[DisplayChart]


def _table(table: Table) -> DisplayTable:
    return DisplayTable(
        title=table.title,
        columns=table.columns,
        rows=[
            [
                DisplayCell(cell_text(v, i in table.percent_columns), is_number(v))
                for i, v in enumerate(row)
            ]
            for row in table.rows
        ],
    )


def _chart_table(chart: Chart) -> DisplayTable:
    rows = []
    for index, category in enumerate(chart.categories):
        cells = [DisplayCell(category, False)]
        for series in chart.series:
            value = series.values[index] if index < len(series.values) else None
            cells.append(DisplayCell(cell_text(value, chart.percent), True))
        rows.append(cells)
    return DisplayTable(
        title=chart.title, columns=["区分", *[s.name for s in chart.series]], rows=rows
    )


def _hex(index: int) -> str:
    r, g, b = PALETTE[index % len(PALETTE)]
    return f"#{r:02x}{g:02x}{b:02x}"


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">'
        f"{escape(text)}</text>"
    )


def _legend(names: list[str], x: float, y: float) -> list[str]:
    parts, cursor = [], x
    for index, name in enumerate(names):
        parts.append(
            f'<rect x="{cursor:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{_hex(index)}"/>'
        )
        parts.append(_text(cursor + 14, y, name, anchor="start"))
        cursor += 24 + 12 * len(name)
    return parts


def _axes_svg(chart: Chart) -> list[str]:
    values = [v for s in chart.series for v in s.values if v is not None]
    top = nice_max(max(values, default=0.0))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    bottom = TOP + plot_h
    parts = []
    for tick in range(6):
        y = bottom - plot_h * tick / 5
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#c8c8c8"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, axis_label(top * tick / 5, chart.percent), "end"))
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{W - RIGHT}" y2="{bottom}" stroke="#333"/>')
    count = max(1, len(chart.categories))
    group = plot_w / count
    every = max(1, math.ceil(count / 16))
    for index, category in enumerate(chart.categories):
        if index % every == 0:
            parts.append(_text(LEFT + group * (index + 0.5), bottom + 16, category))
    if chart.kind == "bar":
        bar_w = group * 0.8 / max(1, len(chart.series))
        for s_index, series in enumerate(chart.series):
            for c_index, value in enumerate(series.values[:count]):
                if value is None or value <= 0:
                    continue
                height = plot_h * min(value, top) / top
                x = LEFT + group * c_index + group * 0.1 + bar_w * s_index
                parts.append(
                    f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{bar_w:.1f}" '
                    f'height="{height:.1f}" fill="{_hex(s_index)}"/>'
                )
    else:
        for s_index, series in enumerate(chart.series):
            points: list[str] = []
            runs: list[list[str]] = [points]
            for c_index, value in enumerate(series.values[:count]):
                if value is None:
                    points = []
                    runs.append(points)
                    continue
                x = LEFT + group * (c_index + 0.5)
                y = bottom - plot_h * max(0.0, min(value, top)) / top
                points.append(f"{x:.1f},{y:.1f}")
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_hex(s_index)}"/>')
            for run in runs:
                if len(run) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(run)}" fill="none" '
                        f'stroke="{_hex(s_index)}" stroke-width="2"/>'
                    )
    parts.extend(_legend([s.name for s in chart.series], LEFT, 28))
    return parts


def _pie_svg(chart: Chart) -> list[str]:
    values = [max(0.0, v or 0.0) for v in (chart.series[0].values if chart.series else [])]
    total = sum(values)
    cx, cy, r = 150.0, H / 2 + 10, 110.0
    parts = []
    if total <= 0:
        return [f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#999"/>']
    angle = -math.pi / 2  # from 12 o'clock, clockwise
    for index, value in enumerate(values):
        share = value / total
        if share >= 0.99999:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{_hex(index)}"/>')
        elif share > 0:
            end = angle + 2 * math.pi * share
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            large = 1 if share > 0.5 else 0
            parts.append(
                f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} '
                f'A{r:.1f},{r:.1f} 0 {large} 1 {x2:.1f},{y2:.1f} Z" fill="{_hex(index)}"/>'
            )
            angle = end
        category = chart.categories[index] if index < len(chart.categories) else ""
        y = 60 + index * 20
        parts.append(f'<rect x="300" y="{y - 10}" width="12" height="12" fill="{_hex(index)}"/>')
        parts.append(_text(318, y, f"{category}　{share * 100:.1f}%", anchor="start", size=12))
    return parts


def chart_svg(chart: Chart, ident: str) -> SafeString:
    """The chart as an accessible inline SVG; every text is escaped."""
    body = _pie_svg(chart) if chart.kind == "pie" else _axes_svg(chart)
    title = escape(chart.title)
    return mark_safe(  # noqa: S308 - built from escaped text and numbers only
        f'<svg class="report-chart" viewBox="0 0 {W} {H}" role="img" '
        f'aria-labelledby="{ident}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}">{title}</title>'
        f"{_text(W / 2, 16, chart.title, size=13)}{''.join(body)}</svg>"
    )


def display_sections(report: Report) -> list[DisplaySection]:
    sections = []
    for s_index, section in enumerate(report.sections):
        sections.append(
            DisplaySection(
                title=section.title,
                text=section.text,
                tables=[_table(t) for t in section.tables],
                charts=[
                    DisplayChart(
                        title=chart.title,
                        svg=chart_svg(chart, f"chart-{s_index}-{c_index}"),
                        table=_chart_table(chart),
                    )
                    for c_index, chart in enumerate(section.charts)
                ],
            )
        )
    return sections

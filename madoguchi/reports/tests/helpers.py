"""Finding sections, tables and rows of a built report by their Japanese titles."""

from __future__ import annotations

from madoguchi.reports.documents import Cell, Chart, Report, Section, Table


def section(report: Report, title: str) -> Section:
    found = [s for s in report.sections if s.title == title]
    assert found, f"no section {title!r} in {[s.title for s in report.sections]}"
    return found[0]


def table(report: Report, section_title: str, table_title: str) -> Table:
    tables = [t for t in section(report, section_title).tables if t.title == table_title]
    assert tables, f"no table {table_title!r} in {section_title!r}"
    return tables[0]


def chart(report: Report, section_title: str, chart_title: str) -> Chart:
    charts = [c for c in section(report, section_title).charts if c.title == chart_title]
    assert charts, f"no chart {chart_title!r} in {section_title!r}"
    return charts[0]


def rows_by_key(t: Table) -> dict[Cell, dict[str, Cell]]:
    """First column → {column heading: value}."""
    return {row[0]: dict(zip(t.columns, row, strict=True)) for row in t.rows}

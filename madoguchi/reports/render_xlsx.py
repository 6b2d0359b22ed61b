"""A report as an Excel workbook (openpyxl): one sheet per section, a 「定義」 sheet last.

Tables get a styled header row and number formats (percent columns as 0.0 %, counts with
thousands separators); every chart is a NATIVE Excel chart (bar, line or pie) whose data
are the cells of a small table written on the same sheet, so the figures stay editable
and the chart follows them. Text cells are always stored as text: a value typed by a
citizen or operator that starts with ``=`` never becomes a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from madoguchi.reports.documents import Cell, Chart, Report, Table

DEFINITIONS_SHEET = "定義"
SHEET_NAME_MAX = 31
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
CAPTION_FONT = Font(bold=True, size=11)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CHART_ROWS = 16  # rows a chart covers at the default size (7.5 cm)
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(titles: Sequence[str], reserved: Sequence[str] = (DEFINITIONS_SHEET,)) -> list[str]:
    """Excel-safe, unique sheet names for ``titles``: no []:*?/\\, at most 31 characters,
    never empty, never one of ``reserved`` (compared case-insensitively, as Excel does)."""
    taken = {name.casefold() for name in reserved}
    names = []
    for index, title in enumerate(titles, start=1):
        base = _FORBIDDEN.sub("・", title).strip().strip("'") or f"Sheet{index}"
        base = base[:SHEET_NAME_MAX]
        name, counter = base, 1
        while name.casefold() in taken:
            counter += 1
            suffix = f"({counter})"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _put(sheet: Worksheet, row: int, column: int, value: Cell, number_format: str = "") -> Any:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif number_format and isinstance(value, int | float):
        cell.number_format = number_format
    return cell


def _number_format(value: Cell, percent: bool) -> str:
    if percent:
        return PERCENT_FORMAT
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return INTEGER_FORMAT
    if isinstance(value, float):
        return DECIMAL_FORMAT
    return ""


def _write_table(sheet: Worksheet, row: int, table: Table, widths: dict[int, int]) -> int:
    """Write ``table`` from ``row``; returns the next free row."""
    if table.title:
        _put(sheet, row, 1, table.title).font = CAPTION_FONT
        row += 1
    for column, name in enumerate(table.columns, start=1):
        cell = _put(sheet, row, column, name)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths[column] = max(widths.get(column, 8), _width(name))
    row += 1
    for values in table.rows:
        for index, value in enumerate(values):
            fmt = _number_format(value, index in table.percent_columns)
            cell = _put(sheet, row, index + 1, value, fmt)
            cell.border = BORDER
            widths[index + 1] = max(widths.get(index + 1, 8), _width(value))
        row += 1
    if not table.rows:
        _put(sheet, row, 1, "該当なし")
        row += 1
    return row + 1


def _width(value: Cell) -> int:
    """Display width in Excel units: full-width (Japanese) characters count twice."""
    if value is None:
        return 0
    text = f"{value:,.1f}" if isinstance(value, float) else str(value)
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return min(60, len(text) + wide + 2)


def _write_chart(sheet: Worksheet, row: int, chart: Chart, first_free_column: int) -> int:
    """Write the chart's data as a table at ``row`` and a native chart beside it."""
    _put(sheet, row, 1, f"グラフ: {chart.title}").font = CAPTION_FONT
    header = row + 1
    _put(sheet, header, 1, "区分").font = Font(bold=True)
    for offset, series in enumerate(chart.series, start=2):
        _put(sheet, header, offset, series.name).font = Font(bold=True)
    fmt = PERCENT_FORMAT if chart.percent else DECIMAL_FORMAT
    for index, category in enumerate(chart.categories, start=1):
        _put(sheet, header + index, 1, category)
        for offset, series in enumerate(chart.series, start=2):
            value = series.values[index - 1] if index - 1 < len(series.values) else None
            _put(sheet, header + index, offset, value, fmt)
    last = header + len(chart.categories)
    native = _native_chart(chart)
    categories = Reference(sheet, min_col=1, min_row=header + 1, max_row=max(last, header + 1))
    series_count = 1 if chart.kind == "pie" else max(1, len(chart.series))
    data = Reference(
        sheet, min_col=2, max_col=1 + series_count, min_row=header, max_row=max(last, header + 1)
    )
    native.add_data(data, titles_from_data=True)
    native.set_categories(categories)
    anchor_column = max(first_free_column, 2 + len(chart.series) + 1)
    sheet.add_chart(native, f"{get_column_letter(anchor_column)}{row}")
    return max(last + 2, row + CHART_ROWS + 1)


def _native_chart(chart: Chart) -> BarChart | LineChart | PieChart:
    native: BarChart | LineChart | PieChart
    if chart.kind == "pie":
        native = PieChart()
    else:
        native = BarChart() if chart.kind == "bar" else LineChart()
        if isinstance(native, BarChart):
            native.type = "col"
        native.y_axis.title = chart.y_title or None
        native.y_axis.number_format = "0%" if chart.percent else "General"
        # openpyxl hides axes by default for newer Excel versions; show them.
        native.x_axis.delete = False
        native.y_axis.delete = False
    native.title = chart.title
    native.width, native.height = 16, 7.5
    return native


def render_xlsx(report: Report) -> bytes:
    """The report as an unencrypted xlsx (``crypto.render_file`` adds the password)."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    names = sheet_names([section.title for section in report.sections])
    for name, section in zip(names, report.sections, strict=True):
        sheet = book.create_sheet(title=name)
        _put(sheet, 1, 1, section.title).font = TITLE_FONT
        _put(sheet, 2, 1, f"{report.title}（{report.center_name}・{report.period_label}）")
        row = 4
        if section.text:
            for line in section.text.splitlines() or [section.text]:
                _put(sheet, row, 1, line).alignment = Alignment(wrap_text=False)
                row += 1
            row += 1
        widths: dict[int, int] = {1: 12}
        for table in section.tables:
            row = _write_table(sheet, row, table, widths)
        columns = max([len(t.columns) for t in section.tables] + [1])
        for chart in section.charts:
            row = _write_chart(sheet, row, chart, columns + 2)
        for column, width in widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.sheet_view.showGridLines = False
    _write_definitions(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_definitions(book: Workbook, report: Report) -> None:
    sheet = book.create_sheet(title=DEFINITIONS_SHEET)
    _put(sheet, 1, 1, "この報告書で用いた指標の定義").font = TITLE_FONT
    for column, name in enumerate(["指標", "定義"], start=1):
        cell = _put(sheet, 3, column, name)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
    for row, definition in enumerate(report.definitions, start=4):
        _put(sheet, row, 1, definition.name).border = BORDER
        cell = _put(sheet, row, 2, definition.text)
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90

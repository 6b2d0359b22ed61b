"""A report as an A4 PDF (fpdf2, Noto Sans CJK from Debian's fonts-noto-cjk).

A title page (report, center, period, generation time in Tokyo, contents), then one
heading per section with its text, tables and charts, then the definitions used, and a
page number on every page. Charts are DRAWN with fpdf2's vector primitives (rectangles,
lines, arcs, text) — bars, lines and pies with axes, labels and a legend — so the PDF
stays small, sharp at any zoom and fast to make (no plotting library, no images).
Long tables continue on the next page with their header row repeated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from madoguchi.filecrypto import PDF_FONT, japanese_font, pdf_add_japanese_font, pdf_protect
from madoguchi.reports.documents import Chart, Report, Section, Table
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.formatting import PALETTE, axis_label, cell_text, is_number, nice_max
from madoguchi.tenancy.calendars import TOKYO

HEADER_FILL = (31, 78, 121)
STRIPE_FILL = (242, 246, 250)
ROW_H = 6.0
CHART_H = 80.0
MAX_SAMPLE_ROWS = 200  # rows measured to size the columns of a long table


@dataclass(frozen=True)
class ChartBox:
    """Where a chart was drawn (page number from 1, mm from the top-left corner)."""

    page: int
    x: float
    y: float
    w: float
    h: float
    title: str


class ReportPdf(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self.chart_boxes: list[ChartBox] = []
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(PDF_FONT, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.report.title}　{self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    @property
    def content_w(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def room(self) -> float:
        return float(self.page_break_trigger - self.y)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` mm at the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _column_widths(pdf: ReportPdf, table: Table, texts: list[list[str]]) -> list[float]:
    count = max(1, len(table.columns))
    wanted = []
    for index in range(count):
        sample = [row[index] for row in texts[:MAX_SAMPLE_ROWS] if index < len(row)]
        longest = max([table.columns[index], *sample], key=len) if sample else table.columns[index]
        wanted.append(min(70.0, pdf.get_string_width(longest) + 3))
    total = sum(wanted) or 1.0
    scale = pdf.content_w / total
    if scale > 1:  # stretch only up to a readable width
        scale = min(scale, 1.6)
    return [w * scale for w in wanted]


def _table_header(pdf: ReportPdf, table: Table, widths: list[float]) -> None:
    pdf.set_font(PDF_FONT, style="B", size=8)
    pdf.set_fill_color(*HEADER_FILL)
    pdf.set_text_color(255, 255, 255)
    for name, width in zip(table.columns, widths, strict=False):
        pdf.cell(width, ROW_H + 1, _fit(pdf, name, width - 1.5), border=1, align="C", fill=True)
    pdf.ln(ROW_H + 1)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(PDF_FONT, size=8)


def _draw_table(pdf: ReportPdf, table: Table) -> None:
    texts = [
        [cell_text(value, index in table.percent_columns) for index, value in enumerate(row)]
        for row in table.rows
    ]
    if table.title:
        if pdf.room() < 3 * ROW_H + 8:
            pdf.add_page()
        pdf.set_font(PDF_FONT, style="B", size=10)
        pdf.cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, size=8)
    widths = _column_widths(pdf, table, texts)
    if pdf.room() < 2 * ROW_H + 2:
        pdf.add_page()
    _table_header(pdf, table, widths)
    pdf.set_draw_color(166, 166, 166)
    pdf.set_fill_color(*STRIPE_FILL)
    for number, (row, values) in enumerate(zip(texts, table.rows, strict=True)):
        if pdf.room() < ROW_H:
            pdf.add_page()
            _table_header(pdf, table, widths)  # the header again on every page
            pdf.set_fill_color(*STRIPE_FILL)
        for index, width in enumerate(widths):
            text = row[index] if index < len(row) else ""
            value = values[index] if index < len(values) else None
            numeric = is_number(value)
            pdf.cell(
                width,
                ROW_H,
                _fit(pdf, text, width - 1.5),
                border=1,
                align="R" if numeric else "L",
                fill=number % 2 == 1,
            )
        pdf.ln(ROW_H)
    if not table.rows:
        pdf.cell(0, ROW_H, _("該当なし"), border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(4)


def _legend(pdf: ReportPdf, x: float, y: float, names: list[str], width: float) -> None:
    pdf.set_font(PDF_FONT, size=7)
    cursor = x
    for index, name in enumerate(names):
        label_w = pdf.get_string_width(name) + 8
        if cursor + label_w > x + width:
            break
        pdf.set_fill_color(*PALETTE[index % len(PALETTE)])
        pdf.rect(cursor, y + 1, 3, 3, style="F")
        pdf.set_xy(cursor + 4, y)
        pdf.cell(label_w - 4, 5, name)
        cursor += label_w


def _draw_axes_chart(pdf: ReportPdf, chart: Chart, x: float, y: float, w: float, h: float) -> None:
    values = [v for s in chart.series for v in s.values if v is not None]
    top = nice_max(max(values, default=0.0))
    left, bottom = x + 16, y + h - 12
    plot_w, plot_h = w - 20, h - 28  # room for the title and legend above
    plot_top = bottom - plot_h
    pdf.set_font(PDF_FONT, size=7)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    for tick in range(6):
        level = top * tick / 5
        ty = bottom - plot_h * tick / 5
        pdf.line(left, ty, left + plot_w, ty)
        pdf.set_xy(x, ty - 2.5)
        pdf.cell(15, 5, axis_label(level, chart.percent), align="R")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.line(left, plot_top, left, bottom)
    pdf.line(left, bottom, left + plot_w, bottom)
    count = max(1, len(chart.categories))
    group = plot_w / count
    every = max(1, math.ceil(count / 16))  # at most ~16 category labels under the axis
    for index, category in enumerate(chart.categories):
        if index % every == 0:
            pdf.set_xy(left + group * index, bottom + 1)
            pdf.cell(group * every, 4, _fit(pdf, category, group * every - 0.5), align="C")
    if chart.y_title:
        pdf.set_xy(x, plot_top - 6)
        pdf.cell(40, 4, chart.y_title)
    series_count = max(1, len(chart.series))
    if chart.kind == "bar":
        bar_w = group * 0.8 / series_count
        for s_index, series in enumerate(chart.series):
            pdf.set_fill_color(*PALETTE[s_index % len(PALETTE)])
            for c_index, value in enumerate(series.values[:count]):
                if value is None or value <= 0:
                    continue
                bar_h = plot_h * min(value, top) / top
                bx = left + group * c_index + group * 0.1 + bar_w * s_index
                pdf.rect(bx, bottom - bar_h, bar_w, bar_h, style="F")
    else:
        pdf.set_line_width(0.6)
        for s_index, series in enumerate(chart.series):
            colour = PALETTE[s_index % len(PALETTE)]
            pdf.set_draw_color(*colour)
            pdf.set_fill_color(*colour)
            previous: tuple[float, float] | None = None
            for c_index, value in enumerate(series.values[:count]):
                if value is None:
                    previous = None  # a gap, not a zero
                    continue
                point = (
                    left + group * (c_index + 0.5),
                    bottom - plot_h * max(0.0, min(value, top)) / top,
                )
                if previous is not None:
                    pdf.line(previous[0], previous[1], point[0], point[1])
                pdf.circle(point[0], point[1], 0.7, style="F")
                previous = point
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0, 0, 0)
    _legend(pdf, left, y + 6, [s.name for s in chart.series], plot_w)


def _draw_pie(pdf: ReportPdf, chart: Chart, x: float, y: float, w: float, h: float) -> None:
    series = chart.series[0] if chart.series else None
    values = [max(0.0, v or 0.0) for v in (series.values if series else [])]
    total = sum(values)
    diameter = h - 14
    cx, cy = x + 10, y + 10
    if total <= 0:
        pdf.set_draw_color(160, 160, 160)
        pdf.circle(cx + diameter / 2, cy + diameter / 2, diameter / 2, style="D")
        pdf.set_draw_color(0, 0, 0)
    start = 90.0
    pdf.set_font(PDF_FONT, size=7)
    for index, value in enumerate(values):
        colour = PALETTE[index % len(PALETTE)]
        if total > 0 and value > 0:
            sweep = 360.0 * value / total
            pdf.set_fill_color(*colour)
            if sweep >= 359.999:
                pdf.circle(cx + diameter / 2, cy + diameter / 2, diameter / 2, style="F")
            else:
                # Clockwise from 12 o'clock, as on the screen (fpdf2 angles turn anticlockwise).
                pdf.solid_arc(cx, cy, diameter, start - sweep, start, style="F")
            start -= sweep
        legend_y = y + 10 + index * 5
        if legend_y > y + h - 5:
            break
        pdf.set_fill_color(*colour)
        pdf.rect(x + diameter + 20, legend_y + 1, 3, 3, style="F")
        pdf.set_xy(x + diameter + 24, legend_y)
        share = f"{value / total * 100:.1f}%" if total else "0%"
        category = chart.categories[index] if index < len(chart.categories) else ""
        pdf.cell(w - diameter - 26, 5, _fit(pdf, f"{category}　{share}", w - diameter - 27))


def _draw_chart(pdf: ReportPdf, chart: Chart) -> None:
    if pdf.room() < CHART_H + 4:
        pdf.add_page()
    x, y, w, h = pdf.l_margin, pdf.y, pdf.content_w, CHART_H
    pdf.set_font(PDF_FONT, style="B", size=10)
    pdf.set_xy(x, y)
    pdf.cell(w, 6, chart.title, align="C")
    if chart.kind == "pie":
        _draw_pie(pdf, chart, x, y, w, h)
    else:
        _draw_axes_chart(pdf, chart, x, y, w, h)
    pdf.chart_boxes.append(ChartBox(pdf.page_no(), x, y, w, h, chart.title))
    pdf.set_xy(pdf.l_margin, y + h + 4)


def _draw_section(pdf: ReportPdf, section: Section) -> None:
    pdf.add_page()
    pdf.start_section(section.title)
    pdf.set_font(PDF_FONT, style="B", size=15)
    pdf.cell(0, 10, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*HEADER_FILL)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.y, pdf.l_margin + pdf.content_w, pdf.y)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(3)
    if section.text:
        pdf.set_font(PDF_FONT, size=9.5)
        pdf.multi_cell(0, 5.5, section.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    for table in section.tables:
        _draw_table(pdf, table)
    for chart in section.charts:
        _draw_chart(pdf, chart)


def _title_page(pdf: ReportPdf, report: Report) -> None:
    pdf.add_page()
    pdf.set_y(60)
    pdf.set_font(PDF_FONT, style="B", size=20)
    pdf.multi_cell(0, 11, report.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(PDF_FONT, size=12)
    generated = timezone.localtime(report.generated_at, TOKYO)
    for line in (
        f"センター：{report.center_name}",
        f"対象期間：{report.period_label}",
        f"作成日時：{generated:%Y年%m月%d日 %H:%M}",
    ):
        pdf.cell(0, 8, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(PDF_FONT, style="B", size=11)
    pdf.cell(0, 7, "目次", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, size=10)
    for number, section in enumerate(report.sections, start=1):
        pdf.cell(0, 6, f"{number}. {section.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{len(report.sections) + 1}. 定義", new_x="LMARGIN", new_y="NEXT")


def _definitions(pdf: ReportPdf, report: Report) -> None:
    pdf.add_page()
    pdf.start_section("定義")
    pdf.set_font(PDF_FONT, style="B", size=15)
    pdf.cell(0, 10, "定義", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for definition in report.definitions:
        pdf.set_font(PDF_FONT, style="B", size=9.5)
        pdf.multi_cell(0, 5.5, definition.name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(PDF_FONT, size=9)
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(pdf.content_w - 4, 5, definition.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    if not report.definitions:
        pdf.set_font(PDF_FONT, size=9)
        pdf.cell(0, 6, "該当なし", new_x="LMARGIN", new_y="NEXT")


def build_pdf(report: Report, *, password: str = "") -> ReportPdf:
    """Lay the report out; ``password`` encrypts it with AES-256. The returned document
    knows where its charts are (``chart_boxes``); ``render_pdf`` gives the bytes."""
    font = japanese_font()
    if font is None:
        raise ReportsError(
            _("日本語フォントがありません（fonts-noto-cjk をインストールしてください）。"),
            field="format",
        )
    pdf = ReportPdf(report)
    pdf_add_japanese_font(pdf, font)
    pdf.set_title(report.title)
    pdf.set_creator("Madoguchi")
    pdf.set_creation_date(_aware(report.generated_at))
    if password:
        pdf_protect(pdf, password)
    _title_page(pdf, report)
    for section in report.sections:
        _draw_section(pdf, section)
    _definitions(pdf, report)
    return pdf


def _aware(moment: datetime) -> Any:
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)


def render_pdf(report: Report, *, password: str = "") -> bytes:
    return bytes(build_pdf(report, password=password).output())

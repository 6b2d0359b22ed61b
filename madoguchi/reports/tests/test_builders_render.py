"""Every builder's report goes through the Excel, PDF and CSV renderers."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from madoguchi.calls.models import Disposition as D
from madoguchi.interactions.tests.factories import InteractionFactory
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import (
    day_period,
    fiscal_year_period,
    half_year_period,
    month_period,
    week_period,
)
from madoguchi.reports.registry import builder_for, registered_kinds
from madoguchi.reports.render_csv import csv_files
from madoguchi.reports.render_pdf import render_pdf
from madoguchi.reports.render_xlsx import render_xlsx
from madoguchi.reports.tests.factories import calls, tokyo

DAY = date(2026, 10, 6)
PERIODS = {
    ReportKind.DAILY: day_period(DAY),
    ReportKind.WEEKLY: week_period(DAY),
    ReportKind.MONTHLY: month_period(DAY),
    ReportKind.HALF_YEAR: half_year_period(DAY),
    ReportKind.ANNUAL: fiscal_year_period(DAY),
    ReportKind.SERVICE_LEVEL: fiscal_year_period(DAY),
    ReportKind.PERSONAL_DATA: month_period(DAY),
    ReportKind.FREQUENT_QUESTIONS: month_period(DAY),
}


def test_every_report_kind_has_a_builder():
    assert sorted(registered_kinds()) == sorted(ReportKind.values)


@pytest.mark.parametrize("kind", list(PERIODS))
def test_report_renders_to_excel_pdf_and_csv(iwaki, kind):
    calls(
        iwaki,
        [(tokyo(2026, 10, 6, 9, n), D.ANSWERED) for n in range(5)]
        + [(tokyo(2026, 10, 6, 10, 0), D.ABANDONED)],
    )
    InteractionFactory.create(
        center=iwaki, started_at=tokyo(2026, 10, 6, 9, 0, 5), ended_at=tokyo(2026, 10, 6, 9, 3)
    )

    report = builder_for(kind)(center=iwaki, period=PERIODS[kind])

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert len(book.sheetnames) >= len(report.sections)
    assert book.sheetnames[0].startswith(report.sections[0].title[:10])
    assert render_pdf(report).startswith(b"%PDF")
    files = csv_files(report)
    assert len(files) >= len(report.sections)
    if kind == ReportKind.MONTHLY:
        assert len(report.records["応対記録"]) == 2

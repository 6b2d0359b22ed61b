"""The renderers on a hand-made report: Excel (sheets, formats, native charts,
definitions), CSV (BOM, one file per table, records, definitions) and PDF (pages,
drawn charts seen as coloured pixels after pdftoppm, extractable Japanese text)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from madoguchi.reports.render_csv import csv_files
from madoguchi.reports.render_pdf import build_pdf, render_pdf
from madoguchi.reports.render_xlsx import render_xlsx, sheet_names
from madoguchi.reports.tests.sample import sample_report


def test_sheet_names_are_excel_safe_unique_and_short():
    names = sheet_names(["受電状況", "受電状況", "a/b:c*d?[e]\\f", "定義", "x" * 40, ""])
    assert names[0] == "受電状況"
    assert names[1] == "受電状況(2)"
    assert names[2] == "a・b・c・d・・e・・f"
    assert names[3] == "定義(2)"  # the definitions sheet keeps its name
    assert names[4] == "x" * 31
    assert names[5] == "Sheet6"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_xlsx_has_a_sheet_per_section_formats_native_charts_and_definitions():
    report = sample_report()
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == ["受電状況", "応対記録・詳細・・一覧・全件・・", "定義"]
    sheet: Any = book["受電状況"]
    assert sheet["A1"].value == "受電状況"
    # Title row, then the header with its fill, then the data with formats.
    header_row = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "時間帯")
    assert [sheet.cell(header_row, c).value for c in range(1, 5)] == [
        "時間帯",
        "着信数",
        "応答数",
        "応答率",
    ]
    assert sheet.cell(header_row, 1).fill.fgColor.rgb.endswith("1F4E79")
    first = header_row + 1
    assert sheet.cell(first, 1).value == "08"
    assert sheet.cell(first, 2).value == 40
    assert sheet.cell(first, 2).number_format == "#,##0"
    assert sheet.cell(first, 4).value == pytest.approx(0.95)
    assert sheet.cell(first, 4).number_format == "0.0%"
    charts = sheet._charts
    assert [type(c).__name__ for c in charts] == ["BarChart", "LineChart"]
    bar = charts[0]
    assert len(bar.series) == 2  # offered and answered
    ref = bar.series[0].val.numRef.f
    assert ref.startswith("'受電状況'!$B$")
    assert charts[1].y_axis.number_format.formatCode == "0%"
    detail: Any = book["応対記録・詳細・・一覧・全件・・"]
    assert [type(c).__name__ for c in detail._charts] == ["PieChart"]
    # Text that looks like a formula stays text.
    texts = [c.value for row in detail.iter_rows() for c in row if c.value]
    formula_cells = [
        c
        for row in detail.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value[:1] == "="
    ]
    assert formula_cells and all(c.data_type == "s" for c in formula_cells)
    assert "応対一覧" in texts
    definitions = book["定義"]
    rows = [[c.value for c in row] for row in definitions.iter_rows(min_row=4)]
    assert rows == [
        ["受電応答率", "応答数 ÷ 総着信呼数（受付時間内）"],
        ["放棄呼率", "放棄呼数 ÷ 総着信呼数"],
    ]


def test_xlsx_formula_text_round_trips_as_text_in_the_file():
    raw = render_xlsx(sample_report())
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(archive.read(n).decode() for n in sheets)
    assert "<f>" not in xml  # no formula anywhere


def test_csv_files_one_per_table_plus_records_and_definitions():
    files = csv_files(sample_report(tables=2))
    assert list(files) == [
        "01_受電状況_受電状況.csv",
        "02_応対記録[詳細]_一覧_全件_応対一覧.csv",
        "02_応対記録[詳細]_一覧_全件_集計表1.csv",
        "records_interactions.csv",
        "definitions.csv",
    ]
    for content in files.values():
        assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(files["01_受電状況_受電状況.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["時間帯", "着信数", "応答数", "応答率"]
    assert rows[1] == ["08", "40", "38", "0.95"]
    assert len(rows) == 13
    detail = files["02_応対記録[詳細]_一覧_全件_応対一覧.csv"].decode("utf-8-sig")
    assert "'=SUM(A1) 住民税の納付方法 0" in detail  # CSV injection defused
    records = list(csv.reader(io.StringIO(files["records_interactions.csv"].decode("utf-8-sig"))))
    assert records == [["受付日時", "内容"], ["2026-10-01 09:00", "'+81 電話番号の確認"]]
    definitions = files["definitions.csv"].decode("utf-8-sig")
    assert "受電応答率,応答数 ÷ 総着信呼数（受付時間内）" in definitions


def _text(page):
    # pypdf reads fpdf2's two-byte CID strings with NULs between the characters.
    return page.extract_text().replace("\x00", "")


def _pages(pdf: bytes, tmp_path: Path, dpi: int = 40) -> list[Image.Image]:
    assert shutil.which("pdftoppm"), "pdftoppm missing: bash scripts/ensure-fonts.sh"
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603 - fixed arguments
        ["pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "page")],  # noqa: S607
        check=True,
        timeout=120,
    )
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page-*.png"))]


def _coloured(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels in ``box`` that are clearly coloured (not white, grey or black)."""
    pixels: Any = image.crop(box).get_flattened_data()
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)


def test_pdf_pages_charts_drawn_and_japanese_text_extractable(tmp_path):
    report = sample_report(long_rows=120)
    document = build_pdf(report)
    pdf = bytes(document.output())
    reader = PdfReader(io.BytesIO(pdf))
    # Title page; section 1 (table + bar chart, the line chart on the next page);
    # section 2: 120 rows over 3 pages, the pie on the next; definitions.
    assert len(reader.pages) == len(document.pages) == 8
    text = "".join(_text(page) for page in reader.pages)
    for expected in ("受電状況", "応対記録[詳細]/一覧:全件*?", "定義", "受電応答率", "センター"):
        assert expected in text
    assert text.count("受付日時") == 3  # the header repeated on every page of the long table
    assert "8 / 8" in text  # page numbers
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 8
    assert [(b.page, b.title) for b in document.chart_boxes] == [
        (2, "時間帯別の着信数と応答数"),
        (3, "応答率の推移"),
        (7, "分類の内訳"),
    ]
    scale = 40 / 25.4  # pixels per mm
    for box in document.chart_boxes:
        image = pages[box.page - 1]
        area = tuple(int(v * scale) for v in (box.x, box.y, box.x + box.w, box.y + box.h))
        assert _coloured(image, area) > 100, box.title  # type: ignore[arg-type]
    # The title page has no chart: no coloured pixels at all.
    assert _coloured(pages[0], (0, 0, pages[0].width, pages[0].height)) == 0


def test_pdf_of_an_empty_report_still_has_title_and_definitions():
    report = sample_report()
    report.sections = []
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    assert len(reader.pages) == 2
    assert "定義" in _text(reader.pages[1])


def test_bench_render_prints_json_figures_for_every_format():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("bench_render", "--format=json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["tables"] == 20 and result["charts"] == 12
    assert set(result["formats"]) == {"xlsx", "pdf", "csv"}
    for entry in result["formats"].values():
        assert entry["seconds"] > 0 and entry["bytes"] > 10_000
    assert result["formats"]["pdf"]["pages"] > 20
    assert result["peak_rss_mb"] > 0

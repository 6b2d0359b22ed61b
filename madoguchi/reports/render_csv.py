"""A report as CSV files (UTF-8 with BOM, so Excel opens the Japanese right): one per
section table, one per record set of ``Report.records`` (e.g. every interaction of the
month, RPT-3) and ``definitions.csv``. ``crypto.render_file`` zips them (AES with a
password when asked).

A text cell starting with ``=``, ``+``, ``-``, ``@`` or a tab is prefixed with ``'`` so a
spreadsheet shows it as text and never runs it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from madoguchi.reports.documents import Cell, Report

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\s]+")


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[Cell]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else _safe(value) for value in row])
    return out.getvalue().encode("utf-8")


def _name(text: str) -> str:
    return re.sub("_+", "_", _UNSAFE_NAME.sub("_", text)).strip("_.") or "table"


def csv_files(report: Report) -> dict[str, bytes]:
    """File name → CSV content, in report order; names are unique and safe in a zip."""
    files: dict[str, bytes] = {}

    def add(name: str, content: bytes) -> None:
        stem, counter = _name(name), 1
        candidate = f"{stem}.csv"
        while candidate in files:
            counter += 1
            candidate = f"{stem}_{counter}.csv"
        files[candidate] = content

    for s_index, section in enumerate(report.sections, start=1):
        for t_index, table in enumerate(section.tables, start=1):
            title = table.title or f"表{t_index}"
            add(f"{s_index:02d}_{section.title}_{title}", csv_bytes([table.columns, *table.rows]))
    for name, rows in report.records.items():
        add(f"records_{name}", csv_bytes(rows))
    add(
        "definitions",
        csv_bytes([["指標", "定義"], *[[d.name, d.text] for d in report.definitions]]),
    )
    return files

"""Report files in each format, encrypted when a password is given.

* Excel: an Office-encrypted xlsx (msoffcrypto-tool, ECMA-376 agile encryption);
* PDF: AES-256 (fpdf2) with a random, discarded owner password;
* CSV: a zip whose entries are AES-256 encrypted (WinZip AES, pyzipper) — the file
  names stay readable, the contents do not.

The password comes from :func:`madoguchi.filecrypto.password_new` (12 symbols without
look-alikes) and always travels apart from the file (a second e-mail, or the screen).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pyzipper

from madoguchi.filecrypto import xlsx_encrypt
from madoguchi.reports.documents import Report
from madoguchi.reports.render_csv import csv_files
from madoguchi.reports.render_pdf import render_pdf
from madoguchi.reports.render_xlsx import render_xlsx

XLSX, PDF, CSV = "xlsx", "pdf", "csv"
FORMATS = (XLSX, PDF, CSV)
FORMAT_LABELS = {XLSX: "Excel", PDF: "PDF", CSV: "CSV（zip）"}
EXTENSIONS = {XLSX: "xlsx", PDF: "pdf", CSV: "zip"}
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PDF: "application/pdf",
    CSV: "application/zip",
}


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content: bytes
    content_type: str
    password: str  # "" when not encrypted


def zip_files(files: dict[str, bytes], password: str = "") -> bytes:
    """The files in one zip; with ``password`` every entry is AES-256 encrypted."""
    out = io.BytesIO()
    if password:
        with pyzipper.AESZipFile(
            out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode())
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            for name, content in files.items():
                archive.writestr(name, content)
    else:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
    return out.getvalue()


def render_file(report: Report, *, fmt: str, filename_stem: str, password: str = "") -> ReportFile:
    """``report`` rendered as ``fmt`` (xlsx, pdf or csv → zip), encrypted with
    ``password`` when one is given. ValueError for an unknown format."""
    if fmt == XLSX:
        content = render_xlsx(report)
        if password:
            content = xlsx_encrypt(content, password)
    elif fmt == PDF:
        content = render_pdf(report, password=password)
    elif fmt == CSV:
        content = zip_files(csv_files(report), password)
    else:
        raise ValueError(f"unknown report format {fmt!r}")
    return ReportFile(
        filename=f"{filename_stem}.{EXTENSIONS[fmt]}",
        content=content,
        content_type=CONTENT_TYPES[fmt],
        password=password,
    )

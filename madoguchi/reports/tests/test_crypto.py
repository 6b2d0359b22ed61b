"""Encrypted report files open only with their password: msoffcrypto for the xlsx,
pypdf for the AES-256 PDF, pyzipper for the AES zip of CSVs."""

from __future__ import annotations

import io
import zipfile

import msoffcrypto
import pytest
import pyzipper
from msoffcrypto.exceptions import InvalidKeyError
from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.filecrypto import password_new
from madoguchi.reports.crypto import render_file, zip_files
from madoguchi.reports.tests.sample import sample_report


def test_passwords_are_12_symbols_without_look_alikes_and_differ():
    passwords = {password_new() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == 12
        assert not set(password) & set("01lIoO")


def _decrypt_xlsx(content: bytes, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def test_xlsx_opens_only_with_its_password():
    file = render_file(
        sample_report(), fmt="xlsx", filename_stem="monthly", password="Abc234defGHJ"
    )
    assert file.filename == "monthly.xlsx"
    assert file.password == "Abc234defGHJ"
    with pytest.raises(Exception):  # noqa: B017 - not a zip at all without decryption
        load_workbook(io.BytesIO(file.content))
    with pytest.raises(InvalidKeyError):
        _decrypt_xlsx(file.content, "wrong-password")
    book = load_workbook(io.BytesIO(_decrypt_xlsx(file.content, "Abc234defGHJ")))
    assert book.sheetnames[-1] == "定義"


def test_pdf_opens_only_with_its_password():
    file = render_file(sample_report(), fmt="pdf", filename_stem="monthly", password="Abc234defGHJ")
    assert file.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(file.content))
    assert reader.is_encrypted
    assert reader.decrypt("wrong-password") == 0
    reader = PdfReader(io.BytesIO(file.content))
    assert reader.decrypt("Abc234defGHJ") != 0
    assert "受電状況" in reader.pages[1].extract_text().replace("\x00", "")
    assert b"/AESV3" in file.content  # AES-256


def test_csv_zip_is_aes_encrypted_and_opens_only_with_its_password():
    file = render_file(sample_report(), fmt="csv", filename_stem="monthly", password="Abc234defGHJ")
    assert file.filename == "monthly.zip"
    with pyzipper.AESZipFile(io.BytesIO(file.content)) as archive:
        names = archive.namelist()
        assert "definitions.csv" in names
        with pytest.raises(RuntimeError):
            archive.read("definitions.csv")  # no password
        archive.setpassword(b"wrong-password")
        with pytest.raises(RuntimeError):
            archive.read("definitions.csv")
        archive.setpassword(b"Abc234defGHJ")
        assert "受電応答率" in archive.read("definitions.csv").decode("utf-8-sig")
    # The standard library cannot read it without the password either.
    with zipfile.ZipFile(io.BytesIO(file.content)) as plain, pytest.raises(RuntimeError):
        plain.read("definitions.csv")


def test_unencrypted_files_open_directly():
    xlsx = render_file(sample_report(), fmt="xlsx", filename_stem="m")
    assert xlsx.password == ""
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "受電状況"
    plain = zip_files({"a.csv": b"x,y\r\n"})
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert archive.read("a.csv") == b"x,y\r\n"
    with pytest.raises(ValueError, match="unknown report format"):
        render_file(sample_report(), fmt="docx", filename_stem="m")

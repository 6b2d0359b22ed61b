"""Delivery through a real SMTP server (aiosmtpd): the file and its password travel in
two separate messages, the file opens only with the password of the second, every
delivery and download is audited, and a refused send claims nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import msoffcrypto
import pytest
import pyzipper
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.inbox.tests.mailservers import free_port, smtp_sink_fixture  # noqa: F401
from madoguchi.reports import audit_actions
from madoguchi.reports.delivery import period_for, report_deliver, report_download
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.models import ReportDelivery, ReportRecipient
from madoguchi.reports.periods import month_period
from madoguchi.reports.tests.sample import (  # noqa: F401
    no_annual_builder_fixture,
    sample_builder_fixture,
)

OCTOBER = month_period(date(2026, 10, 15))


@pytest.fixture
def recipients(iwaki):
    ReportRecipient.objects.create(center=iwaki, kind="monthly", email="kouhou@city.iwaki.example")
    ReportRecipient.objects.create(center=iwaki, kind="monthly", email="kanri@city.iwaki.example")
    ReportRecipient.objects.create(
        center=iwaki, kind="monthly", email="old@city.iwaki.example", is_active=False
    )
    ReportRecipient.objects.create(center=iwaki, kind="daily", email="daily@city.iwaki.example")
    return iwaki


def _password(message) -> str:
    match = re.search(r"パスワード: (\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _attachment(message) -> tuple[str, bytes]:
    [part] = list(message.iter_attachments())
    return part.get_filename(), part.get_content()


def test_xlsx_delivery_sends_file_then_password_separately(
    recipients, smtp_sink, sample_builder, audit_trail
):
    delivery = report_deliver(
        actor=None, center=recipients, kind="monthly", period=OCTOBER, fmt="xlsx"
    )
    messages = smtp_sink.wait_for(4)
    assert len(messages) == 4  # two recipients × (file, password)
    files, passwords = messages[:2], messages[2:]
    assert [m["To"] for m in files] == ["kanri@city.iwaki.example", "kouhou@city.iwaki.example"]
    assert [m["To"] for m in passwords] == [m["To"] for m in files]
    for file_message, password_message in zip(files, passwords, strict=True):
        name, content = _attachment(file_message)
        assert name == "iwaki-monthly-20261001.xlsx"
        assert "パスワード:" not in file_message.get_body().get_content()
        assert "暗号化" in file_message["Subject"]
        assert not list(password_message.iter_attachments())
        password = _password(password_message)
        assert len(password) == 12
        assert password not in file_message.as_string()
        office = msoffcrypto.OfficeFile(io.BytesIO(content))
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
        book = load_workbook(plain)
        assert book.sheetnames[0] == "受電状況"
        wrong = msoffcrypto.OfficeFile(io.BytesIO(content))
        wrong.load_key(password="x" + password[1:])
        with pytest.raises(Exception):  # noqa: B017 - msoffcrypto's key error
            wrong.decrypt(io.BytesIO())
    # One password for the delivery, the same in both password mails.
    assert _password(passwords[0]) == _password(passwords[1])
    assert sample_builder == [(recipients, OCTOBER)]
    assert delivery.status == ReportDelivery.Status.SENT
    assert delivery.sent_at is not None
    assert delivery.recipients == ["kanri@city.iwaki.example", "kouhou@city.iwaki.example"]
    [event] = audit_trail.events()
    assert event.action == audit_actions.REPORT_DELIVERED
    assert event.data["to"] == delivery.recipients
    assert event.data["format"] == "xlsx"
    assert event.data["first"] == "2026-10-01"
    assert _password(passwords[0]) not in json.dumps(event.data)


def test_pdf_and_csv_deliveries_open_only_with_the_mailed_password(
    recipients, smtp_sink, sample_builder
):
    report_deliver(
        actor=None,
        center=recipients,
        kind="monthly",
        period=OCTOBER,
        fmt="pdf",
        recipients=["pdf@city.iwaki.example"],
    )
    file_message, password_message = smtp_sink.wait_for(2)
    name, content = _attachment(file_message)
    assert name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(content))
    assert reader.is_encrypted and reader.decrypt("wrong-password") == 0
    reader = PdfReader(io.BytesIO(content))
    assert reader.decrypt(_password(password_message)) != 0
    assert "受電状況" in reader.pages[1].extract_text().replace("\x00", "")

    report_deliver(
        actor=None,
        center=recipients,
        kind="monthly",
        period=OCTOBER,
        fmt="csv",
        recipients=["csv@city.iwaki.example"],
    )
    file_message, password_message = smtp_sink.wait_for(4)[2:]
    name, content = _attachment(file_message)
    assert name == "iwaki-monthly-20261001.zip"
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        with pytest.raises(RuntimeError):
            archive.read("definitions.csv")
        archive.setpassword(_password(password_message).encode())
        assert "受電応答率" in archive.read("definitions.csv").decode("utf-8-sig")


def test_refused_smtp_gives_an_error_records_the_failure_and_claims_no_delivery(
    recipients, settings, sample_builder, audit_trail
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    with pytest.raises(ReportsError, match="メールを送信できませんでした"):
        report_deliver(actor=None, center=recipients, kind="monthly", period=OCTOBER, fmt="xlsx")
    assert audit_trail.actions() == []
    [failed] = ReportDelivery.objects.all()
    assert failed.status == ReportDelivery.Status.FAILED
    assert failed.sent_at is None
    assert "メールを送信できませんでした" in failed.error


def test_no_recipient_unknown_kind_bad_format_and_bad_address_are_refused(
    iwaki, smtp_sink, sample_builder, no_annual_builder, audit_trail
):
    with pytest.raises(ReportsError, match="送付先が登録されていません"):
        report_deliver(actor=None, center=iwaki, kind="monthly", period=OCTOBER, fmt="xlsx")
    with pytest.raises(ReportsError, match="まだ作成できません"):
        report_deliver(
            actor=None,
            center=iwaki,
            kind="annual",
            period=OCTOBER,
            fmt="pdf",
            recipients=["a@city.example"],
        )
    with pytest.raises(ReportsError, match="形式"):
        report_deliver(
            actor=None,
            center=iwaki,
            kind="monthly",
            period=OCTOBER,
            fmt="doc",
            recipients=["a@b.jp"],
        )
    with pytest.raises(ReportsError, match="メールアドレスが正しくありません"):
        report_deliver(
            actor=None,
            center=iwaki,
            kind="monthly",
            period=OCTOBER,
            fmt="xlsx",
            recipients=["not-an-address"],
        )
    with pytest.raises(ReportsError, match="種類"):
        period_for("weekly-ish", date(2026, 10, 1))
    assert smtp_sink.messages == []
    assert audit_trail.actions() == []
    assert ReportDelivery.objects.count() == 0


def test_download_is_audited_and_encrypted_on_request(iwaki, sample_builder, audit_trail):
    plain = report_download(actor=None, center=iwaki, kind="monthly", period=OCTOBER, fmt="xlsx")
    assert plain.password == ""
    assert load_workbook(io.BytesIO(plain.content)).sheetnames[-1] == "定義"
    locked = report_download(
        actor=None, center=iwaki, kind="monthly", period=OCTOBER, fmt="pdf", encrypt=True
    )
    assert len(locked.password) == 12
    assert PdfReader(io.BytesIO(locked.content)).is_encrypted
    events = audit_trail.events()
    assert [e.action for e in events] == [audit_actions.REPORT_DOWNLOADED] * 2
    assert [(e.data["format"], e.data["encrypted"]) for e in events] == [
        ("xlsx", False),
        ("pdf", True),
    ]


def test_report_deliver_command(recipients, smtp_sink, sample_builder, audit_trail):
    out = io.StringIO()
    call_command(
        "report_deliver",
        "--center=iwaki",
        "--kind=daily",
        "--date=2026-10-16",
        "--format=csv",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["first"] == result["last"] == "2026-10-16"
    assert result["recipients"] == ["daily@city.iwaki.example"]
    assert result["status"] == "sent" and result["format"] == "csv"
    assert len(smtp_sink.wait_for(2)) == 2
    assert audit_trail.actions() == [audit_actions.REPORT_DELIVERED]
    with pytest.raises(CommandError, match="センター「nowhere」はありません"):
        call_command("report_deliver", "--center=nowhere", "--kind=daily", "--date=2026-10-16")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("report_deliver", "--center=iwaki", "--kind=daily", "--date=16/10/2026")
    with pytest.raises(CommandError, match="送付先が登録されていません"):
        call_command("report_deliver", "--center=iwaki", "--kind=weekly", "--date=2026-10-16")

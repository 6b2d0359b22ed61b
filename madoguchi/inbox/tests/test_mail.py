"""Mail in and out against real servers: aiosmtpd (SMTP sink) and Dovecot (IMAP)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid

import pytest
from django.core.management import call_command

from madoguchi.inbox import services
from madoguchi.inbox.models import (
    InboxChannel,
    InboxMessage,
    InboxStatus,
    Mailbox,
    MailboxPurpose,
    MailSecurity,
    Reply,
)
from madoguchi.inbox.tests.mailservers import (  # noqa: F401  (pytest fixtures)
    dovecot_fixture,
    smtp_sink_fixture,
)
from madoguchi.interactions.models import Interaction
from madoguchi.tenancy.calendars import TOKYO

PASSWORD_ENV = "MADOGUCHI_TEST_IMAP_PASSWORD"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def mailbox(iwaki, dovecot, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    return Mailbox.objects.create(
        center=iwaki,
        name="一般問合せ",
        purpose=MailboxPurpose.GENERAL,
        address="soudan@city.iwaki.example.jp",
        host="127.0.0.1",
        port=dovecot.port,
        security=MailSecurity.PLAIN,
        username=dovecot.user,
        password_env=PASSWORD_ENV,
    )


def japanese_mail(*, subject: str, body: str, message_id: str | None = None) -> bytes:
    """A mail as Japanese mailers still send it: ISO-2022-JP, RFC 2047 headers."""
    message = MIMEText(body, "plain", "iso-2022-jp")
    message["Subject"] = Header(subject, "iso-2022-jp").encode()
    message["From"] = formataddr((str(Header("山田 花子", "iso-2022-jp")), "hanako@example.jp"))
    message["To"] = "soudan@city.iwaki.example.jp"
    message["Date"] = "Mon, 16 Nov 2026 10:00:00 +0900"
    message["Message-ID"] = message_id or make_msgid(domain="example.jp")
    return message.as_bytes()


def test_form_submission_sends_an_acknowledgement(
    iwaki,
    smtp_sink,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.inquiry_submit(
            center=iwaki,
            name="佐藤 一郎",
            email="ichiro@example.jp",
            phone="",
            reply_channel="email",
            subject="粗大ごみの出し方",
            body="冷蔵庫を捨てたいのですが、どうすればよいですか。",
            language="ja",
            received_at=datetime(2026, 11, 16, 10, 0, tzinfo=TOKYO),
        )

    [ack] = smtp_sink.wait_for(1)
    assert smtp_sink.envelopes[0][1] == ["ichiro@example.jp"]
    assert (
        ack["Subject"].strip() == f"【受付】お問い合わせを受け付けました（受付番号 {message.pk}）"
    )
    text = ack.get_content()
    assert "佐藤 一郎 様" in text
    assert "回答予定日: 2026-11-16 まで" in text
    assert message.channel == InboxChannel.WEB_FORM
    assert message.interaction is not None
    assert message.interaction.channel == "web_form"


def test_acknowledgement_is_in_the_language_of_the_form(
    iwaki,
    smtp_sink,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.inquiry_submit(
            center=iwaki,
            name="Jane Doe",
            email="jane@example.com",
            phone="",
            reply_channel="email",
            subject="Garbage day",
            body="When is the garbage collected?",
            language="en",
        )

    [ack] = smtp_sink.wait_for(1)
    assert ack["Subject"].strip().startswith("[Received] We have received your inquiry")
    assert "Dear Jane Doe" in ack.get_content()


def test_an_inbound_mail_becomes_an_inbox_item_and_an_interaction(mailbox, dovecot):
    message_id = make_msgid(domain="example.jp")
    raw = japanese_mail(
        subject="住民票の請求について",
        body="郵送で住民票を請求する方法を教えてください。",
        message_id=message_id,
    )
    assert b"=?iso-2022-jp?" in raw and b"\x1b$B" in raw  # really ISO-2022-JP on the wire
    dovecot.append(raw)

    result = services.mailbox_fetch(mailbox=mailbox)

    assert len(result.created) == 1 and result.duplicates == 0
    item = InboxMessage.objects.get(pk=result.created[0])
    assert item.channel == InboxChannel.EMAIL
    assert item.subject == "住民票の請求について"
    assert item.body == "郵送で住民票を請求する方法を教えてください。"
    assert item.sender_name == "山田 花子"
    assert item.sender_email == "hanako@example.jp"
    assert item.message_id == message_id
    assert item.status == InboxStatus.NEW
    assert item.interaction_id is not None
    interaction = Interaction.objects.get(pk=item.interaction_id)
    assert interaction.center == mailbox.center
    assert interaction.channel == "email"
    assert interaction.summary.startswith("住民票の請求について\n郵送で")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 1 and mailbox.uid_validity


def test_a_duplicate_fetch_creates_nothing_new(mailbox, dovecot):
    dovecot.append(japanese_mail(subject="一通目", body="本文一"))
    dovecot.append(japanese_mail(subject="二通目", body="本文二"))
    first = services.mailbox_fetch(mailbox=mailbox)
    assert len(first.created) == 2

    again = services.mailbox_fetch(mailbox=mailbox)
    assert again.created == [] and again.duplicates == 0
    # Even when the UID bookmark is lost, Message-IDs keep the inbox free of doubles.
    Mailbox.objects.filter(id=mailbox.id).update(last_uid=0, uid_validity=None)
    mailbox.refresh_from_db()
    lost = services.mailbox_fetch(mailbox=mailbox)
    assert lost.created == [] and lost.duplicates == 2
    assert InboxMessage.objects.count() == 2
    assert Interaction.objects.filter(channel="email").count() == 2


def test_a_fax_mail_with_a_pdf_becomes_a_fax_item(mailbox, dovecot):
    Mailbox.objects.filter(pk=mailbox.pk).update(purpose=MailboxPurpose.FAX)
    mailbox.refresh_from_db()
    fax = MIMEMultipart()
    fax["Subject"] = "FAX受信 0246-22-0000 (2ページ)"
    fax["From"] = "fax-gateway@city.iwaki.example.jp"
    fax["Message-ID"] = make_msgid(domain="fax.example.jp")
    fax.attach(MIMEText("FAXを受信しました。", "plain", "utf-8"))
    page = MIMEApplication(PDF, "pdf")
    page.add_header("Content-Disposition", "attachment", filename="fax-0001.pdf")
    fax.attach(page)
    dovecot.append(fax.as_bytes())

    result = services.mailbox_fetch(mailbox=mailbox)

    item = InboxMessage.objects.get(pk=result.created[0])
    assert item.channel == InboxChannel.FAX
    assert item.interaction is not None and item.interaction.channel == "fax"
    [attachment] = item.attachments.all()
    assert attachment.filename == "fax-0001.pdf"
    assert attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF
    assert item.reply_on == "fax"
    attachment.file.delete(save=False)


def test_accessibility_address_is_marked_and_my_number_cut_out(mailbox, dovecot):
    Mailbox.objects.filter(pk=mailbox.pk).update(purpose=MailboxPurpose.ACCESSIBILITY)
    mailbox.refresh_from_db()
    # 123456789018 has a valid My Number check digit.
    dovecot.append(japanese_mail(subject="手話通訳", body="私の番号は 1234 5678 9018 です。"))

    result = services.mailbox_fetch(mailbox=mailbox)

    item = InboxMessage.objects.get(pk=result.created[0])
    assert item.accessibility is True
    assert "9018" not in item.body
    assert services.REDACTED in item.body


def test_a_reply_goes_out_with_the_survey_link(mailbox, dovecot, smtp_sink, client):
    dovecot.append(japanese_mail(subject="図書館の開館時間", body="日曜日は開いていますか。"))
    item = InboxMessage.objects.get(pk=services.mailbox_fetch(mailbox=mailbox).created[0])

    reply = services.reply_send(actor=None, message=item, body="日曜日も10時から開館しています。")

    [sent] = smtp_sink.wait_for(1)
    assert smtp_sink.envelopes[0][1] == ["hanako@example.jp"]
    assert sent["Subject"].strip() == "Re: 図書館の開館時間"
    assert sent["In-Reply-To"] == item.message_id
    assert sent["Message-ID"] == reply.smtp_message_id
    text = sent.get_content()
    assert text.startswith("日曜日も10時から開館しています。")
    link = next(line for line in text.splitlines() if "/inquiry/survey/" in line).strip()
    item.refresh_from_db()
    assert item.status == InboxStatus.REPLIED
    assert Reply.objects.get().manual is False
    # The link opens the survey of this very message.
    path = link.removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 200
    target = services.survey_target(token=path.rstrip("/").rsplit("/", 1)[-1])
    assert target.message == item and target.center == mailbox.center


def test_a_reply_when_the_mail_server_is_down_records_nothing(iwaki, settings):
    from madoguchi.inbox.errors import InboxError
    from madoguchi.inbox.tests.mailservers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    item = services.inquiry_submit(
        center=iwaki,
        name="",
        email="a@example.jp",
        phone="",
        reply_channel="email",
        subject="",
        body="質問です。",
        language="ja",
    )

    with pytest.raises(InboxError, match="送信できませんでした"):
        services.reply_send(actor=None, message=item, body="回答です。")
    item.refresh_from_db()
    assert item.status == InboxStatus.NEW
    assert Reply.objects.count() == 0


def test_inbox_fetch_command_prints_its_report(mailbox, dovecot):
    dovecot.append(japanese_mail(subject="件名", body="本文"))
    out = io.StringIO()

    call_command("inbox_fetch", "--center", "iwaki", stdout=out)

    report = json.loads(out.getvalue())
    assert report["mailboxes"] == [
        {"mailbox": mailbox.pk, "created": 1, "duplicates": 0, "failed_uids": []}
    ]
    assert report["errors"] == []


def test_unreachable_mailbox_is_reported(iwaki, monkeypatch):
    from django.core.management.base import CommandError

    from madoguchi.inbox.tests.mailservers import free_port

    monkeypatch.setenv(PASSWORD_ENV, "x")
    Mailbox.objects.create(
        center=iwaki,
        name="止まっているサーバー",
        host="127.0.0.1",
        port=free_port(),
        security=MailSecurity.PLAIN,
        username="u",
        password_env=PASSWORD_ENV,
    )
    with pytest.raises(CommandError, match="1 件のメールボックスを取得できませんでした"):
        call_command("inbox_fetch", stdout=io.StringIO())


def test_a_mail_that_cannot_be_stored_is_skipped_not_blocking(mailbox, dovecot):
    from madoguchi.tenancy.models import Calendar

    # A calendar with no open day: no reply due date can be set, the mail is refused.
    closed = Calendar.objects.create(name="休止中", year_end_closure=True)
    center = mailbox.center
    original = center.calendar_id
    type(center).objects.filter(pk=center.pk).update(calendar=closed)
    mailbox.center.refresh_from_db()
    dovecot.append(japanese_mail(subject="一通目", body="本文"))

    first = services.mailbox_fetch(mailbox=mailbox)

    assert first.created == [] and first.failed == [1]
    type(center).objects.filter(pk=center.pk).update(calendar_id=original)
    mailbox.center.refresh_from_db()
    dovecot.append(japanese_mail(subject="二通目", body="本文"))
    second = services.mailbox_fetch(mailbox=mailbox)
    assert len(second.created) == 1 and second.failed == []
    assert InboxMessage.objects.get().subject == "二通目"

"""MIME parsing of received mail (no server needed)."""

from __future__ import annotations

from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from madoguchi.inbox.mail import parse_mail


def test_vendor_characters_in_a_mail_labelled_iso_2022_jp():
    body = "①住民票 ②印鑑証明".encode("iso2022_jp_2004")
    name = Header("山田", "iso-2022-jp").encode().encode()
    subject = Header("問い合わせ", "iso-2022-jp").encode().encode()
    raw = (
        b"From: " + name + b" <yamada@example.jp>\r\n"
        b"Subject: " + subject + b"\r\n"
        b"Message-ID: <a@example.jp>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
        b"Content-Transfer-Encoding: 7bit\r\n\r\n" + body + b"\r\n"
    )

    parsed = parse_mail(raw)

    assert parsed.from_name == "山田"
    assert parsed.subject == "問い合わせ"
    assert parsed.body == "①住民票 ②印鑑証明"
    assert parsed.message_id == "<a@example.jp>"


def test_html_only_mail_becomes_text_and_shift_jis_is_read():
    html = MIMEText("<p>開館時間は？</p><script>x()</script>", "html", "shift_jis")
    message = MIMEMultipart("alternative")
    message["Subject"] = "質問"
    message.attach(html)

    parsed = parse_mail(message.as_bytes())

    assert parsed.body == "開館時間は？"
    assert parsed.attachments == []

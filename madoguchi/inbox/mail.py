"""Reading mail: MIME parsing (Japanese ISO-2022-JP / UTF-8) and UID-based IMAP fetches.

No database here: ``services.mailbox_fetch`` decides what becomes an inbox message.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses, parsedate_to_datetime

from django.utils.translation import gettext_lazy as _

from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.models import Mailbox, MailSecurity

# FAX-to-mail gateways send the page image as PDF or TIFF.
FAX_TYPES = frozenset({"application/pdf", "image/tiff"})
IMAP_TIMEOUT_S = 30


@dataclass
class MailPart:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str
    from_name: str
    from_email: str
    subject: str
    body: str
    date: datetime | None
    attachments: list[MailPart] = field(default_factory=list)

    @property
    def has_fax_image(self) -> bool:
        return any(part.content_type in FAX_TYPES for part in self.attachments)


# Japanese mailers label text "iso-2022-jp" or "shift_jis" but often use the vendor
# extensions (丸数字 ①, ㈱, 髙): try the supersets before giving up on a character.
_SUPERSETS = {
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_2004", "iso2022_jp_ext", "iso2022_jp_3"),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "euc-jp": ("euc_jp", "euc_jis_2004"),
}


def _text(part: MIMEPart) -> str:
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    for codec in (*_SUPERSETS.get(charset, ()), charset):
        try:
            return raw.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    # An unknown or lying charset: keep what can be read rather than lose the mail.
    return raw.decode("utf-8", errors="replace")


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)
    return re.sub(r"<[^>]+>", "", text).strip()


def parse_mail(raw: bytes) -> ParsedMail:
    """Headers decoded (RFC 2047, ISO-2022-JP included), the plain-text body (else the
    HTML one as text), and every attachment with its decoded file name."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # noqa: S101  (policy.default gives one)
    addresses = getaddresses([str(message.get("From", ""))])
    from_name, from_email = addresses[0] if addresses else ("", "")
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = _text(body_part)
        if body_part.get_content_type() == "text/html":
            body = _html_to_text(body)
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        attachments.append(
            MailPart(
                filename=part.get_filename() or "attachment",
                content_type=part.get_content_type(),
                content=payload,
            )
        )
    return ParsedMail(
        message_id=str(message.get("Message-ID", "")).strip(),
        from_name=from_name.strip(),
        from_email=from_email.strip(),
        subject=str(message.get("Subject", "")).strip(),
        body=body.strip(),
        date=date,
        attachments=attachments,
    )


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    password = os.environ.get(mailbox.password_env, "")
    if not password:
        raise InboxError(
            _("環境変数 %(name)s にパスワードが設定されていません。")
            % {"name": mailbox.password_env},
            field="password_env",
        )
    try:
        client: imaplib.IMAP4
        if mailbox.security == MailSecurity.SSL:
            client = imaplib.IMAP4_SSL(
                mailbox.host,
                mailbox.port,
                ssl_context=ssl.create_default_context(),
                timeout=IMAP_TIMEOUT_S,
            )
        else:
            client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=IMAP_TIMEOUT_S)
            if mailbox.security == MailSecurity.STARTTLS:
                client.starttls(ssl_context=ssl.create_default_context())
        client.login(mailbox.username, password)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise InboxError(
            _("メールサーバー %(host)s:%(port)s に接続できません（%(error)s）。")
            % {"host": mailbox.host, "port": mailbox.port, "error": exc},
            field="host",
        ) from exc
    return client


@dataclass
class FetchedMail:
    uid: int
    raw: bytes


def imap_new_messages(mailbox: Mailbox) -> tuple[int, list[FetchedMail]]:
    """``(uid_validity, mails)``: the messages above ``mailbox.last_uid``.

    A changed UIDVALIDITY means the server renumbered the folder: everything is read
    again and Message-ID de-duplication drops what was already taken in.
    """
    client = _connect(mailbox)
    try:
        status, _data = client.select(mailbox.folder, readonly=True)
        if status != "OK":
            raise InboxError(
                _("フォルダ %(folder)s を開けません。") % {"folder": mailbox.folder},
                field="folder",
            )
        validity_raw = client.response("UIDVALIDITY")[1]
        validity = int(validity_raw[0]) if validity_raw and validity_raw[0] else 0
        last = mailbox.last_uid if mailbox.uid_validity == validity else 0
        status, found = client.uid("SEARCH", f"UID {last + 1}:*")
        uids = sorted(int(u) for u in (found[0] or b"").split()) if status == "OK" else []
        mails = []
        # "n:*" always matches the highest UID, even one below n: filter again.
        for uid in (u for u in uids if u > last):
            status, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next(
                (p[1] for p in parts if isinstance(p, tuple) and isinstance(p[1], bytes)), None
            )
            if status == "OK" and raw is not None:
                mails.append(FetchedMail(uid=uid, raw=raw))
        return validity, mails
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass

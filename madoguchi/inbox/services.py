"""Writes of the inbox context. Each validates first, so a refusal writes nothing, then
writes atomically and audits. Audit data never holds the sender's personal fields.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.inbox import audit_actions
from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.mail import FAX_TYPES, ParsedMail, imap_new_messages, parse_mail
from madoguchi.inbox.models import (
    OPEN_STATUSES,
    Attachment,
    InboxChannel,
    InboxMessage,
    InboxSettings,
    InboxStatus,
    InquiryThrottle,
    Mailbox,
    MailboxPurpose,
    MailSecurity,
    Reply,
    ReplyChannel,
    ReplyTemplate,
    SurveyResponse,
)
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.models import Interaction, InteractionKind, Outcome
from madoguchi.interactions.services import interaction_record, interaction_update
from madoguchi.pii import special_care_number
from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.models import Calendar, Center, Language, RetentionKind, RetentionPeriod

logger = logging.getLogger(__name__)

# Attachment limits (INQ-1): the web form takes at most 3 files of 5 MB, 10 MB in all;
# a mail keeps parts up to 10 MB each. Types are read from the file's first bytes.
WEB_MAX_FILES = 3
WEB_MAX_FILE_BYTES = 5 * 1024 * 1024
WEB_MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAIL_MAX_PART_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
}
# Rate limit of the public form: submissions per client address per window.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=10)
SURVEY_SALT = "madoguchi.inbox.survey"
SURVEY_MAX_AGE = timedelta(days=90)
REDACTED = "［個人番号・カード番号のため削除］"

MY_NUMBER_PUBLIC = _(
    "マイナンバー（個人番号）と思われる12桁の番号が含まれています。"
    "個人番号は送信しないでください。番号を削除してから送信してください。"
)
CARD_PUBLIC = _(
    "クレジットカード番号と思われる番号が含まれています。"
    "カード番号は送信しないでください。番号を削除してから送信してください。"
)


# --- Reply due date -------------------------------------------------------------------


def _settings(center: Center) -> InboxSettings:
    found = InboxSettings.objects.filter(center=center).first()
    return found or InboxSettings(center=center)


def reply_due_date(*, center: Center, received_at: datetime) -> date:
    """The date a reply is due (INQ-3), on the center's calendar, in Asia/Tokyo.

    Received on a business day of the center before its cut-off time (InboxSettings,
    15:00 by default): due the same day. Otherwise (after the cut-off, or on a day the
    center is closed: weekends where it closes, public holidays, Dec 29 – Jan 3 when the
    calendar keeps the year-end closure): due the next business day. So a mail of
    Dec 28 evening or of Dec 30 is due Jan 4 (or the first business day after it).
    """
    if timezone.is_naive(received_at):
        raise InboxError(_("日時にはタイムゾーンが必要です。"), field="received_at")
    local = received_at.astimezone(TOKYO)
    calendar = Calendar.objects.prefetch_related("hours", "exceptions").get(pk=center.calendar_id)
    rules = CalendarRules(calendar)
    day = local.date()
    if rules.day_hours(day).is_open_day and local.time() < _settings(center).reply_cutoff:
        return day
    for offset in range(1, 367):
        candidate = day + timedelta(days=offset)
        if rules.day_hours(candidate).is_open_day:
            return candidate
    raise InboxError(_("1年以内に営業日がありません。営業カレンダーを確認してください。"))


# --- PII ------------------------------------------------------------------------------

_RUN = re.compile(r"\d(?:[ \-]?\d)+")


def refuse_public_pii(value: str) -> None:
    """Validator of the citizen form: the public wording, in the citizen's language."""
    found = special_care_number(value)
    if found == "my_number":
        raise ValidationError(MY_NUMBER_PUBLIC, code="my_number")
    if found == "card":
        raise ValidationError(CARD_PUBLIC, code="card_number")


def redact_special_care_numbers(text: str) -> str:
    """A received mail cannot be refused: numbers CON-8 forbids are cut out of it."""
    normalized = unicodedata.normalize("NFKC", text or "")
    if special_care_number(normalized) is None:
        return text
    return _RUN.sub(lambda m: REDACTED if special_care_number(m.group()) else m.group(), normalized)


# --- Receiving ------------------------------------------------------------------------


@dataclass
class Upload:
    filename: str
    content: bytes


def sniff_type(content: bytes) -> str | None:
    """The type by magic number: a client's declared type is not trusted."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    return None


def _retention_expiry(center: Center, at: datetime) -> datetime | None:
    period = RetentionPeriod.objects.filter(center=center, kind=RetentionKind.INBOX).first()
    return at + timedelta(days=period.days) if period else None


def _summary(subject: str, body: str) -> str:
    text = f"{subject}\n{body}".strip() if subject else body.strip()
    return text[:2000] or str(_("（本文なし）"))


def _create(
    *,
    center: Center,
    channel: str,
    subject: str,
    body: str,
    received_at: datetime,
    language: str,
    attachments: list[tuple[str, str, bytes]],
    mailbox: Mailbox | None = None,
    message_id: str = "",
    **personal: str,
) -> InboxMessage:
    message = InboxMessage.objects.create(
        center=center,
        mailbox=mailbox,
        channel=channel,
        accessibility=bool(mailbox and mailbox.purpose == MailboxPurpose.ACCESSIBILITY),
        subject=subject[:300],
        body=body,
        language=language,
        received_at=received_at,
        reply_due_on=reply_due_date(center=center, received_at=received_at),
        message_id=message_id[:300],
        personal_data_expires_at=_retention_expiry(center, received_at),
        **personal,
    )
    for filename, content_type, content in attachments:
        attachment = Attachment(
            message=message,
            filename=filename[:200],
            content_type=content_type,
            size=len(content),
        )
        attachment.file.save(filename, ContentFile(content), save=False)
        attachment.save()
    try:
        interaction = interaction_record(
            actor=None,
            center=center,
            channel=channel,
            kind=InteractionKind.INQUIRY,
            summary=_summary(subject, body),
            answer="",
            # Not completed until answered: the reply sets the outcome (reply_send).
            outcome=Outcome.PENDING,
            started_at=received_at,
            ended_at=received_at,
            language=language if language in Language.values else "ja",
        )
    except InteractionsError as exc:
        raise InboxError(exc.message, field=exc.field) from exc
    message.interaction = interaction
    message.save(update_fields=["interaction"])
    audit_log(
        action=audit_actions.MESSAGE_RECEIVED,
        actor=None,
        center=center,
        obj=message,
        data={
            "channel": channel,
            "mailbox_id": mailbox.pk if mailbox else None,
            "attachments": len(attachments),
            "interaction_id": interaction.pk,
            "reply_due_on": message.reply_due_on.isoformat(),
        },
    )
    return message


def _client_key(client_ip: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), client_ip.encode(), hashlib.sha256).hexdigest()


def inquiry_throttle_hit(*, client_ip: str, now: datetime | None = None) -> bool:
    """Count one submission of ``client_ip``; True when it is over the limit.

    Fixed windows of THROTTLE_WINDOW per keyed hash of the address, counted in the
    database so every web process shares them. Old windows are dropped on the way.
    """
    now = now or timezone.now()
    seconds = int(THROTTLE_WINDOW.total_seconds())
    start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)
    key = _client_key(client_ip)
    with transaction.atomic():
        InquiryThrottle.objects.filter(window_start__lt=start - THROTTLE_WINDOW).delete()
        row, _created = InquiryThrottle.objects.get_or_create(key=key, window_start=start)
        InquiryThrottle.objects.filter(pk=row.pk).update(count=F("count") + 1)
        row.refresh_from_db()
    return row.count > THROTTLE_LIMIT


def _check_uploads(uploads: list[Upload]) -> list[tuple[str, str, bytes]]:
    if len(uploads) > WEB_MAX_FILES:
        raise InboxError(
            _("添付できるファイルは%(n)s件までです。") % {"n": WEB_MAX_FILES}, field="attachments"
        )
    checked = []
    for upload in uploads:
        if len(upload.content) > WEB_MAX_FILE_BYTES:
            raise InboxError(
                _("ファイル「%(name)s」が大きすぎます。1件5MBまでです。")
                % {"name": upload.filename},
                field="attachments",
            )
        kind = sniff_type(upload.content)
        if kind is None:
            raise InboxError(
                _("ファイル「%(name)s」は添付できません。PDF・JPEG・PNG・TIFFを添付してください。")
                % {"name": upload.filename},
                field="attachments",
            )
        checked.append((upload.filename, kind, upload.content))
    if sum(len(u.content) for u in uploads) > WEB_MAX_TOTAL_BYTES:
        raise InboxError(_("添付ファイルは合計10MBまでです。"), field="attachments")
    return checked


@transaction.atomic
def inquiry_submit(
    *,
    center: Center,
    name: str,
    email: str,
    phone: str,
    reply_channel: str,
    subject: str,
    body: str,
    language: str,
    uploads: list[Upload] | None = None,
    received_at: datetime | None = None,
) -> InboxMessage:
    """A citizen's inquiry from the public form (INQ-1).

    Rules: a body; the contact detail the chosen reply channel needs (e-mail for an
    e-mail reply, phone number for a call back); no My Number or card number in any
    text; attachments within the limits. Creates the message and its interaction, and
    sends the acknowledgement e-mail after commit (when an address was given).
    """
    name, email, phone = name.strip(), email.strip(), phone.strip()
    subject, body = subject.strip(), body.strip()
    if reply_channel not in (
        ReplyChannel.EMAIL,
        ReplyChannel.PHONE,
        ReplyChannel.FAX,
        ReplyChannel.NONE,
    ):
        raise InboxError(_("回答方法を選んでください。"), field="reply_channel")
    if not body:
        raise InboxError(_("お問い合わせ内容を入力してください。"), field="body")
    for field_name, text in (("name", name), ("subject", subject), ("body", body)):
        try:
            refuse_public_pii(text)
        except ValidationError as exc:
            raise InboxError(exc.messages[0], field=field_name) from exc
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InboxError(_("メールアドレスの形式が正しくありません。"), field="email") from exc
    if reply_channel == ReplyChannel.EMAIL and not email:
        raise InboxError(
            _("メールでの回答をご希望の場合は、メールアドレスを入力してください。"), field="email"
        )
    if reply_channel in (ReplyChannel.PHONE, ReplyChannel.FAX) and not phone:
        raise InboxError(
            _("電話・FAXでの回答をご希望の場合は、番号を入力してください。"), field="phone"
        )
    if phone and not re.fullmatch(r"[0-9０-９+\-－() ]{10,20}", phone):
        raise InboxError(_("電話番号は数字とハイフンで入力してください。"), field="phone")
    attachments = _check_uploads(uploads or [])
    message = _create(
        center=center,
        channel=InboxChannel.WEB_FORM,
        subject=subject,
        body=body,
        received_at=received_at or timezone.now(),
        language=language if language in Language.values else "ja",
        attachments=attachments,
        sender_name=name,
        sender_email=email,
        sender_phone=unicodedata.normalize("NFKC", phone) if reply_channel != "fax" else "",
        sender_fax=unicodedata.normalize("NFKC", phone) if reply_channel == "fax" else "",
        reply_channel=reply_channel,
    )
    if email:
        pk = message.pk
        transaction.on_commit(lambda: acknowledgement_send(message_id=pk))
    return message


def _from_address(center: Center) -> str:
    return str(settings.DEFAULT_FROM_EMAIL)


def public_url(path: str) -> str:
    return str(settings.MADOGUCHI_PUBLIC_URL).rstrip("/") + path


def acknowledgement_send(*, message_id: int) -> bool:
    """The automatic acknowledgement (INQ-2), in the language of the form.

    Runs after commit; a mail server that is down is logged, never shown to the
    citizen (the inquiry itself is kept and answered all the same).
    """
    message = InboxMessage.objects.select_related("center").get(pk=message_id)
    with translation.override(message.language):
        subject = str(_("【受付】お問い合わせを受け付けました（受付番号 %(number)s）")) % {
            "number": message.pk
        }
        body = str(
            _(
                "%(name)s 様\n\n"
                "%(center)s にお問い合わせいただき、ありがとうございます。\n"
                "次の内容で受け付けました。\n\n"
                "受付番号: %(number)s\n"
                "件名: %(subject)s\n"
                "回答予定日: %(due)s まで\n\n"
                "このメールは送信専用です。返信されても回答できません。\n"
            )
        ) % {
            "name": message.sender_name or str(_("お問い合わせ者")),
            "center": message.center.name,
            "number": message.pk,
            "subject": message.subject or "-",
            "due": message.reply_due_on.isoformat(),
        }
    mail = EmailMessage(
        subject=subject,
        body=body,
        from_email=_from_address(message.center),
        to=[message.sender_email],
    )
    try:
        mail.send()
    except OSError:
        logger.exception("inbox: acknowledgement of message %s not sent", message_id)
        return False
    return True


def _mail_channel(mailbox: Mailbox, parsed: ParsedMail) -> str:
    """A FAX-to-mail mailbox's message with its page image is a FAX; the rest is mail."""
    if mailbox.purpose == MailboxPurpose.FAX and parsed.has_fax_image:
        return InboxChannel.FAX
    return InboxChannel.EMAIL


@dataclass
class FetchResult:
    mailbox_id: int
    created: list[int] = field(default_factory=list)
    duplicates: int = 0
    failed: list[int] = field(default_factory=list)  # UIDs that could not be stored


def _note_dropped(body: str, dropped: list[str]) -> str:
    if not dropped:
        return body
    names = "、".join(dropped)
    return f"{body}\n\n［保存しなかった添付ファイル: {names}］"


@transaction.atomic
def mail_receive(*, mailbox: Mailbox, raw: bytes, fallback_id: str = "") -> InboxMessage | None:
    """Take one received mail into the inbox; None when its Message-ID is already there.

    Numbers CON-8 forbids are cut out of the text; attachments of the allowed types up
    to MAIL_MAX_PART_BYTES are kept (a FAX image always: it is the message), others are
    listed in the body by name.
    """
    parsed = parse_mail(raw)
    message_id = parsed.message_id or fallback_id
    center = mailbox.center
    if (
        message_id
        and InboxMessage.objects.filter(center=center, message_id=message_id[:300]).exists()
    ):
        return None
    channel = _mail_channel(mailbox, parsed)
    kept, dropped = [], []
    for part in parsed.attachments:
        allowed = part.content_type in ALLOWED_TYPES or part.content_type in FAX_TYPES
        if allowed and len(part.content) <= MAIL_MAX_PART_BYTES:
            kept.append((part.filename, part.content_type, part.content))
        else:
            dropped.append(part.filename)
    body = redact_special_care_numbers(_note_dropped(parsed.body, dropped))
    subject = redact_special_care_numbers(parsed.subject)
    received_at = timezone.now()
    try:
        with transaction.atomic():
            return _create(
                center=center,
                channel=channel,
                subject=subject,
                body=body,
                received_at=received_at,
                language="ja",
                attachments=kept,
                mailbox=mailbox,
                message_id=message_id,
                sender_name=redact_special_care_numbers(parsed.from_name)[:200],
                sender_email=parsed.from_email[:254],
                reply_channel=ReplyChannel.SAME,
            )
    except IntegrityError:
        # Another fetch took the same Message-ID in between.
        return None


def mailbox_fetch(*, mailbox: Mailbox) -> FetchResult:
    """Fetch new mail of one mailbox over IMAP (UID-based, idempotent by Message-ID).

    Each mail is its own transaction: one that fails to parse or store does not hold
    back the others, and ``last_uid`` advances past every mail taken in.
    """
    result = FetchResult(mailbox_id=mailbox.pk)
    validity, mails = imap_new_messages(mailbox)
    if mailbox.uid_validity != validity:
        mailbox.last_uid = 0
    for mail in mails:
        fallback = f"<imap-{mailbox.pk}-{validity}-{mail.uid}@madoguchi.invalid>"
        try:
            created = mail_receive(mailbox=mailbox, raw=mail.raw, fallback_id=fallback)
        except InboxError as exc:
            # Logged and skipped: one broken mail must not block the mailbox for ever.
            # It stays on the server (the folder is read-only) for a person to look at.
            logger.error("inbox: mailbox %s UID %s not stored: %s", mailbox.pk, mail.uid, exc)
            result.failed.append(mail.uid)
            created = None
        else:
            if created is None:
                result.duplicates += 1
        if created is not None:
            result.created.append(created.pk)
        mailbox.last_uid = max(mailbox.last_uid, mail.uid)
    mailbox.uid_validity = validity
    mailbox.last_fetched_at = timezone.now()
    with transaction.atomic():
        mailbox.save(update_fields=["uid_validity", "last_uid", "last_fetched_at"])
        if result.created or result.failed:
            audit_log(
                action=audit_actions.MAILBOX_FETCHED,
                actor=None,
                center=mailbox.center,
                obj=mailbox,
                data={
                    "created": len(result.created),
                    "duplicates": result.duplicates,
                    "failed_uids": result.failed,
                },
            )
    return result


@transaction.atomic
def mailbox_save(
    *,
    actor: Any,
    center: Center,
    name: str,
    host: str,
    username: str,
    password_env: str,
    purpose: str = MailboxPurpose.GENERAL,
    address: str = "",
    port: int | None = None,
    security: str = MailSecurity.SSL,
    folder: str = "INBOX",
    is_active: bool = True,
) -> Mailbox:
    """Create or update (by center and name) a mailbox to fetch; the password stays in
    the environment variable ``password_env``."""
    name, host, username = name.strip(), host.strip(), username.strip()
    if not name:
        raise InboxError(_("名称を入力してください。"), field="name")
    if purpose not in MailboxPurpose.values:
        raise InboxError(_("用途を選んでください。"), field="purpose")
    if security not in MailSecurity.values:
        raise InboxError(_("暗号化の方式を選んでください。"), field="security")
    if not host or not username:
        raise InboxError(_("IMAPサーバーとユーザー名を入力してください。"), field="host")
    if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", password_env or ""):
        raise InboxError(
            _("パスワードの環境変数名は英大文字・数字・_で入力してください。"),
            field="password_env",
        )
    if address:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise InboxError(
                _("メールアドレスの形式が正しくありません。"), field="address"
            ) from exc
    if port is None:
        port = 993 if security == MailSecurity.SSL else 143
    if not 0 < port < 65536:
        raise InboxError(_("ポート番号が正しくありません。"), field="port")
    mailbox, created = Mailbox.objects.update_or_create(
        center=center,
        name=name,
        defaults={
            "purpose": purpose,
            "address": address,
            "host": host,
            "port": port,
            "security": security,
            "username": username,
            "password_env": password_env,
            "folder": folder or "INBOX",
            "is_active": is_active,
        },
    )
    audit_log(
        action=audit_actions.MAILBOX_SAVED,
        actor=actor,
        center=center,
        obj=mailbox,
        data={
            "created": created,
            "purpose": purpose,
            "host": host,
            "port": port,
            "security": security,
            "folder": mailbox.folder,
            "is_active": is_active,
        },
    )
    return mailbox


# --- Handling -------------------------------------------------------------------------


def _open(message: InboxMessage) -> None:
    if message.status not in OPEN_STATUSES:
        raise InboxError(
            _("このメッセージは「%(status)s」です。") % {"status": message.get_status_display()}
        )


@transaction.atomic
def message_assign(*, actor: Any, message: InboxMessage, assignee: Any) -> InboxMessage:
    """Give an open message to a staff member; new → assigned."""
    _open(message)
    if assignee is None:
        raise InboxError(_("担当者を選んでください。"), field="assignee")
    message.assigned_to = assignee
    message.status = InboxStatus.ASSIGNED
    message.save(update_fields=["assigned_to", "status"])
    audit_log(
        action=audit_actions.MESSAGE_ASSIGNED,
        actor=actor,
        center=message.center,
        obj=message,
        data={"assignee_id": assignee.pk},
    )
    return message


def survey_token(*, message: InboxMessage) -> str:
    return signing.dumps({"c": message.center_id, "m": message.pk}, salt=SURVEY_SALT)


def survey_token_for_interaction(*, interaction: Interaction) -> str:
    return signing.dumps({"c": interaction.center_id, "i": interaction.pk}, salt=SURVEY_SALT)


def survey_link(*, message: InboxMessage) -> str:
    with translation.override(message.language):
        path = reverse("inbox_public:survey", kwargs={"token": survey_token(message=message)})
    return public_url(path)


def render_template(*, template: ReplyTemplate, message: InboxMessage) -> str:
    """Fill the placeholders; unknown ones are left as typed, so nothing is lost."""
    values = {
        "name": message.sender_name or "",
        "subject": message.subject,
        "center": message.center.name,
        "received": message.received_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"),
        "survey_url": survey_link(message=message),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template.body)


@transaction.atomic
def reply_send(
    *,
    actor: Any,
    message: InboxMessage,
    body: str,
    template: ReplyTemplate | None = None,
    channel: str | None = None,
) -> Reply:
    """Answer a message (INQ-2), on the channel the citizen used unless they asked for
    another. By e-mail it is sent now, with the survey link (SUR-1); a phone or FAX
    answer is recorded as a manual reply. Message → replied.

    The e-mail goes out inside the transaction, not after commit: staff must learn at
    once that a reply did not leave, and then nothing is recorded as sent.
    """
    body = body.strip()
    _open(message)
    if not body:
        raise InboxError(_("回答の本文を入力してください。"), field="body")
    try:
        refuse_public_pii(body)
    except ValidationError as exc:
        raise InboxError(exc.messages[0], field="body") from exc
    if template is not None and template.center_id != message.center_id:
        raise InboxError(_("このセンターのテンプレートを選んでください。"), field="template")
    channel = channel or message.reply_on
    if channel not in (ReplyChannel.EMAIL, ReplyChannel.PHONE, ReplyChannel.FAX):
        raise InboxError(_("回答方法を選んでください。"), field="channel")
    now = timezone.now()
    reply = Reply(
        message=message,
        channel=channel,
        body=body,
        template=template,
        manual=channel != ReplyChannel.EMAIL,
        sent_at=now,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Before the e-mail leaves: a refused update must not follow a sent mail.
    _interaction_answered(actor=actor, message=message, answer=body)
    if channel == ReplyChannel.EMAIL:
        if not message.sender_email:
            raise InboxError(
                _("メールアドレスがないため、メールでは回答できません。"), field="channel"
            )
        reply.smtp_message_id = _send_reply_mail(message=message, body=body)
    reply.save()
    message.status = InboxStatus.REPLIED
    message.overdue = False
    message.save(update_fields=["status", "overdue"])
    audit_log(
        action=audit_actions.MESSAGE_REPLIED,
        actor=actor,
        center=message.center,
        obj=message,
        data={
            "reply_id": reply.pk,
            "channel": channel,
            "manual": reply.manual,
            "template_id": template.pk if template else None,
        },
    )
    return reply


def _interaction_answered(*, actor: Any, message: InboxMessage, answer: str) -> None:
    """The message's interaction gets the answer given and leaves "pending" (completed in
    the center), as one more version in its timeline."""
    interaction = message.interaction
    if interaction is None:
        return
    try:
        interaction_update(
            actor=actor,
            interaction=interaction,
            kind=interaction.kind,
            summary=interaction.summary,
            answer=answer,
            outcome=Outcome.COMPLETED
            if interaction.outcome == Outcome.PENDING
            else interaction.outcome,
            category=interaction.category,
            department=interaction.department,
            faq_ids=interaction.faq_ids,
        )
    except InteractionsError as exc:
        raise InboxError(exc.message, field="body") from exc


def _send_reply_mail(*, message: InboxMessage, body: str) -> str:
    from email.utils import make_msgid

    smtp_id = make_msgid(domain="madoguchi.invalid")
    with translation.override(message.language):
        footer = str(
            _("ご対応についてのアンケートにご協力ください（1分ほどで終わります）:\n%(url)s")
        ) % {"url": survey_link(message=message)}
        subject = str(_("Re: %(subject)s")) % {"subject": message.subject or str(_("お問い合わせ"))}
    headers = {"Message-ID": smtp_id}
    if message.message_id and message.channel != InboxChannel.WEB_FORM:
        headers["In-Reply-To"] = message.message_id
        headers["References"] = message.message_id
    mail = EmailMessage(
        subject=subject,
        body=f"{body}\n\n--\n{footer}\n",
        from_email=_from_address(message.center),
        to=[message.sender_email],
        headers=headers,
    )
    try:
        mail.send()
    except OSError as exc:
        raise InboxError(
            _("メールを送信できませんでした（%(error)s）。回答は送信されていません。")
            % {"error": exc}
        ) from exc
    return smtp_id


@transaction.atomic
def message_close(*, actor: Any, message: InboxMessage) -> InboxMessage:
    """Close a message (answered, or needing no answer)."""
    if message.status == InboxStatus.CLOSED:
        raise InboxError(_("このメッセージは既に完了しています。"))
    previous = message.status
    message.status = InboxStatus.CLOSED
    message.overdue = False
    message.save(update_fields=["status", "overdue"])
    audit_log(
        action=audit_actions.MESSAGE_CLOSED,
        actor=actor,
        center=message.center,
        obj=message,
        data={"previous": previous},
    )
    return message


@transaction.atomic
def overdue_flag(*, now: datetime | None = None) -> int:
    """Flag open messages whose reply due date has passed (Asia/Tokyo); returns how many
    were newly flagged. Run by the worker (``inbox_overdue_task``)."""
    today = (now or timezone.now()).astimezone(TOKYO).date()
    due = InboxMessage.objects.filter(
        status__in=OPEN_STATUSES, overdue=False, reply_due_on__lt=today
    )
    by_center: dict[int, int] = {}
    for center_id in due.values_list("center_id", flat=True):
        by_center[center_id] = by_center.get(center_id, 0) + 1
    count = due.update(overdue=True)
    for center in Center.objects.filter(pk__in=list(by_center)):
        audit_log(
            action=audit_actions.MESSAGES_OVERDUE,
            actor=None,
            center=center,
            data={"flagged": by_center[center.pk], "today": today.isoformat()},
        )
    return count


@transaction.atomic
def personal_data_expire(*, now: datetime | None = None) -> int:
    """Blank the personal fields, the text and the files of messages past retention."""
    now = now or timezone.now()
    expired = list(
        InboxMessage.objects.select_related("center").filter(
            personal_data_expires_at__lte=now, personal_data_expired_at__isnull=True
        )
    )
    for message in expired:
        for attachment in message.attachments.all():
            attachment.file.delete(save=False)
            attachment.delete()
        InboxMessage.objects.filter(pk=message.pk).update(
            sender_name="",
            sender_email="",
            sender_phone="",
            sender_fax="",
            subject="",
            body="",
            personal_data_expired_at=now,
        )
        Reply.objects.filter(message=message).update(body="")
        audit_log(
            action=audit_actions.PERSONAL_DATA_EXPIRED,
            actor=None,
            center=message.center,
            obj=message,
            data={"expires_at": message.personal_data_expires_at},
        )
    return len(expired)


@transaction.atomic
def inbox_settings_save(
    *,
    actor: Any,
    center: Center,
    reply_cutoff: dt_time,
    delay_notice: bool,
    delay_days: int,
    overdue_notice_threshold: int,
) -> InboxSettings:
    """The center's reply cut-off and delay-notice policy (one row per center)."""
    if not 0 <= delay_days <= 30:
        raise InboxError(_("回答までの目安は0〜30営業日で入力してください。"), field="delay_days")
    if not 0 <= overdue_notice_threshold <= 1000:
        raise InboxError(_("件数は0〜1000で入力してください。"), field="overdue_notice_threshold")
    saved, _created = InboxSettings.objects.update_or_create(
        center=center,
        defaults={
            "reply_cutoff": reply_cutoff,
            "delay_notice": delay_notice,
            "delay_days": delay_days,
            "overdue_notice_threshold": overdue_notice_threshold,
        },
    )
    audit_log(
        action=audit_actions.SETTINGS_SAVED,
        actor=actor,
        center=center,
        obj=saved,
        data={
            "reply_cutoff": reply_cutoff.strftime("%H:%M"),
            "delay_notice": delay_notice,
            "delay_days": delay_days,
            "overdue_notice_threshold": overdue_notice_threshold,
        },
    )
    return saved


# --- Templates and survey -------------------------------------------------------------


@transaction.atomic
def template_save(
    *,
    actor: Any,
    center: Center,
    name: str,
    body: str,
    is_active: bool = True,
    template: ReplyTemplate | None = None,
) -> ReplyTemplate:
    """Create or update a reply template of the center (names unique per center)."""
    name, body = name.strip(), body.strip()
    if not name:
        raise InboxError(_("名称を入力してください。"), field="name")
    if not body:
        raise InboxError(_("本文を入力してください。"), field="body")
    if template is not None and template.center_id != center.pk:
        raise InboxError(_("このセンターのテンプレートではありません。"))
    clash = ReplyTemplate.objects.filter(center=center, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise InboxError(
            _("「%(name)s」という名称のテンプレートは既にあります。") % {"name": name}, field="name"
        )
    template = template or ReplyTemplate(center=center)
    template.name, template.body, template.is_active = name, body, is_active
    template.save()
    audit_log(
        action=audit_actions.TEMPLATE_SAVED,
        actor=actor,
        center=center,
        obj=template,
        data={"name": name, "is_active": is_active},
    )
    return template


@dataclass
class SurveyTarget:
    center: Center
    message: InboxMessage | None = None
    interaction: Interaction | None = None


def survey_target(*, token: str) -> SurveyTarget:
    """The contact a signed survey link points at; an invalid or old link is refused."""
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=int(SURVEY_MAX_AGE.total_seconds()))
        center = Center.objects.get(pk=data["c"], is_active=True)
        message = InboxMessage.objects.get(pk=data["m"], center=center) if "m" in data else None
        interaction = Interaction.objects.get(pk=data["i"], center=center) if "i" in data else None
    except (signing.BadSignature, KeyError, TypeError, Center.DoesNotExist) as exc:
        raise InboxError(_("このアンケートのリンクは無効か、期限が切れています。")) from exc
    except (InboxMessage.DoesNotExist, Interaction.DoesNotExist) as exc:
        raise InboxError(_("このアンケートのリンクは無効か、期限が切れています。")) from exc
    return SurveyTarget(center=center, message=message, interaction=interaction)


@transaction.atomic
def survey_submit(
    *, target: SurveyTarget, score: int, comment: str, language: str
) -> SurveyResponse:
    """Store a 5-point answer (SUR-1) for the center and the contact, if any; a second
    answer for the same message replaces the first."""
    if score not in range(1, 6):
        raise InboxError(_("1から5のいずれかを選んでください。"), field="score")
    comment = comment.strip()
    try:
        refuse_public_pii(comment)
    except ValidationError as exc:
        raise InboxError(exc.messages[0], field="comment") from exc
    interaction = target.interaction or (target.message.interaction if target.message else None)
    existing = (
        SurveyResponse.objects.filter(message=target.message).first() if target.message else None
    )
    response = existing or SurveyResponse(center=target.center, message=target.message)
    response.interaction = interaction
    response.score = score
    response.comment = comment[:2000]
    response.language = language if language in Language.values else "ja"
    response.save()
    audit_log(
        action=audit_actions.SURVEY_ANSWERED,
        actor=None,
        center=target.center,
        obj=response,
        data={
            "score": score,
            "message_id": target.message.pk if target.message else None,
            "interaction_id": interaction.pk if interaction else None,
            "replaced": existing is not None,
        },
    )
    return response

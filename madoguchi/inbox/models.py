"""The inbox (INQ-1..4, SUR-1): web-form inquiries, e-mail and FAX-to-mail messages in one
list, the replies sent to them, reply templates and the satisfaction survey.

Times are UTC; the reply due date is a date of the center's calendar (Asia/Tokyo), see
``services.reply_due_date``. The sender's name, e-mail address and phone number are the
personal fields: they are blanked when the center's retention period for the inbox
(``RetentionKind.INBOX``) runs out, together with the body and the attachments.
Audit data never copies them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MailboxPurpose(models.TextChoices):
    GENERAL = "general", _("一般問合せ")
    ACCESSIBILITY = "accessibility", _("聴覚・言語障がい者用")
    FAX = "fax", _("FAX受信（FAX to メール）")


class MailSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS（IMAPS）")
    STARTTLS = "starttls", _("STARTTLS")
    # Only for a server on the same host (loopback): the password would travel in clear.
    PLAIN = "plain", _("暗号化なし（同一ホストのみ）")


class Mailbox(models.Model):
    """An IMAP mailbox fetched into the center's inbox.

    The password is never stored: ``password_env`` names the environment variable that
    holds it. ``last_uid`` and ``uid_validity`` let a fetch ask only for new messages;
    Message-ID de-duplication keeps a re-fetch harmless when the server renumbers.
    """

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="mailboxes")
    name = models.CharField(_("名称"), max_length=100)
    purpose = models.CharField(
        _("用途"), max_length=16, choices=MailboxPurpose.choices, default=MailboxPurpose.GENERAL
    )
    address = models.EmailField(_("メールアドレス"), blank=True)
    host = models.CharField(_("IMAPサーバー"), max_length=200)
    port = models.PositiveIntegerField(_("ポート"), default=993)
    security = models.CharField(
        _("暗号化"), max_length=10, choices=MailSecurity.choices, default=MailSecurity.SSL
    )
    username = models.CharField(_("ユーザー名"), max_length=200)
    password_env = models.CharField(
        _("パスワードの環境変数名"),
        max_length=100,
        help_text=_("パスワードはデータベースに保存せず、この名前の環境変数から読みます。"),
    )
    folder = models.CharField(_("フォルダ"), max_length=100, default="INBOX")
    is_active = models.BooleanField(_("取得する"), default=True)
    uid_validity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_fetched_at = models.DateTimeField(_("最終取得"), null=True, blank=True)

    class Meta:
        verbose_name = _("受信メールボックス")
        verbose_name_plural = _("受信メールボックス")
        ordering = ["center", "name"]

    def __str__(self) -> str:
        return self.name


class InboxSettings(models.Model):
    """Per-center inbox policy: the cut-off of the reply-due rule and the delay notice."""

    center = models.OneToOneField(
        "tenancy.Center", on_delete=models.CASCADE, related_name="inbox_settings"
    )
    reply_cutoff = models.TimeField(_("当日回答の締切時刻"), default=dt.time(15, 0))
    delay_notice = models.BooleanField(_("回答遅延のお知らせを表示"), default=False)
    delay_days = models.PositiveSmallIntegerField(
        _("回答までの目安（営業日）"), default=0, help_text=_("0 は表示しません。")
    )
    overdue_notice_threshold = models.PositiveSmallIntegerField(
        _("お知らせを自動表示する期限超過件数"),
        default=10,
        help_text=_(
            "期限を過ぎた未回答がこの件数以上になると、お知らせを表示します。0 は自動表示しません。"
        ),
    )

    class Meta:
        verbose_name = _("受信箱の設定")
        verbose_name_plural = _("受信箱の設定")

    def __str__(self) -> str:
        return str(self.center)


class InboxChannel(models.TextChoices):
    """The channels of the inbox; values are those of ``interactions.Channel``."""

    WEB_FORM = "web_form", _("Webフォーム")
    EMAIL = "email", _("メール")
    FAX = "fax", _("FAX")


class ReplyChannel(models.TextChoices):
    SAME = "same", _("お問い合わせと同じ方法")
    EMAIL = "email", _("メール")
    PHONE = "phone", _("電話")
    FAX = "fax", _("FAX")
    NONE = "none", _("回答不要")


class InboxStatus(models.TextChoices):
    NEW = "new", _("新規")
    ASSIGNED = "assigned", _("担当決定")
    REPLIED = "replied", _("回答済み")
    CLOSED = "closed", _("完了")


OPEN_STATUSES = frozenset({InboxStatus.NEW, InboxStatus.ASSIGNED})


class InboxMessage(models.Model):
    """One inquiry received by web form, e-mail or FAX (INQ-1..4)."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.PROTECT, related_name="inbox_messages"
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    channel = models.CharField(_("チャネル"), max_length=12, choices=InboxChannel.choices)
    accessibility = models.BooleanField(_("聴覚・言語障がい者用窓口"), default=False)
    sender_name = models.CharField(_("お名前"), max_length=200, blank=True)
    sender_email = models.EmailField(_("メールアドレス"), blank=True)
    sender_phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    sender_fax = models.CharField(_("FAX番号"), max_length=30, blank=True)
    reply_channel = models.CharField(
        _("希望する回答方法"),
        max_length=8,
        choices=ReplyChannel.choices,
        default=ReplyChannel.SAME,
    )
    subject = models.CharField(_("件名"), max_length=300, blank=True)
    body = models.TextField(_("本文"), blank=True)
    language = models.CharField(_("言語"), max_length=8, default="ja")
    received_at = models.DateTimeField(_("受信日時"), db_index=True)
    reply_due_on = models.DateField(_("回答期限"))
    status = models.CharField(
        _("状況"), max_length=10, choices=InboxStatus.choices, default=InboxStatus.NEW
    )
    overdue = models.BooleanField(_("期限超過"), default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbox_messages",
        verbose_name=_("担当"),
    )
    interaction = models.ForeignKey(
        "interactions.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbox_messages",
        verbose_name=_("応対履歴"),
    )
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    personal_data_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    personal_data_expired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("受信メッセージ")
        verbose_name_plural = _("受信メッセージ")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["center", "status", "received_at"], name="inbox_center_status"),
            models.Index(fields=["center", "reply_due_on"], name="inbox_center_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "message_id"],
                condition=~Q(message_id=""),
                name="inbox_unique_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"

    @property
    def reply_on(self) -> str:
        """The channel the reply goes out on: the one asked for, else the one used."""
        if self.reply_channel != ReplyChannel.SAME:
            return str(self.reply_channel)
        return ReplyChannel.FAX if self.channel == InboxChannel.FAX else ReplyChannel.EMAIL


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never reuses the citizen's file name (kept in ``filename``).
    now = dt.datetime.now(dt.UTC)
    return f"inbox/{now:%Y/%m}/{instance.message_id}-{now:%H%M%S%f}"


class Attachment(models.Model):
    """A file sent with a message (web form upload, e-mail part, the FAX image)."""

    message = models.ForeignKey(InboxMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("ファイル名"), max_length=200)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveIntegerField(_("サイズ"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class ReplyTemplate(models.Model):
    """A reply text with placeholders: {name} {subject} {center} {received} {survey_url}."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="reply_templates"
    )
    name = models.CharField(_("名称"), max_length=100)
    body = models.TextField(_("本文"))
    is_active = models.BooleanField(_("使用中"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("回答テンプレート")
        verbose_name_plural = _("回答テンプレート")
        ordering = ["center", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="replytemplate_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Reply(models.Model):
    """A reply to a message: sent by e-mail, or a phone/FAX reply recorded by hand."""

    message = models.ForeignKey(InboxMessage, on_delete=models.CASCADE, related_name="replies")
    channel = models.CharField(_("回答方法"), max_length=8, choices=ReplyChannel.choices)
    body = models.TextField(_("本文"))
    template = models.ForeignKey(
        ReplyTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    manual = models.BooleanField(_("手動記録"), default=False)
    sent_at = models.DateTimeField(_("送信日時"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    smtp_message_id = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.sent_at:%Y-%m-%d %H:%M}"


class SurveyResponse(models.Model):
    """A 5-point satisfaction answer (SUR-1), for one contact or the center in general."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.PROTECT, related_name="survey_responses"
    )
    message = models.ForeignKey(
        InboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    interaction = models.ForeignKey(
        "interactions.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="ja")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="survey_score_1_to_5"
            ),
            # One answer per contact; answering again replaces it (survey_submit).
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(message__isnull=False),
                name="survey_one_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}"


class InquiryThrottle(models.Model):
    """Submissions per client in a time window (rate limit of the public form).

    ``key`` is a keyed hash of the client address: the address itself is not stored.
    """

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="throttle_unique_window")
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.count}"

"""Interaction history (応対履歴, CON-1..9): one record per contact on every channel, the
center's category tree, and the append-only timeline of each record.

Times are UTC. ``caller_number`` is the only personal field for now; it is kept in E.164
so a caller's earlier contacts can be found, and blanked when the center's retention
period for interaction personal data runs out (CON-8, SEC-4). Timeline rows and audit
data never copy it, so blanking the record removes it everywhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.append_only import AppendOnly


class Category(models.Model):
    """A node of the city-defined taxonomy of one center (CON-1), edited by the center.

    Names are unique among siblings; a retired category is deactivated, not deleted, so
    old records keep their category.
    """

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="interaction_categories"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位分類"),
    )
    name = models.CharField(_("名称"), max_length=100)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("応対分類")
        verbose_name_plural = _("応対分類")
        ordering = ["center", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "parent", "name"], name="category_unique_name_in_parent"
            ),
            # NULL parents are distinct in a unique constraint: top-level names need their own.
            models.UniqueConstraint(
                fields=["center", "name"],
                condition=Q(parent__isnull=True),
                name="category_unique_top_level_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    PHONE = "phone", _("電話")
    FAX = "fax", _("FAX")
    EMAIL = "email", _("メール")
    WEB_FORM = "web_form", _("Webフォーム")
    VOICEMAIL = "voicemail", _("留守番電話")
    WALK_IN = "walk_in", _("来所")


class InteractionKind(models.TextChoices):
    """What the contact was about (CON-3)."""

    INQUIRY = "inquiry", _("問合せ")
    OPINION = "opinion", _("意見")
    REQUEST = "request", _("要望")
    COMPLAINT = "complaint", _("苦情")
    PROPOSAL = "proposal", _("提案")
    CALLBACK_REQUEST = "callback_request", _("折り返し依頼")
    SWITCHBOARD_TRANSFER = "switchboard_transfer", _("電話交換")
    BOOKING = "booking", _("予約")
    EVENT_APPLICATION = "event_application", _("イベント申込み")
    THREAT = "threat", _("脅迫・緊急")


# Kinds escalated immediately (CON-3): the record is flagged ``urgent``.
URGENT_KINDS = frozenset({InteractionKind.THREAT})


class Outcome(models.TextChoices):
    """How the contact ended; feeds the first-contact completion KPI (CON-4, RPT-5)."""

    COMPLETED = "completed", _("センターで完了")
    SWITCHBOARD_TRANSFER = "switchboard_transfer", _("電話交換（完了扱い）")
    HANDED_TO_DEPARTMENT = "handed_to_department", _("所管課へ取次ぎ（完了扱い）")
    ESCALATED = "escalated", _("エスカレーション・未解決")
    # A written inquiry (web form, e-mail, FAX) until it is answered: not completed, so it
    # never inflates first-contact completion; the inbox's reply sets the final outcome.
    PENDING = "pending", _("回答待ち")


# I 第1-8(3): a switchboard transfer and a hand-over (取次ぎ) count as completed in center.
COMPLETED_OUTCOMES = frozenset(
    {Outcome.COMPLETED, Outcome.SWITCHBOARD_TRANSFER, Outcome.HANDED_TO_DEPARTMENT}
)
# What an operator chooses at the desk (PENDING is set by the inbox only).
DESK_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.PENDING]
# A hand-over or an escalation goes to someone: the department is required.
DEPARTMENT_OUTCOMES = frozenset({Outcome.HANDED_TO_DEPARTMENT, Outcome.ESCALATED})


class Interaction(models.Model):
    """One contact, recorded right after handling (CON-1)."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.PROTECT, related_name="interactions"
    )
    channel = models.CharField(_("チャネル"), max_length=12, choices=Channel.choices)
    dialed_number = models.CharField(_("着信番号"), max_length=20, blank=True, db_index=True)
    caller_number = models.CharField(_("発信者番号"), max_length=20, blank=True)
    kind = models.CharField(_("種別"), max_length=24, choices=InteractionKind.choices)
    urgent = models.BooleanField(_("緊急"), default=False)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("分類"),
    )
    summary = models.TextField(_("問合せ内容"))
    answer = models.TextField(_("回答内容"), blank=True)
    faq_ids = models.JSONField(_("使用したFAQ"), default=list, blank=True)
    outcome = models.CharField(_("結果"), max_length=24, choices=Outcome.choices)
    department = models.ForeignKey(
        "tenancy.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("所管課"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("対応者"),
    )
    started_at = models.DateTimeField(_("開始"))
    ended_at = models.DateTimeField(_("終了"))
    wrap_up_ended_at = models.DateTimeField(_("後処理終了"), null=True, blank=True)
    language = models.CharField(_("言語"), max_length=8, default="ja")
    call = models.ForeignKey(
        "calls.Call",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("通話"),
    )
    # Fixed when recorded from the center's retention setting; null: kept (no setting).
    personal_data_expires_at = models.DateTimeField(
        _("個人情報の保存期限"), null=True, blank=True, db_index=True
    )
    personal_data_expired_at = models.DateTimeField(_("個人情報の削除日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("応対履歴")
        verbose_name_plural = _("応対履歴")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["center", "started_at"], name="interaction_center_started"),
            models.Index(fields=["center", "kind", "started_at"], name="interaction_center_kind"),
            models.Index(fields=["center", "caller_number"], name="interaction_center_caller"),
            # The search screen's other conditions (CON-6), each within the period.
            models.Index(
                fields=["center", "category", "started_at"], name="interaction_center_category"
            ),
            models.Index(
                fields=["center", "operator", "started_at"], name="interaction_center_operator"
            ),
            models.Index(
                fields=["center", "department", "started_at"], name="interaction_center_dept"
            ),
            models.Index(
                fields=["center", "outcome", "started_at"], name="interaction_center_outcome"
            ),
            models.Index(
                fields=["center", "channel", "started_at"], name="interaction_center_channel"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="interaction_time_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def completed_in_center(self) -> bool:
        """Counts as completed for the first-contact completion rate (CON-4)."""
        return self.outcome in COMPLETED_OUTCOMES

    @property
    def talk_seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


class InteractionEventType(models.TextChoices):
    CREATED = "created", _("登録")
    UPDATED = "updated", _("変更")
    FAQ_USED = "faq_used", _("FAQ使用")
    TRANSFERRED = "transferred", _("転送・取次ぎ")
    ESCALATED = "escalated", _("エスカレーション")
    CALLBACK_REQUESTED = "callback_requested", _("折り返し依頼")
    CALLBACK_ATTEMPTED = "callback_attempted", _("折り返し発信")
    ESCALATION_REPORTED = "escalation_reported", _("所管課完了報告")
    ESCALATION_CONFIRMED = "escalation_confirmed", _("完了確認")
    COMPLETED = "completed", _("完了")
    PERSONAL_DATA_EXPIRED = "personal_data_expired", _("個人情報の保存期間満了")


class InteractionEvent(AppendOnly, models.Model):
    """Append-only: what happened to an interaction, in order (written by ``events.py``)."""

    append_only_name = "interaction events"

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    type = models.CharField(max_length=24, choices=InteractionEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["interaction", "at"], name="interactionevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%H:%M:%S}"


class EscalationStatus(models.TextChoices):
    """The life of a second-line case (CON-5): the department works it and reports done;
    city staff confirm the report (shown in the daily report)."""

    OPEN = "open", _("未着手")
    IN_PROGRESS = "in_progress", _("対応中")
    REPORTED = "reported", _("所管課完了報告済み")
    CONFIRMED = "confirmed", _("確認済み")


# Not yet reported by the department: these can be overdue and get reminders.
OPEN_ESCALATION_STATUSES = frozenset({EscalationStatus.OPEN, EscalationStatus.IN_PROGRESS})


class Escalation(models.Model):
    """A contact handed to a department for an answer (二次対応, CON-5).

    ``due_on`` counts business days of the *department's* calendar (its own office
    hours, holidays and Dec 29–Jan 3), not the center's.
    """

    interaction = models.ForeignKey(
        Interaction, on_delete=models.PROTECT, related_name="escalations"
    )
    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.PROTECT, related_name="escalations"
    )
    department = models.ForeignKey(
        "tenancy.Department",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("担当課"),
    )
    status = models.CharField(
        _("状態"), max_length=12, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    request = models.TextField(_("依頼内容"))
    due_on = models.DateField(_("回答期限"))
    notify_email = models.EmailField(_("連絡先メール"), blank=True)
    created_at = models.DateTimeField(_("依頼日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("対応開始"), null=True, blank=True)
    report = models.TextField(_("完了報告"), blank=True)
    reported_at = models.DateTimeField(_("完了報告日時"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("督促日時"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("督促回数"), default=0)

    class Meta:
        verbose_name = _("二次対応")
        verbose_name_plural = _("二次対応")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["center", "status", "due_on"], name="escalation_center_due"),
            models.Index(fields=["department", "status"], name="escalation_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.due_on:%Y-%m-%d}"

    def is_overdue(self, today: Any) -> bool:
        return self.status in OPEN_ESCALATION_STATUSES and self.due_on < today


class CallbackStatus(models.TextChoices):
    REQUESTED = "requested", _("未対応")
    IN_PROGRESS = "in_progress", _("対応中")
    DONE = "done", _("完了")
    CANCELLED = "cancelled", _("取消")


class Callback(models.Model):
    """A promise to call someone back (TEL-11): from a contact at the desk or from a
    voicemail message. ``number`` is personal data: blanked with the interaction's."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.PROTECT, related_name="callbacks")
    interaction = models.ForeignKey(
        Interaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    voicemail = models.OneToOneField(
        "calls.Voicemail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callback",
        verbose_name=_("留守番電話"),
    )
    department = models.ForeignKey(
        "tenancy.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("折り返す課（空欄: センター）"),
    )
    number = models.CharField(_("折り返し先電話番号"), max_length=20, blank=True)
    preferred_time = models.CharField(_("希望時間帯"), max_length=100, blank=True)
    status = models.CharField(
        _("状態"), max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.REQUESTED
    )
    due_on = models.DateField(_("期限"))
    created_at = models.DateTimeField(_("依頼日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    personal_data_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("折り返し")
        verbose_name_plural = _("折り返し")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["center", "status", "due_on"], name="callback_center_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.due_on:%Y-%m-%d}"


class CallbackResult(models.TextChoices):
    REACHED = "reached", _("通話できた（完了）")
    NO_ANSWER = "no_answer", _("応答なし")
    BUSY = "busy", _("話し中")
    MESSAGE_LEFT = "message_left", _("留守電に伝言")
    WRONG_NUMBER = "wrong_number", _("番号違い")


# Results that close the request.
CLOSING_RESULTS = frozenset({CallbackResult.REACHED, CallbackResult.WRONG_NUMBER})


class CallbackAttempt(models.Model):
    """One outbound try on a callback request: who, when, result, and the call if it
    was placed through the phone system (TEL-11)."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("日時"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("対応者"),
    )
    result = models.CharField(_("結果"), max_length=14, choices=CallbackResult.choices)
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    call = models.ForeignKey(
        "calls.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("折り返し発信")
        verbose_name_plural = _("折り返し発信")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.at:%Y-%m-%d %H:%M}"

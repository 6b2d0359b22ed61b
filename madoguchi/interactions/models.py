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


# I 第1-8(3): a switchboard transfer and a hand-over (取次ぎ) count as completed in center.
COMPLETED_OUTCOMES = frozenset(
    {Outcome.COMPLETED, Outcome.SWITCHBOARD_TRANSFER, Outcome.HANDED_TO_DEPARTMENT}
)
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
    COMPLETED = "completed", _("完了")
    PERSONAL_DATA_EXPIRED = "personal_data_expired", _("個人情報の保存期間満了")


class InteractionEvent(models.Model):
    """Append-only: what happened to an interaction, in order (written by ``events.py``)."""

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("interaction events are append-only")
        super().save(*args, **kwargs)

"""Per-center report settings (the KPI.md options) and the recipients of delivered reports."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSettings(models.Model):
    """The counting options of KPI.md for one center; absent → the defaults below."""

    center = models.OneToOneField(
        "tenancy.Center", on_delete=models.CASCADE, related_name="report_settings"
    )
    short_abandon_s = models.PositiveIntegerField(
        _("短時間放棄の閾値（秒）"),
        null=True,
        blank=True,
        help_text=_("空欄: なし。例 5 → 待ち時間 5 秒以下の放棄は着信数・放棄数から除く。"),
    )
    include_blocked = models.BooleanField(_("話中（満杯）を着信数に含める"), default=True)
    include_voicemail = models.BooleanField(_("留守番電話を着信数に含める"), default=True)
    long_call_s = models.PositiveIntegerField(
        _("長時間対応の閾値（秒）"), default=1200, help_text=_("通話時間がこれを超える応答")
    )
    service_level_s = models.PositiveIntegerField(_("サービスレベルの閾値（秒）"), default=20)
    exclude_first_six_months = models.BooleanField(
        _("年間達成状況から運用開始後6か月を除く"), default=True
    )

    class Meta:
        verbose_name = _("報告書の集計設定")
        verbose_name_plural = _("報告書の集計設定")

    def __str__(self) -> str:
        return f"{self.center} 集計設定"


class ReportKind(models.TextChoices):
    DAILY = "daily", _("日報")
    WEEKLY = "weekly", _("週報")
    MONTHLY = "monthly", _("月報")
    HALF_YEAR = "half_year", _("半期報告")
    ANNUAL = "annual", _("年報")
    SERVICE_LEVEL = "service_level", _("サービスレベル達成状況")
    PERSONAL_DATA = "personal_data", _("個人情報取扱状況報告")
    FREQUENT_QUESTIONS = "frequent_questions", _("よくある質問の報告")


class ReportRecipient(models.Model):
    """Who receives a center's delivered reports of one kind (by e-mail, encrypted)."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="report_recipients"
    )
    kind = models.CharField(_("報告書"), max_length=24, choices=ReportKind.choices)
    email = models.EmailField(_("送付先メールアドレス"))
    name = models.CharField(_("氏名・所属"), max_length=120, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("報告書の送付先")
        verbose_name_plural = _("報告書の送付先")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "kind", "email"], name="report_recipient_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.email}"


class ReportDelivery(models.Model):
    """One delivery of a report by e-mail (to every recipient), sent or failed; the
    console's delivery history and what keeps the worker from sending a period twice.
    The password is never stored."""

    class Status(models.TextChoices):
        SENT = "sent", _("送付済み")
        FAILED = "failed", _("送付失敗")

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="report_deliveries"
    )
    kind = models.CharField(_("報告書"), max_length=24, choices=ReportKind.choices)
    period_kind = models.CharField(_("期間の種類"), max_length=16)
    period_first = models.DateField(_("期間の初日"))
    period_last = models.DateField(_("期間の末日"))
    fmt = models.CharField(_("形式"), max_length=8)
    recipients = models.JSONField(_("送付先"), default=list)
    status = models.CharField(_("状態"), max_length=8, choices=Status.choices)
    error = models.CharField(_("失敗の理由"), max_length=300, blank=True)
    scheduled = models.BooleanField(_("自動送付"), default=False)
    sent_at = models.DateTimeField(_("送付日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("報告書の送付")
        verbose_name_plural = _("報告書の送付")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["center", "kind", "period_first", "status"],
                name="report_delivery_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_first} {self.get_status_display()}"

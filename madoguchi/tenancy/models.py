"""Centers, their numbers and calendars, and the city's department directory (CTR-1..5)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class CenterKind(models.TextChoices):
    GENERAL = "general", _("総合")
    SPECIALIZED = "specialized", _("特定")


class Language(models.TextChoices):
    JA = "ja", _("日本語")
    EN = "en", _("英語")
    ZH_HANS = "zh-hans", _("中国語（簡体字）")
    KO = "ko", _("韓国語")


class OverflowAction(models.TextChoices):
    """What a caller gets when the queue is full, too long, or nobody can answer (TEL-4)."""

    CONGESTION = "congestion", _("混雑メッセージ")
    VOICEMAIL = "voicemail", _("留守番電話（録音）")


class Calendar(models.Model):
    """Opening hours of a center or a department.

    Which hours apply to a date: a one-off exception for that date, else the year-end
    closure (Dec 29 – Jan 3, when ``year_end_closure`` is set), else public-holiday
    hours on a Japanese public holiday, else the hours of the day of the week.
    """

    name = models.CharField(_("名称"), max_length=100)
    year_end_closure = models.BooleanField(_("年末年始（12/29〜1/3）休業"), default=True)

    class Meta:
        verbose_name = _("営業カレンダー")
        verbose_name_plural = _("営業カレンダー")

    def __str__(self) -> str:
        return self.name


class DayType(models.TextChoices):
    WEEKDAY = "weekday", _("平日")
    SATURDAY = "saturday", _("土曜日")
    SUNDAY = "sunday", _("日曜日")
    HOLIDAY = "holiday", _("祝日")


class OpeningHours(models.Model):
    """Hours for one day type; a day type without a row is closed."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    day_type = models.CharField(_("曜日区分"), max_length=10, choices=DayType.choices)
    opens = models.TimeField(_("開始"))
    closes = models.TimeField(_("終了"))

    class Meta:
        verbose_name = _("受付時間")
        verbose_name_plural = _("受付時間")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day_type"], name="hours_one_per_day_type"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_type_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", _("臨時休業")
    OPEN = "open", _("臨時開設・時間変更")


class CalendarException(models.Model):
    """A one-off closure or changed hours for one date (e.g. a disaster extension)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("日付"))
    kind = models.CharField(_("種別"), max_length=10, choices=ExceptionKind.choices)
    opens = models.TimeField(_("開始"), null=True, blank=True)
    closes = models.TimeField(_("終了"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("臨時の休業・開設")
        verbose_name_plural = _("臨時の休業・開設")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="exception_one_per_date"),
            models.CheckConstraint(
                condition=(
                    Q(kind="closed", opens__isnull=True, closes__isnull=True)
                    | Q(kind="open", opens__lt=models.F("closes"))
                ),
                name="exception_hours_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


def _percent(label: _StrPromise) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


class Center(models.Model):
    """A contact center: the general center or a specialized one (CTR-1)."""

    slug = models.SlugField(_("識別子"), unique=True, max_length=40)
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英語名称"), max_length=120, blank=True)
    kind = models.CharField(_("種別"), max_length=12, choices=CenterKind.choices)
    description = models.TextField(_("概要"), blank=True)
    languages = models.JSONField(_("対応言語"), default=list)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="centers")
    line_count = models.PositiveSmallIntegerField(
        _("回線数"),
        null=True,
        blank=True,
        help_text=_("空欄は制限なし。超えた着信は話中になります。"),
    )
    overflow_action = models.CharField(
        _("あふれ時の対応"),
        max_length=12,
        choices=OverflowAction.choices,
        default=OverflowAction.CONGESTION,
    )
    # Service-level targets (RPT-5); rates in percent, ASA in seconds; empty: no target.
    target_answer_rate = _percent(_("受電応答率目標（%）"))
    target_asa_seconds = models.PositiveIntegerField(
        _("平均応答時間目標（秒）"), null=True, blank=True
    )
    target_first_contact_completion = _percent(_("一次応対完了率目標（%）"))
    target_first_answer_rate = _percent(_("一次回答率目標（%）"))
    target_csat = _percent(_("満足度目標（%）"))
    operation_started_on = models.DateField(_("運用開始日"), null=True, blank=True)
    is_active = models.BooleanField(_("稼働中"), default=True)

    class Meta:
        verbose_name = _("センター")
        verbose_name_plural = _("センター")
        ordering = ["kind", "slug"]

    def __str__(self) -> str:
        return self.name


class RetentionKind(models.TextChoices):
    RECORDING = "recording", _("通話録音")
    INTERACTION_PERSONAL = "interaction_personal", _("応対履歴の個人情報")
    VOICEMAIL = "voicemail", _("留守番電話")
    INBOX = "inbox", _("メール・FAX・Webフォーム")
    BOOKING = "booking", _("予約の個人情報")


class RetentionPeriod(models.Model):
    """How long a center keeps one kind of data before deletion (SEC-4, TEL-6)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="retention_periods")
    kind = models.CharField(_("データ種別"), max_length=24, choices=RetentionKind.choices)
    days = models.PositiveIntegerField(_("保存日数"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("保存期間")
        verbose_name_plural = _("保存期間")
        constraints = [
            models.UniqueConstraint(fields=["center", "kind"], name="retention_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days}"


class NumberKind(models.TextChoices):
    REPRESENTATIVE = "representative", _("代表電話")
    INQUIRY = "inquiry", _("問合せ専用")
    FAX = "fax", _("FAX")
    CONTACT = "contact", _("連絡用")


class InboundNumber(models.Model):
    """A number callers dial; every contact records which one (CTR-2)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="numbers")
    e164 = models.CharField(_("電話番号（E.164）"), max_length=20, unique=True)
    display = models.CharField(_("電話番号"), max_length=20)
    kind = models.CharField(_("種別"), max_length=16, choices=NumberKind.choices)
    label = models.CharField(_("名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("着信番号")
        verbose_name_plural = _("着信番号")
        ordering = ["center", "kind", "display"]

    def __str__(self) -> str:
        return self.display


class Department(models.Model):
    """A city department (所管課) or contact point: transfers, escalations, FAQ owner (CTR-4/5)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("名称"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位組織"),
    )
    extension = models.CharField(_("内線番号"), max_length=10, blank=True)
    external_e164 = models.CharField(_("外線番号（E.164）"), max_length=20, blank=True)
    external_display = models.CharField(_("外線番号"), max_length=20, blank=True)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    is_contact_point = models.BooleanField(_("センターとの連絡窓口"), default=False)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="departments", verbose_name=_("開庁時間")
    )

    class Meta:
        verbose_name = _("所管課")
        verbose_name_plural = _("所管課")
        ordering = ["center", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

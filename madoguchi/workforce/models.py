"""Forecasts, forecast events (uplift days) and staffing plans per center and interval
(REQUIREMENTS WFM-1..4). Intervals are anchored at the center's opening time (see
docs/staffing.md); ``start`` is the instant the interval begins (stored in UTC)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffingSettings(models.Model):
    """How one center plans its staff; absent → the defaults below."""

    class IntervalMinutes(models.IntegerChoices):
        HALF_HOUR = 30, _("30分")
        HOUR = 60, _("60分")

    center = models.OneToOneField(
        "tenancy.Center", on_delete=models.CASCADE, related_name="staffing_settings"
    )
    interval_minutes = models.PositiveSmallIntegerField(
        _("計画の時間帯（分）"), choices=IntervalMinutes.choices, default=60
    )
    patience_s = models.PositiveIntegerField(
        _("平均放棄時間（秒）"),
        null=True,
        blank=True,
        default=120,
        help_text=_("空欄: 放棄なし（アーラン C）。入力あり: アーラン A で応答率を計算。"),
    )
    history_weeks = models.PositiveSmallIntegerField(
        _("予測に使う週数"), default=8, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    default_aht_s = models.PositiveIntegerField(
        _("実績がないときの平均処理時間（秒）"), default=300
    )

    class Meta:
        verbose_name = _("要員計画の設定")
        verbose_name_plural = _("要員計画の設定")

    def __str__(self) -> str:
        return f"{self.center} 要員計画設定"


class ForecastSource(models.TextChoices):
    HISTORY = "history", _("実績から算出")
    MANUAL = "manual", _("手入力")


class Forecast(models.Model):
    """Forecast calls and handle time for one interval of one day (WFM-2)."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日付"), db_index=True)
    start = models.DateTimeField(_("開始"))
    minutes = models.PositiveSmallIntegerField(_("長さ（分）"))
    calls = models.FloatField(_("予測入電数"))
    aht_s = models.FloatField(_("平均処理時間（秒）"))
    uplift = models.DecimalField(_("イベント係数"), max_digits=6, decimal_places=3, default=1)
    source = models.CharField(
        _("出所"), max_length=10, choices=ForecastSource.choices, default=ForecastSource.HISTORY
    )
    history_days = models.PositiveSmallIntegerField(_("平均に使った日数"), default=0)

    class Meta:
        verbose_name = _("呼量予測")
        verbose_name_plural = _("呼量予測")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["center", "start"], name="forecast_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M} {self.calls:.1f}"


class ForecastEvent(models.Model):
    """A known event day that changes the volume, e.g. the day coupons are mailed."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日付"), db_index=True)
    label = models.CharField(_("内容"), max_length=100)
    uplift = models.DecimalField(
        _("係数"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("例 1.5 → 通常の 1.5 倍の入電。"),
    )

    class Meta:
        verbose_name = _("予測イベント日")
        verbose_name_plural = _("予測イベント日")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "date", "label"], name="forecast_event_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.label} ×{self.uplift}"


class StaffingPlan(models.Model):
    """Required (from the forecast and the center's target) and planned agents for one
    interval (WFM-1, WFM-3)."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日付"), db_index=True)
    start = models.DateTimeField(_("開始"))
    minutes = models.PositiveSmallIntegerField(_("長さ（分）"))
    required_agents = models.PositiveIntegerField(_("必要要員数"))
    planned_agents = models.PositiveIntegerField(_("計画要員数"))
    target = models.CharField(_("使った目標"), max_length=200)

    class Meta:
        verbose_name = _("要員計画")
        verbose_name_plural = _("要員計画")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["center", "start"], name="staffing_plan_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M} {self.planned_agents}/{self.required_agents}"

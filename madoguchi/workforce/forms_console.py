"""Console forms of the workforce context: parse typed input; the rules stay in services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.console.forms import PageForm
from madoguchi.workforce.models import StaffingSettings
from madoguchi.workforce.staffing import StaffingQuery, TargetKind

TARGET_CHOICES = [
    (TargetKind.ANSWER_RATE.value, _("応答率（%）以上")),
    (TargetKind.SERVICE_LEVEL.value, _("サービスレベル（%）以上")),
    (TargetKind.ASA.value, _("平均応答時間（秒）以下")),
    (TargetKind.AGENTS.value, _("要員数を指定（人）")),
]


def _number(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        decimal_places=3,
        max_digits=12,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **kwargs,
    )


class CalculatorForm(PageForm):
    """The inputs of ``madoguchi staffing``; rates are typed in percent."""

    id_prefix = "calc"

    calls_per_hour = _number(_("1時間あたりの入電数"), min_value=Decimal(0))
    aht = _number(_("平均処理時間（秒）"), min_value=Decimal("0.001"))
    patience = _number(
        _("平均放棄時間（秒）"),
        required=False,
        min_value=Decimal("0.001"),
        help_text=_("空欄: 放棄なし（アーラン C）"),
    )
    lines = forms.IntegerField(
        label=_("回線数"), required=False, min_value=1, help_text=_("要員数と同じ: アーラン B")
    )
    target = forms.ChoiceField(label=_("目標"), choices=TARGET_CHOICES)
    target_value = _number(_("目標の値"))
    threshold_s = _number(_("サービスレベルの基準（秒）"), min_value=Decimal(0), initial=20)
    max_occupancy = _number(
        _("稼働率の上限（%）"), required=False, min_value=Decimal("0.001"), max_value=Decimal(100)
    )
    shrinkage = _number(
        _("シュリンケージ（%）"), required=False, min_value=Decimal(0), max_value=Decimal("99.9")
    )

    def query(self) -> StaffingQuery:
        data = self.cleaned_data
        target = TargetKind(data["target"])
        value = float(data["target_value"])
        if target in (TargetKind.ANSWER_RATE, TargetKind.SERVICE_LEVEL):
            value /= 100
        threshold = data["threshold_s"]
        return StaffingQuery(
            calls_per_hour=float(data["calls_per_hour"]),
            aht_s=float(data["aht"]),
            patience_s=float(data["patience"]) if data["patience"] is not None else None,
            lines=data["lines"],
            target=target,
            target_value=value,
            threshold_s=float(threshold) if threshold is not None else 20.0,
            max_occupancy=(
                float(data["max_occupancy"]) / 100 if data["max_occupancy"] is not None else None
            ),
            shrinkage=float(data["shrinkage"]) / 100 if data["shrinkage"] else 0.0,
        )


class DayForm(PageForm):
    id_prefix = "day"

    date = forms.DateField(label=_("日付"), widget=forms.DateInput(attrs={"type": "date"}))


class EventForm(PageForm):
    id_prefix = "event"

    date = forms.DateField(label=_("日付"), widget=forms.DateInput(attrs={"type": "date"}))
    label = forms.CharField(label=_("内容（例: 商品券の発送日）"), max_length=100)
    uplift = forms.DecimalField(
        label=_("係数（例 1.5 = 1.5 倍）"), max_digits=6, decimal_places=3, min_value=Decimal(0)
    )


class SettingsForm(PageForm):
    id_prefix = "settings"

    interval_minutes = forms.TypedChoiceField(
        label=_("計画の時間帯"), choices=StaffingSettings.IntervalMinutes.choices, coerce=int
    )
    patience_s = forms.IntegerField(
        label=_("平均放棄時間（秒）"),
        required=False,
        min_value=1,
        help_text=_("空欄: 放棄なし（アーラン C）"),
    )
    history_weeks = forms.IntegerField(label=_("予測に使う週数"), min_value=1, max_value=52)
    default_aht_s = forms.IntegerField(label=_("実績がないときの平均処理時間（秒）"), min_value=1)

"""Console forms of the reports context."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.console.forms import PageForm
from madoguchi.reports.models import ReportKind


class ReportSettingsForm(PageForm):
    id_prefix = "kpi"

    short_abandon_s = forms.IntegerField(
        label=_(
            "短時間放棄の閾値（秒）: 待ち時間がこの秒数以下の放棄を"
            "着信数・放棄数から除く（空欄はなし）"
        ),
        required=False,
    )
    include_blocked = forms.BooleanField(label=_("話中（満杯）を着信数に含める"), required=False)
    include_voicemail = forms.BooleanField(label=_("留守番電話を着信数に含める"), required=False)
    long_call_s = forms.IntegerField(
        label=_("長時間対応の閾値（秒）: 通話時間がこれを超える応答を数える"),
    )
    service_level_s = forms.IntegerField(
        label=_("サービスレベルの閾値（秒）: この秒数以内の応答を数える")
    )
    exclude_first_six_months = forms.BooleanField(
        label=_("年間達成状況から運用開始後6か月を除く"), required=False
    )


class ReportRecipientForm(PageForm):
    id_prefix = "recipient"

    kind = forms.ChoiceField(label=_("報告書"), choices=ReportKind.choices)
    email = forms.EmailField(label=_("送付先メールアドレス"), max_length=254)
    name = forms.CharField(label=_("氏名・所属（任意）"), max_length=120, required=False)

"""Console forms of the reports context: the period picker and the download."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.reports.crypto import FORMAT_LABELS, FORMATS


class PeriodForm(forms.Form):
    date = forms.DateField(
        label=_("対象日（期間に含まれる日）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DownloadForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)
    fmt = forms.ChoiceField(
        label=_("形式"),
        choices=[(f, FORMAT_LABELS[f]) for f in FORMATS],
        widget=forms.RadioSelect,
        initial=FORMATS[0],
    )
    encrypt = forms.BooleanField(
        label=_("パスワード付きで出力する（パスワードは画面に一度だけ表示します）"),
        required=False,
    )

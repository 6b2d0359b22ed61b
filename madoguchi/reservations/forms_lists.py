"""The venue list delivery form (RSV-6)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.console.forms import PageForm
from madoguchi.reservations.forms_console import DATE_INPUT
from madoguchi.reservations.models import Venue


class VenueListForm(PageForm):
    id_prefix = "list"
    venue = forms.ModelChoiceField(label=_("会場"), queryset=Venue.objects.none())
    day = forms.DateField(label=_("日付"), widget=DATE_INPUT)
    format = forms.ChoiceField(label=_("形式"), choices=[("xlsx", "Excel"), ("pdf", "PDF")])
    method = forms.ChoiceField(
        label=_("受け渡し"),
        choices=[("download", "ダウンロード"), ("email", "メールで送付")],
        widget=forms.RadioSelect,
        initial="download",
    )
    email = forms.EmailField(label=_("送付先（空欄は会場の登録先）"), required=False)

    def __init__(self, *args: Any, center: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(center=center)  # type: ignore[attr-defined]

"""Forms of the citizen booking pages (ja/en/zh-hans/ko; RSV-2).

Field ids carry a prefix per form so that two forms on one page never share an id.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.tenancy.calendars import TOKYO


def _years() -> list[tuple[str, str]]:
    this_year = timezone.now().astimezone(TOKYO).year
    return [("", "—")] + [(str(y), str(y)) for y in range(this_year, 1899, -1)]


class LoginForm(forms.Form):
    """Coupon number and birth date (year, month and day as three lists: easier on a
    phone than a date picker, and the same in every in-app browser)."""

    coupon_number = forms.CharField(
        label=_("接種券番号"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("お手元の接種券（クーポン券）に書かれている番号です。"),
    )
    # Checked together in clean(): one message for the three lists.
    birth_year = forms.TypedChoiceField(label=_("年"), coerce=int, choices=(), required=False)
    birth_month = forms.TypedChoiceField(
        label=_("月"),
        coerce=int,
        required=False,
        choices=[("", "—")] + [(str(m), str(m)) for m in range(1, 13)],
    )
    birth_day = forms.TypedChoiceField(
        label=_("日"),
        coerce=int,
        required=False,
        choices=[("", "—")] + [(str(d), str(d)) for d in range(1, 32)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "login_%s")
        super().__init__(*args, **kwargs)
        self.fields["birth_year"].choices = _years()  # type: ignore[attr-defined]
        for name in ("birth_year", "birth_month", "birth_day"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [data.get("birth_year"), data.get("birth_month"), data.get("birth_day")]
        if not all(isinstance(p, int) for p in parts):
            self.add_error("birth_day", _("生年月日を選んでください。"))
            return data
        try:
            data["birth_date"] = date(*parts)  # type: ignore[arg-type]
        except ValueError:
            self.add_error("birth_day", _("生年月日が正しくありません。"))
        return data


class ContactForm(forms.Form):
    """The booking's callback number (required) and confirmation address (optional)."""

    phone = forms.CharField(
        label=_("連絡先電話番号"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("予約について市からご連絡することがあります。"),
    )
    email = forms.EmailField(
        label=_("メールアドレス（任意）"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("予約の確認と前日のお知らせをお送りします。"),
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)


class KeyForm(forms.Form):
    """A bare confirmation (cancel, change): only the idempotency key."""

    key = forms.CharField(widget=forms.HiddenInput)

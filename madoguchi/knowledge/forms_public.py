"""Forms of the public FAQ site: what a citizen may type, checked with clear messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.knowledge.models_feedback import REASON_MAX_LENGTH, SPECIAL_CARE_MESSAGE
from madoguchi.pii import special_care_number

QUERY_MAX_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("キーワードや質問文"),
        max_length=QUERY_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": _("検索語は%(limit_value)d文字以内で入力してください。"),
            "null_characters_not_allowed": _("検索語に使えない文字が含まれています。"),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("この回答は役に立ちましたか？"),
        choices=[("yes", _("はい")), ("no", _("いいえ"))],
        coerce=lambda value: value == "yes",
        error_messages={
            "required": _("「はい」か「いいえ」を選んでください。"),
            "invalid_choice": _("「はい」か「いいえ」を選んでください。"),
        },
    )
    reason = forms.CharField(
        label=_("理由やご意見（任意）"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("個人情報（お名前、電話番号、個人番号など）は書かないでください。"),
        error_messages={
            "max_length": _("理由は%(limit_value)d文字以内で入力してください。"),
            "null_characters_not_allowed": _("使えない文字が含まれています。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "vote_%s")
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        """My Number and card numbers are refused on entry (CON-8), in the page language."""
        reason: str = self.cleaned_data["reason"]
        if special_care_number(reason):
            raise forms.ValidationError(SPECIAL_CARE_MESSAGE, code="special_care_number")
        return reason

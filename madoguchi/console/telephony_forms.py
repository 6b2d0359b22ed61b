"""Forms of the telephony settings screens: parse typed input; the rules are in
``calls.services`` (so a form never refuses what a service would accept, or the reverse)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from madoguchi.calls.services import ANNOUNCEMENT_MAX_CHARS
from madoguchi.console.forms import GuardedForm, PageForm


def language_choices(languages: list[str]) -> list[tuple[str, str]]:
    """The center's languages, each named in itself (as on the citizen pages)."""
    names = dict(settings.LANGUAGES)
    return [(code, names.get(code, code)) for code in languages]


class AnnouncementForm(GuardedForm):
    text = forms.CharField(
        label=_("文言（音声ファイルがないときは読み上げます）"),
        strip=False,
        error_messages={"required": _("文言を入力してください。")},
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": ANNOUNCEMENT_MAX_CHARS}),
    )
    audio = forms.FileField(
        label=_("音声ファイル（WAV、5MBまで。任意）"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".wav,audio/wav,audio/x-wav"}),
    )
    remove_audio = forms.BooleanField(
        label=_("登録済みの音声ファイルを削除して文言の読み上げに戻す"), required=False
    )

    def __init__(
        self, *args: Any, language: str = "ja", has_audio: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Screen readers and spell checkers should treat the text as the callers' language.
        self.fields["text"].widget.attrs["lang"] = language
        if not has_audio:
            del self.fields["remove_audio"]


class ForwardingForm(GuardedForm):
    enabled = forms.BooleanField(label=_("時間外の着信を転送する"), required=False)
    number = forms.CharField(label=_("転送先の電話番号"), max_length=30, required=False)
    label = forms.CharField(
        label=_("転送先の名称（例: 市役所警備室）"), max_length=100, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The field on screen is what the user means: an emptied number is not "keep".
        if data.get("enabled") and not (data.get("number") or "").strip():
            self.add_error("number", _("転送先の電話番号を入力してください。"))
        return data


SKILL_SEPARATORS = re.compile(r"[,、，\n]+")


class QueueForm(PageForm):
    id_prefix = "queue"

    name = forms.CharField(label=_("名称"), max_length=100)
    # A select, but checked by the service: its message names the center's languages.
    language = forms.CharField(
        label=_("言語（この言語を選んだ発信者が入ります）"), widget=forms.Select
    )
    skills = forms.CharField(
        label=_("必要なスキル（「、」またはカンマ区切り。空欄は誰でも受けられます）"),
        max_length=500,
        required=False,
    )
    max_wait_s = forms.IntegerField(label=_("最大待ち時間（秒、空欄は制限なし）"), required=False)
    max_length = forms.IntegerField(label=_("最大待ち呼数（空欄は制限なし）"), required=False)
    sl_threshold_s = forms.IntegerField(
        label=_("サービスレベル基準（秒、空欄は20秒）"), required=False
    )
    ring_timeout_s = forms.IntegerField(
        label=_("オペレーター呼出し時間（秒、空欄は15秒）"), required=False
    )
    make_default = forms.BooleanField(
        label=_("既定のキューにする（対応するキューのない言語の発信者もここに入ります）"),
        required=False,
    )

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["language"].widget
        assert isinstance(widget, forms.Select)  # noqa: S101  (narrowing)
        widget.choices = language_choices(languages)

    def clean_skills(self) -> list[str]:
        raw: str = self.cleaned_data.get("skills") or ""
        return [part for part in SKILL_SEPARATORS.split(raw) if part.strip()]

"""Forms of the inbox: the citizen's inquiry and survey (translated), and the console's
(Japanese). Business rules stay in services; these parse typed input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import User
from madoguchi.console.forms import PageForm
from madoguchi.inbox.models import InboxChannel, InboxStatus, ReplyChannel, ReplyTemplate
from madoguchi.inbox.services import refuse_public_pii

PUBLIC_REPLY_CHOICES = [
    (ReplyChannel.EMAIL.value, _("メール")),
    (ReplyChannel.PHONE.value, _("電話")),
    (ReplyChannel.FAX.value, _("FAX")),
    (ReplyChannel.NONE.value, _("回答は不要です")),
]


class PublicForm(forms.Form):
    """A citizen form: free text refuses My Number / card numbers in the reader's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_public_pii)

    def full_clean(self) -> None:
        super().full_clean()
        # Screen readers announce which field is wrong and read its message.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}_error"


class InquiryForm(PublicForm):
    name = forms.CharField(
        label=_("お名前"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("メールアドレス"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    phone = forms.CharField(
        label=_("電話番号（電話・FAXでの回答をご希望の方）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    reply_channel = forms.ChoiceField(
        label=_("回答方法"),
        choices=PUBLIC_REPLY_CHOICES,
        initial=ReplyChannel.EMAIL.value,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label=_("件名"), max_length=200, required=False)
    body = forms.CharField(
        label=_("お問い合わせ内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class SurveyForm(PublicForm):
    score = forms.TypedChoiceField(
        label=_("今回の対応の満足度を5段階でお選びください。"),
        choices=[
            (5, _("5 満足")),
            (4, _("4 やや満足")),
            (3, _("3 ふつう")),
            (2, _("2 やや不満")),
            (1, _("1 不満")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("ご意見（任意）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状況",
        required=False,
        choices=[("open", "未回答（新規・担当決定）"), ("", "すべて"), *InboxStatus.choices],
    )
    channel = forms.ChoiceField(
        label="チャネル", required=False, choices=[("", "すべて"), *InboxChannel.choices]
    )
    overdue = forms.ChoiceField(
        label="期限",
        required=False,
        choices=[("", "すべて"), ("yes", "期限超過のみ"), ("no", "期限内のみ")],
    )


class ReplyForm(PageForm):
    id_prefix = "reply"

    channel = forms.ChoiceField(
        label="回答方法",
        choices=[
            (ReplyChannel.EMAIL.value, "メールで送信"),
            (ReplyChannel.PHONE.value, "電話で回答した（記録のみ）"),
            (ReplyChannel.FAX.value, "FAXで回答した（記録のみ）"),
        ],
    )
    template = forms.ModelChoiceField(
        label="テンプレート", queryset=ReplyTemplate.objects.none(), required=False
    )
    body = forms.CharField(label="回答本文", widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args: Any, center: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        assert isinstance(template, forms.ModelChoiceField)  # noqa: S101  (narrowing)
        template.queryset = ReplyTemplate.objects.filter(center=center, is_active=True)


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="担当者", queryset=User.objects.none()
    )

    def __init__(self, *args: Any, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)  # noqa: S101  (narrowing)
        assignee.queryset = staff


class TemplateForm(PageForm):
    id_prefix = "template"

    name = forms.CharField(label="名称", max_length=100)
    body = forms.CharField(
        label="本文",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="差し込み: {name} お名前、{subject} 件名、{center} センター名、"
        "{received} 受信日時、{survey_url} アンケートのリンク",
    )
    is_active = forms.BooleanField(label="使用中", required=False, initial=True)


class InboxSettingsForm(PageForm):
    id_prefix = "settings"

    reply_cutoff = forms.TimeField(
        label="当日回答の締切時刻",
        input_formats=["%H:%M", "%H:%M:%S", "%H%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    delay_notice = forms.BooleanField(
        label="ホームページに回答遅延のお知らせを表示", required=False
    )
    delay_days = forms.IntegerField(label="回答までの目安（営業日、0は表示しない）", min_value=0)
    overdue_notice_threshold = forms.IntegerField(
        label="お知らせを自動表示する期限超過件数（0は自動表示しない）", min_value=0
    )

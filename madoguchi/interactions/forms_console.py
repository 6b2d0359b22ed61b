"""Console forms of the interactions context: typed input only; rules stay in services.

Every text field refuses My Number and card numbers (``GuardedForm``, CON-8), and a
refusal is a field error: everything else typed stays in the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import User
from madoguchi.console.forms import PageForm
from madoguchi.interactions.models import (
    DESK_OUTCOMES,
    CallbackResult,
    Category,
    Channel,
    EscalationStatus,
    InteractionKind,
    Outcome,
)
from madoguchi.tenancy.models import Center, Department, Language


def _empty(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class _CenterChoices:
    """Narrow category and department choices to the center the user is working in."""

    def _narrow(self, form: forms.Form, center: Center | None) -> None:
        if "category" in form.fields:
            field = form.fields["category"]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing)
            field.queryset = Category.objects.filter(center=center, is_active=True).order_by(
                "order", "name"
            )
        if "department" in form.fields:
            field = form.fields["department"]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing)
            field.queryset = Department.objects.filter(center=center).order_by("name")


class ContactForm(_CenterChoices, PageForm):
    """The desk's record form (CON-1): one contact, its outcome and follow-ups."""

    id_prefix = "desk"

    channel = forms.ChoiceField(label=_("チャネル"), choices=Channel.choices)
    call = forms.CharField(required=False, widget=forms.HiddenInput)
    dialed_number = forms.CharField(label=_("着信番号"), max_length=30, required=False)
    caller_number = forms.CharField(label=_("発信者番号"), max_length=30, required=False)
    kind = forms.ChoiceField(
        label=_("種別"), choices=InteractionKind.choices, initial=InteractionKind.INQUIRY
    )
    category = forms.ModelChoiceField(
        label=_("分類"), queryset=Category.objects.none(), required=False
    )
    summary = forms.CharField(
        label=_("問合せ内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(
        label=_("回答内容"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    faq_ids = forms.CharField(
        label=_("使用したFAQ（ID、複数はカンマ区切り）"), max_length=200, required=False
    )
    outcome = forms.ChoiceField(label=_("結果"), choices=DESK_OUTCOMES, initial=Outcome.COMPLETED)
    department = forms.ModelChoiceField(
        label=_("所管課（取次ぎ・エスカレーション）"),
        queryset=Department.objects.none(),
        required=False,
    )
    escalation_days = forms.IntegerField(
        label=_("二次対応の回答期限（所管課の営業日数）"),
        min_value=1,
        max_value=30,
        initial=3,
        required=False,
    )
    escalation_email = forms.EmailField(label=_("所管課の連絡先メール"), required=False)
    callback = forms.BooleanField(label=_("折り返しを依頼する"), required=False)
    callback_number = forms.CharField(
        label=_("折り返し先（空欄: 発信者番号）"), max_length=30, required=False
    )
    callback_preferred_time = forms.CharField(
        label=_("折り返し希望時間帯"), max_length=100, required=False
    )
    language = forms.ChoiceField(label=_("言語"), choices=Language.choices, initial="ja")

    def __init__(self, *args: Any, center: Center | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._narrow(self, center)
        self.fields["summary"].widget.attrs["accesskey"] = "s"

    def faq_id_list(self) -> list[str]:
        raw = self.cleaned_data.get("faq_ids") or ""
        return [part.strip() for part in raw.replace("、", ",").split(",") if part.strip()]


class InteractionEditForm(_CenterChoices, PageForm):
    id_prefix = "edit"

    kind = forms.ChoiceField(label=_("種別"), choices=InteractionKind.choices)
    category = forms.ModelChoiceField(
        label=_("分類"), queryset=Category.objects.none(), required=False
    )
    summary = forms.CharField(
        label=_("問合せ内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(
        label=_("回答内容"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    faq_ids = forms.CharField(label=_("使用したFAQ（ID）"), max_length=200, required=False)
    outcome = forms.ChoiceField(label=_("結果"), choices=Outcome.choices)
    department = forms.ModelChoiceField(
        label=_("所管課"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args: Any, center: Center | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._narrow(self, center)

    def faq_id_list(self) -> list[str]:
        raw = self.cleaned_data.get("faq_ids") or ""
        return [part.strip() for part in raw.replace("、", ",").split(",") if part.strip()]


class SearchForm(_CenterChoices, forms.Form):
    """CON-6: every condition at once; empty means "any"."""

    since = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    center = forms.ModelChoiceField(
        label=_("センター"), queryset=Center.objects.none(), required=False
    )
    channel = forms.ChoiceField(label=_("チャネル"), required=False)
    category = forms.ModelChoiceField(
        label=_("分類"), queryset=Category.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("種別"), required=False)
    outcome = forms.ChoiceField(label=_("結果"), required=False)
    operator = forms.ModelChoiceField(
        label=_("対応者"), queryset=User.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("所管課"), queryset=Department.objects.none(), required=False
    )
    text = forms.CharField(label=_("キーワード"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        centers: list[Center] | None = None,
        center: Center | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in centers or []]
        for name, choices in (
            ("channel", Channel.choices),
            ("kind", InteractionKind.choices),
            ("outcome", Outcome.choices),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101  (narrowing)
            field.choices = _empty(_("すべて")) + list(choices)
        center_field = self.fields["center"]
        assert isinstance(center_field, forms.ModelChoiceField)  # noqa: S101
        center_field.queryset = Center.objects.filter(pk__in=ids).order_by("slug")
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # noqa: S101
        category.queryset = Category.objects.filter(center_id__in=ids).order_by(
            "center", "order", "name"
        )
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)  # noqa: S101
        department.queryset = Department.objects.filter(center_id__in=ids).order_by(
            "center", "name"
        )
        operator = self.fields["operator"]
        assert isinstance(operator, forms.ModelChoiceField)  # noqa: S101
        operator.queryset = (
            User.objects.filter(memberships__center_id__in=ids).distinct().order_by("username")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("終了日は開始日以降にしてください。"))
        return data


class CategoryForm(PageForm):
    id_prefix = "category"

    name = forms.CharField(label=_("名称"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("上位分類"), queryset=Category.objects.none(), required=False
    )
    order = forms.IntegerField(label=_("表示順（空欄: 最後）"), min_value=0, required=False)

    def __init__(self, *args: Any, center: Center | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)  # noqa: S101
        parent.queryset = Category.objects.filter(center=center).order_by("order", "name")


class CategoryChangeForm(PageForm):
    id_prefix = "change"

    name = forms.CharField(label=_("名称"), max_length=100)
    order = forms.IntegerField(label=_("表示順"), min_value=0)
    is_active = forms.BooleanField(label=_("使用中"), required=False)


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), required=False)
    department = forms.ModelChoiceField(
        label=_("担当課"), queryset=Department.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("期限超過のみ"), required=False)

    def __init__(self, *args: Any, center: Center | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)  # noqa: S101
        status.choices = _empty(_("すべて")) + list(EscalationStatus.choices)
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)  # noqa: S101
        department.queryset = Department.objects.filter(center=center).order_by("name")


class EscalationReportForm(PageForm):
    id_prefix = "report"

    report = forms.CharField(
        label=_("対応結果（完了報告）"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CallbackAttemptForm(PageForm):
    id_prefix = "attempt"

    result = forms.ChoiceField(label=_("結果"), choices=CallbackResult.choices)
    note = forms.CharField(label=_("メモ"), max_length=200, required=False)


class VoicemailCallbackForm(PageForm):
    id_prefix = "voicemail"

    preferred_time = forms.CharField(label=_("希望時間帯"), max_length=100, required=False)

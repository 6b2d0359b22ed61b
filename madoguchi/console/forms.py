"""Console forms: parse and validate typed input; business rules stay in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Role, User
from madoguchi.accounts.selectors import user_totp_device
from madoguchi.audit.registry import all_actions
from madoguchi.errors import DomainError
from madoguchi.pii import refuse_special_care_numbers
from madoguchi.tenancy.models import Department, ExceptionKind, NumberKind

TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H%M"]


def keep_error(form: forms.Form, exc: DomainError) -> None:
    """Show a context's error on the field it names (or the form), keeping the input."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


class LoginForm(forms.Form):
    """ID and password; the authenticator code is required once a device is set up."""

    username = forms.CharField(label=_("ログインID"), max_length=150)
    password = forms.CharField(label=_("パスワード"), strip=False, widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=_("確認コード（二段階認証を設定した方）"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            # Never say which of the two was wrong.
            raise forms.ValidationError(_("ログインIDまたはパスワードが正しくありません。"))
        device = user_totp_device(user=user)
        if device is not None:
            token = (data.get("otp_token") or "").replace(" ", "")
            if not token:
                raise forms.ValidationError(_("確認コードを入力してください。"))
            allowed, _info = device.verify_is_allowed()
            if not allowed:
                raise forms.ValidationError(
                    _("確認コードの誤りが続いたため、少し待ってから入力してください。")
                )
            if not token.isdigit() or not device.verify_token(token):
                raise forms.ValidationError(_("確認コードが正しくありません。"))
            self.otp_device = device
        self.user = user
        return data


class GuardedForm(forms.Form):
    """A form whose free-text fields refuse My Number and card numbers (CON-8).

    Every text field gets the validator, except passwords and one-time codes; the
    refusal is a field error, so the rest of what was typed stays in the form.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.PasswordInput
            ):
                field.validators.append(refuse_special_care_numbers)


class PageForm(GuardedForm):
    """A form sharing its page with others: field ids carry ``id_prefix`` so they stay
    unique (and labels, error descriptions and axe checks keep working)."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class InboundNumberForm(PageForm):
    id_prefix = "number"

    number = forms.CharField(label=_("電話番号"), max_length=30)
    kind = forms.ChoiceField(label=_("種別"), choices=NumberKind.choices)
    label = forms.CharField(label=_("名称"), max_length=100, required=False)


class CalendarExceptionForm(PageForm):
    id_prefix = "exception"

    date = forms.DateField(label=_("日付"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("種別"), choices=ExceptionKind.choices)
    opens = forms.TimeField(
        label=_("開始"),
        required=False,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    closes = forms.TimeField(
        label=_("終了"),
        required=False,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    reason = forms.CharField(label=_("理由"), max_length=200, required=False)


class DepartmentForm(PageForm):
    id_prefix = "department"

    name = forms.CharField(label=_("名称"), max_length=120)
    extension = forms.CharField(label=_("内線番号"), max_length=10, required=False)
    external_number = forms.CharField(label=_("外線番号"), max_length=30, required=False)
    address = forms.CharField(label=_("所在地"), max_length=200, required=False)
    parent = forms.ModelChoiceField(
        label=_("上位組織"), queryset=Department.objects.none(), required=False
    )
    is_contact_point = forms.BooleanField(label=_("センターとの連絡窓口"), required=False)

    def __init__(self, *args: Any, center: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if center is not None:
            parent = self.fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)  # noqa: S101  (narrowing)
            parent.queryset = Department.objects.filter(center=center).order_by("name")


class AuditSearchForm(forms.Form):
    since = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(label=_("操作者"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("操作"), required=False)
    obj = forms.CharField(label=_("対象"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)  # noqa: S101  (narrowing)
        action.choices = [("", _("すべて"))] + [
            (a.code, f"{a.label}（{a.code}）") for a in all_actions()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("終了日は開始日以降にしてください。"))
        return data


class TotpConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("認証アプリに表示された6桁のコード"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class StaffAddForm(GuardedForm):
    username = forms.CharField(label=_("ログインID"), max_length=150)
    display_name = forms.CharField(label=_("表示名"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("役割"), choices=[])
    password = forms.CharField(
        label=_("初期パスワード（12文字以上）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)  # noqa: S101  (narrowing)
        role.choices = [(r.value, r.label) for r in Role if r != Role.SYSADMIN]


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("付与する役割"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)  # noqa: S101  (narrowing)
        role.choices = [(r.value, r.label) for r in Role if r != Role.SYSADMIN]

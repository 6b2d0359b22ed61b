"""Console forms of the reservations screens (Japanese only; GuardedForm refuses My
Number and card numbers in every text field, CON-8)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.console.forms import PageForm
from madoguchi.reservations.models import Service, Slot, Venue

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonFindForm(PageForm):
    id_prefix = "find"
    coupon_number = forms.CharField(label=_("接種券番号"), max_length=40)
    birth_date = forms.DateField(label=_("生年月日"), widget=DATE_INPUT)


class BookForm(PageForm):
    """The operator's booking for a caller; ``key`` is the idempotency key."""

    id_prefix = "book"
    slot = forms.ModelChoiceField(label=_("枠"), queryset=Slot.objects.none())
    dose = forms.TypedChoiceField(label=_("回"), coerce=int, choices=[(1, "1回目")])
    phone = forms.CharField(label=_("連絡先電話番号"), max_length=30, required=False)
    email = forms.EmailField(label=_("確認メールの送信先"), required=False)
    language = forms.ChoiceField(
        label=_("言語"),
        choices=[("ja", "日本語"), ("en", "英語"), ("zh-hans", "中国語"), ("ko", "韓国語")],
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, slots: Any = None, doses: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots if slots is not None else Slot.objects.none()  # type: ignore[attr-defined]
        self.fields["slot"].label_from_instance = _slot_label  # type: ignore[attr-defined]
        self.fields["slot"].widget = forms.RadioSelect()
        self.fields["slot"].widget.choices = self.fields["slot"].choices  # type: ignore[attr-defined]
        self.fields["dose"].choices = [(n, f"{n}回目") for n in range(1, doses + 1)]  # type: ignore[attr-defined]


def _slot_label(slot: Slot) -> str:
    from madoguchi.tenancy.calendars import TOKYO

    starts = slot.starts_at.astimezone(TOKYO)
    return (
        f"{starts:%m/%d %H:%M}〜{slot.ends_at.astimezone(TOKYO):%H:%M} {slot.venue.name}"
        f"（残り{slot.available}／定員{slot.capacity}）"
    )


class ChangeForm(PageForm):
    id_prefix = "change"
    slot = forms.ModelChoiceField(label=_("変更先の枠"), queryset=Slot.objects.none())
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, slots: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots if slots is not None else Slot.objects.none()  # type: ignore[attr-defined]
        self.fields["slot"].label_from_instance = _slot_label  # type: ignore[attr-defined]


class ProxyEntryForm(PageForm):
    """RSV-12: a booking made for the caller in the city's outside system."""

    id_prefix = "proxy"
    system = forms.CharField(label=_("予約システム名"), max_length=100)
    reference = forms.CharField(label=_("先方の予約番号"), max_length=60)
    summary = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))


class VenueForm(PageForm):
    id_prefix = "venue"
    name = forms.CharField(label=_("会場名"), max_length=120)
    name_en = forms.CharField(label=_("会場名（英語）"), max_length=120, required=False)
    address = forms.CharField(label=_("所在地"), max_length=200, required=False)
    list_email = forms.EmailField(label=_("名簿の送付先メール"), required=False)


class SlotsGenerateForm(PageForm):
    id_prefix = "slots"
    service = forms.ModelChoiceField(label=_("サービス"), queryset=Service.objects.none())
    venue = forms.ModelChoiceField(label=_("会場"), queryset=Venue.objects.none())
    day = forms.DateField(label=_("日付"), widget=DATE_INPUT)
    first = forms.TimeField(
        label=_("最初の枠の開始"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    last = forms.TimeField(
        label=_("最後の枠の開始"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    minutes = forms.IntegerField(label=_("枠の長さ（分）"), min_value=5, initial=30)
    capacity = forms.IntegerField(label=_("定員"), min_value=1)
    web_capacity = forms.IntegerField(
        label=_("Web・LINE枠（空欄は定員と同じ）"), min_value=0, required=False
    )

    def __init__(self, *args: Any, center: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(center=center)  # type: ignore[attr-defined]
        self.fields["venue"].queryset = Venue.objects.filter(center=center, is_active=True)  # type: ignore[attr-defined]


class SlotEditForm(PageForm):
    id_prefix = "slot"
    capacity = forms.IntegerField(label=_("定員"), min_value=1)
    web_capacity = forms.IntegerField(label=_("Web・LINE枠"), min_value=0)
    is_active = forms.BooleanField(label=_("公開"), required=False)


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("名簿CSV（接種券番号・生年月日・対象・備考）"))
    dry_run = forms.BooleanField(label=_("確認のみ（取り込まない）"), required=False)

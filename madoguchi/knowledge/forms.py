"""Console forms of the FAQ screens: parse typed input; the rules stay in services."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.console.forms import GuardedForm, PageForm
from madoguchi.knowledge.content import LANGUAGES, FaqContent, TextInput
from madoguchi.knowledge.models import Axis, Category, Faq, FaqStatus
from madoguchi.pii import refuse_special_care_numbers
from madoguchi.tenancy.models import Center, Department

LANGUAGE_LABELS = {"ja": "日本語", "en": "英語", "zh-hans": "中国語（簡体字）", "ko": "韓国語"}
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _field_key(lang: str, part: str) -> str:
    return f"{part}_{lang.replace('-', '_')}"


class CategoryChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{Axis(obj.axis).label}: {obj.name}"


class FaqForm(GuardedForm):
    """Every editable field of an FAQ, all languages on one page (FAQ-1, FAQ-7)."""

    code = forms.CharField(
        label=_("FAQ-ID"),
        max_length=30,
        help_text=_("半角英数字と - _ . 。作成後は変更できません。"),
    )
    department = forms.ModelChoiceField(
        label=_("所管課"), queryset=Department.objects.none(), required=False
    )
    categories = CategoryChoiceField(
        label=_("分類"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    related = forms.CharField(
        label=_("関連FAQ（FAQ-IDを空白・カンマ区切り）"), required=False, max_length=500
    )
    links = forms.CharField(
        label=_("関連URL（1行に1件「URL 表示名」）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_public = forms.BooleanField(label=_("公開サイトに掲載する"), required=False, initial=True)
    publish_start = forms.DateTimeField(label=_("公開開始"), required=False, widget=DATETIME_WIDGET)
    publish_end = forms.DateTimeField(label=_("公開終了"), required=False, widget=DATETIME_WIDGET)
    review_due = forms.DateField(label=_("次回見直し期限"), required=False, widget=DATE_WIDGET)
    comment = forms.CharField(label=_("変更内容（履歴に残ります）"), required=False, max_length=300)

    def __init__(self, *args: Any, center: Center, faq: Faq | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.center = center
        self.faq = faq
        dept_field = self.fields["department"]
        assert isinstance(dept_field, forms.ModelChoiceField)  # noqa: S101
        dept_field.queryset = Department.objects.filter(center=center).order_by("name")
        cat_field = self.fields["categories"]
        assert isinstance(cat_field, forms.ModelMultipleChoiceField)  # noqa: S101
        cat_field.queryset = Category.objects.filter(center=center, is_active=True).order_by(
            "axis", "order", "name"
        )
        for lang in LANGUAGES:
            label = LANGUAGE_LABELS[lang]
            required = lang == "ja"
            self.fields[_field_key(lang, "question")] = forms.CharField(
                label=f"質問（{label}）",
                required=required,
                widget=forms.Textarea(attrs={"rows": 2, "lang": lang}),
            )
            self.fields[_field_key(lang, "answer")] = forms.CharField(
                label=f"回答（{label}）",
                required=required,
                widget=forms.Textarea(attrs={"rows": 6, "lang": lang}),
            )
            self.fields[_field_key(lang, "keywords")] = forms.CharField(
                label=f"検索キーワード・言い換え（{label}、改行区切り）",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "lang": lang}),
            )
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                if refuse_special_care_numbers not in field.validators:
                    field.validators.append(refuse_special_care_numbers)
        if faq is not None:
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    @classmethod
    def initial_for(cls, faq: Faq) -> dict[str, Any]:
        texts = {t.language: t for t in faq.texts.all()}
        initial: dict[str, Any] = {
            "code": faq.code,
            "department": faq.department_id,
            "categories": list(faq.categories.all()),
            "related": " ".join(r.code for r in faq.related.order_by("code")),
            "links": "\n".join(f"{link.url} {link.title}".strip() for link in faq.links.all()),
            "is_public": faq.is_public,
            "publish_start": faq.publish_start and timezone.localtime(faq.publish_start),
            "publish_end": faq.publish_end and timezone.localtime(faq.publish_end),
            "review_due": faq.review_due,
        }
        for lang, text in texts.items():
            initial[_field_key(lang, "question")] = text.question
            initial[_field_key(lang, "answer")] = text.answer
            initial[_field_key(lang, "keywords")] = text.keywords
        return initial

    def language_fields(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(lang, label, [question, answer, keywords]) for the template."""
        return [
            (
                lang,
                LANGUAGE_LABELS[lang],
                [self[_field_key(lang, part)] for part in ("question", "answer", "keywords")],
            )
            for lang in LANGUAGES
        ]

    def clean_related(self) -> list[Faq]:
        codes = [c for c in re.split(r"[\s,、，]+", self.cleaned_data["related"] or "") if c]
        found = {f.code: f for f in Faq.objects.filter(center=self.center, code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(
                _("FAQ-ID %(codes)s は見つかりません。") % {"codes": "、".join(missing)}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def clean_links(self) -> list[tuple[str, str]]:
        links = []
        for line in (self.cleaned_data["links"] or "").splitlines():
            if line.strip():
                url, _sep, title = line.strip().partition(" ")
                links.append((url, title.strip()))
        return links

    def content(self) -> FaqContent:
        data = self.cleaned_data
        return FaqContent(
            texts={
                lang: TextInput(
                    data.get(_field_key(lang, "question"), "") or "",
                    data.get(_field_key(lang, "answer"), "") or "",
                    data.get(_field_key(lang, "keywords"), "") or "",
                )
                for lang in LANGUAGES
            },
            department=data.get("department"),
            categories=list(data.get("categories") or []),
            related=data.get("related") or [],
            links=data.get("links") or [],
            is_public=bool(data.get("is_public")),
            publish_start=data.get("publish_start"),
            publish_end=data.get("publish_end"),
            review_due=data.get("review_due"),
        )


def service_field(field: str | None) -> str | None:
    """Form field of a service error field (services use ``question_zh-hans``)."""
    if field is None:
        return None
    return field.replace("-", "_")


class FaqFilterForm(forms.Form):
    q = forms.CharField(label=_("FAQ-ID・質問・キーワード"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状態"), required=False, choices=[("", _("すべて")), *FaqStatus.choices]
    )
    category = forms.ModelChoiceField(
        label=_("分類"), queryset=Category.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("所管課"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # noqa: S101
        category.queryset = Category.objects.filter(center=center, is_active=True)
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)  # noqa: S101
        department.queryset = Department.objects.filter(center=center)


class AttachmentForm(PageForm):
    id_prefix = "attachment"
    attachment = forms.FileField(label=_("添付ファイル（PDF・画像・Office、10MBまで）"))
    title = forms.CharField(label=_("表示名"), required=False, max_length=200)


class DecisionForm(PageForm):
    id_prefix = "decision"
    comment = forms.CharField(
        label=_("コメント（差戻しの場合は理由）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SynonymForm(PageForm):
    id_prefix = "synonym"
    term = forms.CharField(label=_("語（市民が使う言い方）"), max_length=100)
    alternatives = forms.CharField(
        label=_("言い換え（FAQで使う言い方、カンマ・改行区切り）"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_alternatives(self) -> list[str]:
        return [a for a in re.split(r"[,、，\n]+", self.cleaned_data["alternatives"]) if a.strip()]


class ImportForm(PageForm):
    id_prefix = "import"
    file = forms.FileField(label=_("CSVまたはExcelファイル"))


class CategoryForm(PageForm):
    id_prefix = "category"
    axis = forms.ChoiceField(label=_("分類軸"), choices=Axis.choices)
    slug = forms.SlugField(label=_("識別子（半角英小文字）"), max_length=60)
    name = forms.CharField(label=_("名称"), max_length=100)
    name_en = forms.CharField(label=_("名称（英語）"), max_length=100, required=False)
    name_zh_hans = forms.CharField(label=_("名称（中国語）"), max_length=100, required=False)
    name_ko = forms.CharField(label=_("名称（韓国語）"), max_length=100, required=False)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())

"""Read API of the FAQ base (FAQ-9), for chatbots and the city's website.

Read-only and public: published FAQs with the public flag inside their window, exactly
what the public FAQ site shows; no personal data, no drafts, no internal FAQs. The
center is chosen by its slug. Errors are JSON: ``{"detail": "..."}`` with 400 (bad
parameter), 404 (unknown center or FAQ) or 422 (malformed request). Searches through
the API count in the center's weekly zero-hit report like searches on the public site.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from madoguchi.knowledge import selectors
from madoguchi.knowledge.models import Category, Faq, SearchChannel
from madoguchi.tenancy.models import Center

router = Router(tags=["FAQ"])

Lang = Literal["ja", "en", "zh-hans", "ko"]


class CategoryOut(Schema):
    axis: str = Field(description="district / life_event / department / keyword")
    slug: str
    name: str
    parent: str | None = Field(None, description="slug of the parent category")


class FaqSummaryOut(Schema):
    code: str = Field(description="FAQ-ID, stable within the center")
    language: str
    question: str
    answer: str
    categories: list[str] = Field(description="axis:slug")
    updated_at: datetime
    url: str | None = Field(None, description="page of the FAQ on the public site")


class FaqListOut(Schema):
    count: int
    items: list[FaqSummaryOut]


class LinkOut(Schema):
    url: str
    title: str


class RelatedOut(Schema):
    code: str
    question: str


class FaqDetailOut(FaqSummaryOut):
    keywords: str
    department: str | None
    links: list[LinkOut]
    related: list[RelatedOut]


class SearchHitOut(Schema):
    code: str
    question: str
    answer: str
    score: float
    strict: bool = Field(description="a query word is in the question or its keywords")


class SearchOut(Schema):
    query: str
    mode: str = Field(description="lexical or hybrid (with the embedding model)")
    strict_hit: bool
    hits: list[SearchHitOut]


class SuggestOut(Schema):
    terms: list[str]
    questions: list[RelatedOut]
    top: list[RelatedOut]


class ErrorOut(Schema):
    detail: str


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 404: ErrorOut}


def _center(slug: str) -> Center:
    center = Center.objects.filter(slug=slug, is_active=True).first()
    if center is None:
        raise HttpError(404, "center not found")
    return center


def _faq_url(slug: str, code: str, lang: str) -> str | None:
    """Path of the FAQ's page on the public site in ``lang`` (None until that page exists)."""
    try:
        with translation.override(lang):
            return reverse("knowledge_public:faq", kwargs={"center_slug": slug, "code": code})
    except NoReverseMatch:
        return None


def _summary(faq: Faq, lang: str, slug: str) -> FaqSummaryOut:
    text = selectors.text_in(faq, lang)
    assert text is not None  # noqa: S101 - the queryset keeps FAQs with a text in lang
    return FaqSummaryOut(
        code=faq.code,
        language=text.language,
        question=text.question,
        answer=text.answer,
        categories=sorted(f"{c.axis}:{c.slug}" for c in faq.categories.all()),
        updated_at=faq.updated_at,
        url=_faq_url(slug, faq.code, lang),
    )


class ListParams(Schema):
    lang: Lang = "ja"
    category: str | None = Field(None, description="axis:slug")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


@router.get("/centers/{slug}/faqs", response={200: FaqListOut, **ERRORS})
def faq_list(request: HttpRequest, slug: str, params: Query[ListParams]) -> FaqListOut:
    """Published FAQs with a text in ``lang``, ordered by FAQ-ID."""
    center = _center(slug)
    category = None
    if params.category:
        axis, _sep, cat_slug = params.category.partition(":")
        category = Category.objects.filter(
            center=center, axis=axis, slug=cat_slug, is_active=True
        ).first()
        if category is None:
            raise HttpError(404, "category not found")
    qs = selectors.published_faqs(center=center, language=params.lang, category=category)
    items = list(qs[params.offset : params.offset + params.limit])
    return FaqListOut(count=qs.count(), items=[_summary(f, params.lang, slug) for f in items])


@router.get("/centers/{slug}/faqs/{code}", response={200: FaqDetailOut, **ERRORS})
def faq_detail(request: HttpRequest, slug: str, code: str, lang: Lang = "ja") -> FaqDetailOut:
    """One FAQ; without a text in ``lang`` the Japanese text is returned (see ``language``)."""
    faq = selectors.published_faq(center=_center(slug), code=code)
    if faq is None:
        raise HttpError(404, "faq not found")
    summary = _summary(faq, lang, slug)
    text = selectors.text_in(faq, lang)
    related = []
    for other in getattr(faq, "visible_related", []):
        other_text = selectors.text_in(other, lang)
        if other_text is not None:
            related.append(RelatedOut(code=other.code, question=other_text.question))
    return FaqDetailOut(
        **summary.dict(),
        keywords=text.keywords if text else "",
        department=faq.department.name if faq.department else None,
        links=[LinkOut(url=link.url, title=link.title) for link in faq.links.all()],
        related=related,
    )


@router.get("/centers/{slug}/categories", response={200: list[CategoryOut], **ERRORS})
def category_list(request: HttpRequest, slug: str, lang: Lang = "ja") -> list[CategoryOut]:
    """Active categories on every axis, named in ``lang`` (Japanese when untranslated)."""
    rows = selectors.categories(center=_center(slug)).select_related("parent")
    return [
        CategoryOut(
            axis=c.axis,
            slug=c.slug,
            name=c.name_in(lang),
            parent=c.parent.slug if c.parent else None,
        )
        for c in rows
    ]


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=200)
    lang: Lang = "ja"
    limit: int = Field(10, ge=1, le=50)


class SuggestParams(Schema):
    q: str = Field(..., min_length=1, max_length=100)
    lang: Lang = "ja"


@router.get("/centers/{slug}/search", response={200: SearchOut, **ERRORS})
def search(request: HttpRequest, slug: str, params: Query[SearchParams]) -> SearchOut:
    """Ranked published FAQs for a natural-language query."""
    result = selectors.faq_search(
        center=_center(slug),
        language=params.lang,
        query=params.q,
        channel=SearchChannel.PUBLIC,
        limit=params.limit,
    )
    return SearchOut(
        query=result.query,
        mode=result.mode,
        strict_hit=result.strict_hit,
        hits=[
            SearchHitOut(
                code=h.faq.code,
                question=h.question,
                answer=h.answer,
                score=h.score,
                strict=h.strict,
            )
            for h in result.hits
        ],
    )


@router.get("/centers/{slug}/suggest", response={200: SuggestOut, **ERRORS})
def suggest(request: HttpRequest, slug: str, params: Query[SuggestParams]) -> SuggestOut:
    """Terms and FAQ questions for what was typed so far (surface or reading), and the
    top three FAQs."""
    found = selectors.faq_suggest(center=_center(slug), language=params.lang, prefix=params.q)
    return SuggestOut(
        terms=found.terms,
        questions=[RelatedOut(code=h.faq.code, question=h.question) for h in found.questions],
        top=[RelatedOut(code=h.faq.code, question=h.question) for h in found.top],
    )

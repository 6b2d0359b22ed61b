"""Citizen pages of the FAQ (FAQ-5, FAQ-7): browse, search, suggest, FAQ page, vote,
weekly ranking and statistics, in the page language with a Japanese fallback.

Thin: parse input with a form, read through ``selectors_public`` (and the knowledge
selectors for search), write through ``services_public``. Bad input gets a message in
the page language; an unknown center, category or FAQ gets the friendly 404.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from madoguchi.knowledge import selectors_public as sel
from madoguchi.knowledge import services_public
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.forms_public import SearchForm, VoteForm
from madoguchi.knowledge.models import Axis, Faq, ViewChannel
from madoguchi.tenancy.models import Center

RANKING_SIZE = 10
STATISTICS_SIZE = 20


def page_language() -> str:
    return get_language() or "ja"


def session_key(request: HttpRequest) -> str:
    """This browser's session key, creating the session on first need (anonymous too)."""
    if request.session.session_key is None:
        request.session["faq_visitor"] = True
        request.session.save()
    return request.session.session_key or ""


def _center(center_slug: str | None) -> Center:
    if center_slug is None:
        center = sel.default_faq_center()
    else:
        center = Center.objects.filter(slug=center_slug).first()
    if center is None:
        raise Http404
    return center


def shown(faq: Faq, language: str, center: Center) -> dict[str, Any]:
    """What a list or link shows of an FAQ of ``center``: its URL and question in the
    page language (the center is passed in: one query less per FAQ)."""
    text = sel.text_in(faq, language)
    return {
        "faq": faq,
        "url": reverse("knowledge_public:faq", args=[center.slug, faq.code]),
        "question": text.question,
        "lang": text.language,
        "fallback": text.fallback,
    }


def center_name(center: Center, language: str) -> str:
    return center.name_en if language == "en" and center.name_en else center.name


def _common(center: Center) -> dict[str, Any]:
    language = page_language()
    return {
        "center": center,
        "center_name": center_name(center, language),
        "search_form": SearchForm(),
        "language": language,
    }


@require_GET
def index(request: HttpRequest, center_slug: str | None = None) -> HttpResponse:
    center = _center(center_slug)
    language = page_language()
    axes = [
        {
            "axis": axis,
            "label": Axis(axis).label,
            "categories": [
                {"category": c, "name": c.name_in(language), "count": c.faq_count}
                for c in categories
            ],
        }
        for axis, categories in sel.categories_by_axis(center=center).items()
    ]
    week = sel.latest_ranking_week(center=center)
    ranking = sel.weekly_ranking(center=center, week_start=week, limit=5)
    others = [
        {"center": c, "name": center_name(c, language)}
        for c in sel.faq_centers()
        if c.pk != center.pk
    ]
    return render(
        request,
        "knowledge/public/index.html",
        {
            **_common(center),
            "axes": axes,
            "ranking": [
                {**shown(r.faq, language, center), "rank": r.rank, "views": r.views}
                for r in ranking
            ],
            "week": week,
            "week_end": week + timedelta(days=6),
            "other_centers": others,
        },
    )


@require_GET
def category(request: HttpRequest, center_slug: str, axis: str, slug: str) -> HttpResponse:
    center = _center(center_slug)
    found = sel.public_category(center=center, axis=axis, slug=slug)
    if found is None:
        raise Http404
    language = page_language()
    faqs = [shown(faq, language, center) for faq in sel.category_faqs(category=found)]
    return render(
        request,
        "knowledge/public/category.html",
        {
            **_common(center),
            "category": found,
            "category_name": found.name_in(language),
            "axis_label": Axis(found.axis).label,
            "faqs": faqs,
        },
    )


def _faq_or_404(center_slug: str, code: str) -> Faq:
    faq = sel.public_faq(center_slug=center_slug, code=code)
    if faq is None:
        raise Http404
    return faq


def _render_faq(
    request: HttpRequest, faq: Faq, *, form: VoteForm | None = None, status: int = 200
) -> HttpResponse:
    language = page_language()
    center = faq.center
    key = session_key(request)
    voted = sel.has_voted(faq=faq, session_hash=services_public.session_hash(key))
    related = [shown(r, language, center) for r in sel.related_public_faqs(faq=faq)]
    categories = [
        {"category": c, "name": c.name_in(language), "axis_label": Axis(c.axis).label}
        for c in faq.categories.all()
        if c.is_active
    ]
    return render(
        request,
        "knowledge/public/faq.html",
        {
            **_common(center),
            "faq": faq,
            "text": sel.text_in(faq, language),
            "related": related,
            "categories": categories,
            "links": list(faq.links.all()),
            "attachments": list(faq.attachments.all()),
            "voted": voted,
            "vote_form": form or VoteForm(),
            "feedback": sel.faq_feedback(faq=faq),
        },
        status=status,
    )


@require_GET
def faq_page(request: HttpRequest, center_slug: str, code: str) -> HttpResponse:
    faq = _faq_or_404(center_slug, code)
    channel = ViewChannel.STAFF if request.user.is_authenticated else ViewChannel.PUBLIC
    services_public.faq_view_record(faq=faq, session_key=session_key(request), channel=channel)
    return _render_faq(request, faq)


@require_POST
def vote(request: HttpRequest, center_slug: str, code: str) -> HttpResponse:
    """Post/redirect/get: after a vote the FAQ page shows the thank-you in place of the
    form (it asks whether this session voted), so a reload never votes twice."""
    faq = _faq_or_404(center_slug, code)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _render_faq(request, faq, form=form, status=400)
    try:
        services_public.faq_vote_record(
            faq=faq,
            session_key=session_key(request),
            helpful=form.cleaned_data["helpful"],
            reason=form.cleaned_data["reason"],
            language=page_language(),
        )
    except KnowledgeError as error:
        if error.field == "reason":
            form.add_error("reason", str(error.message))
            return _render_faq(request, faq, form=form, status=400)
        # Already voted: the page shows the thank-you; nothing else to say.
    url = reverse("knowledge_public:faq", args=[faq.center.slug, faq.code])
    return HttpResponseRedirect(f"{url}#feedback")


# Shown in the browser; every other type is offered as a download.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "text/plain"}


@require_GET
def attachment(request: HttpRequest, center_slug: str, code: str, pk: int) -> FileResponse:
    """An attachment of a public FAQ, served by the application (no public media URL):
    what is not attached to an FAQ the public may see now is a 404."""
    faq = _faq_or_404(center_slug, code)
    found = faq.attachments.filter(pk=pk).first()
    if found is None:
        raise Http404
    try:
        handle = found.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle,
        content_type=found.content_type,
        as_attachment=found.content_type not in INLINE_TYPES,
        filename=PurePath(found.file.name or "attachment").name,
    )


# No ranking before this Monday: also keeps "previous week" links away from year 1.
FIRST_WEEK = date(2000, 1, 3)


def _week_param(value: str | None) -> date | None:
    """The Monday of the week of a ``YYYY-MM-DD`` parameter; None when it is not a date."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return max(FIRST_WEEK, day - timedelta(days=day.isoweekday() - 1))


@require_GET
def ranking(request: HttpRequest, center_slug: str) -> HttpResponse:
    center = _center(center_slug)
    language = page_language()
    this_week = sel.week_start_of(timezone.now())
    week = _week_param(request.GET.get("week")) or sel.latest_ranking_week(center=center)
    week = min(week, this_week)
    rows = sel.weekly_ranking(center=center, week_start=week, limit=RANKING_SIZE)
    return render(
        request,
        "knowledge/public/ranking.html",
        {
            **_common(center),
            "ranking": [
                {**shown(r.faq, language, center), "rank": r.rank, "views": r.views} for r in rows
            ],
            "week": week,
            "week_end": week + timedelta(days=6),
            "previous_week": week - timedelta(days=7),
            "next_week": week + timedelta(days=7) if week < this_week else None,
        },
    )


@require_GET
def statistics(request: HttpRequest, center_slug: str) -> HttpResponse:
    center = _center(center_slug)
    language = page_language()
    summary = sel.feedback_statistics(center=center, limit=STATISTICS_SIZE)
    rows = [
        {
            **shown(row.faq, language, center),
            "helpful": row.helpful,
            "total": row.total,
            "rate_percent": f"{row.rate * 100:.0f}",
            "lower_bound_percent": f"{row.lower_bound * 100:.1f}",
        }
        for row in summary.rows
    ]
    return render(
        request,
        "knowledge/public/statistics.html",
        {
            **_common(center),
            "summary": summary,
            "summary_rate": f"{summary.rate * 100:.0f}",
            "rows": rows,
        },
    )


@require_GET
def search(request: HttpRequest, center_slug: str) -> HttpResponse:
    """Results page; works without JavaScript (the form submits here). The query is
    counted for the zero-hit report (masked, no identifiers) by the knowledge selector."""
    center = _center(center_slug)
    language = page_language()
    form = SearchForm(request.GET)
    results: list[dict[str, Any]] | None = None
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    if query:
        found = sel.public_search(center=center, query=query, language=language)
        results = [shown(faq, language, center) for faq in found.faqs]
    return render(
        request,
        "knowledge/public/search.html",
        {**_common(center), "search_form": form, "query": query, "results": results},
        status=200 if form.is_valid() else 400,
    )


@require_GET
def suggest(request: HttpRequest, center_slug: str) -> JsonResponse:
    """JSON for the as-you-type list: terms, matching FAQ questions, top three FAQs.

    Anything odd (too long, control characters, unknown center) gives empty lists: the
    list is a convenience, and the search form still works without it.
    """
    empty: dict[str, list[Any]] = {"terms": [], "questions": [], "top": []}
    center = Center.objects.filter(slug=center_slug).first()
    form = SearchForm(request.GET)
    if center is None or not form.is_valid() or not form.cleaned_data["q"].strip():
        return JsonResponse(empty)
    language = page_language()
    found = sel.public_suggest(center=center, prefix=form.cleaned_data["q"], language=language)

    def item(faq: Faq) -> dict[str, str]:
        data = shown(faq, language, center)
        return {"question": data["question"], "url": data["url"], "lang": data["lang"]}

    return JsonResponse(
        {
            "terms": found.terms,
            "questions": [item(faq) for faq in found.questions],
            "top": [item(faq) for faq in found.top],
        }
    )

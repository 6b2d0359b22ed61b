"""Reads of the public FAQ site: weekly access ranking and helpfulness statistics.

Weeks are ISO weeks (Monday to Sunday) in Asia/Tokyo, stored as their Monday: a view at
Sunday 23:59 JST belongs to the week that is ending, one at Monday 00:00 JST to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from madoguchi.knowledge.models import (
    Axis,
    Category,
    Faq,
    FaqStatus,
    FaqView,
    FaqVote,
    Synonym,
    ViewChannel,
)
from madoguchi.knowledge.search import (
    AnalyzedTerms,
    Document,
    IndexCache,
    SearchIndex,
    Synonyms,
)
from madoguchi.knowledge.search.index import is_current
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

# 95 % two-sided normal quantile: the usual choice for a "helpful" lower bound.
Z_95 = 1.959963984540054


def week_start_of(at: datetime) -> date:
    """The Monday (Asia/Tokyo) of the ISO week containing the aware instant ``at``."""
    if at.tzinfo is None:
        raise ValueError("week_start_of needs an aware datetime")
    local = at.astimezone(TOKYO).date()
    return local - timedelta(days=local.isoweekday() - 1)


def wilson_lower_bound(helpful: int, total: int, *, z: float = Z_95) -> float:
    """Lower bound of the Wilson score interval for the share of "helpful" votes.

    It ranks by how sure we are that an FAQ helps, not by the raw rate: 1 of 1 gives
    0.207 and 45 of 50 gives 0.786, so one lucky vote does not beat a proven answer.
    0.0 without votes.
    """
    if total <= 0:
        return 0.0
    if not 0 <= helpful <= total:
        raise ValueError("helpful must be between 0 and total")
    p = helpful / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))


# ---------------------------------------------------------------------------------------
# Queries. Everything below shows citizens only what the public may see: published,
# marked public, and inside the publication window at the moment of the request.


def public_faqs(*, center: Center, at: datetime | None = None) -> QuerySet[Faq]:
    """The FAQs of ``center`` a citizen may see at ``at`` (default now), texts loaded."""
    at = at or timezone.now()
    return (
        Faq.objects.filter(center=center, status=FaqStatus.PUBLISHED, is_public=True)
        .filter(Q(publish_start__isnull=True) | Q(publish_start__lte=at))
        .filter(Q(publish_end__isnull=True) | Q(publish_end__gt=at))
        .prefetch_related("texts")
        .order_by("code")
    )


def public_faq(*, center_slug: str, code: str, at: datetime | None = None) -> Faq | None:
    """One public FAQ with what its page shows, or None (the view answers 404)."""
    center = Center.objects.filter(slug=center_slug).first()
    if center is None:
        return None
    return (
        public_faqs(center=center, at=at)
        .select_related("center", "department")
        .prefetch_related("links", "attachments", "categories")
        .filter(code=code)
        .first()
    )


def faq_centers() -> list[Center]:
    """Centers with at least one public FAQ now, the general center first."""
    now = timezone.now()
    centers = list(Center.objects.order_by("kind", "pk"))  # "general" < "specialized"
    return [c for c in centers if public_faqs(center=c, at=now).exists()]


def default_faq_center() -> Center | None:
    """The center whose FAQ the homepage and /faq/ show: the general one when it has FAQs."""
    centers = faq_centers()
    return centers[0] if centers else None


@dataclass(frozen=True)
class ShownText:
    """An FAQ's text in the page language, or the Japanese text with ``fallback`` set
    (the page then says so and marks the text ``lang="ja"``)."""

    question: str
    answer: str
    language: str
    fallback: bool


def text_in(faq: Faq, language: str) -> ShownText:
    """``faq``'s text in ``language``, else Japanese (uses prefetched ``texts``)."""
    texts = {t.language: t for t in faq.texts.all()}
    chosen = texts.get(language)
    if chosen is None or not chosen.question.strip():
        chosen = texts.get("ja") or next(iter(texts.values()), None)
    if chosen is None:
        return ShownText(question=faq.code, answer="", language="ja", fallback=True)
    return ShownText(
        question=chosen.question,
        answer=chosen.answer,
        language=chosen.language,
        fallback=chosen.language != language,
    )


def related_public_faqs(*, faq: Faq, at: datetime | None = None) -> list[Faq]:
    """The related FAQs of ``faq`` that the public may see (others are left out)."""
    related_ids = list(faq.related.values_list("pk", flat=True))
    return list(public_faqs(center=faq.center, at=at).filter(pk__in=related_ids))


def categories_by_axis(*, center: Center, at: datetime | None = None) -> dict[str, list[Any]]:
    """Active categories holding at least one public FAQ, per axis in ``Axis`` order."""
    visible = public_faqs(center=center, at=at).values("pk")
    rows = (
        Category.objects.filter(center=center, is_active=True, faqs__in=visible)
        .annotate(faq_count=Count("faqs", distinct=True))
        .order_by("axis", "order", "name")
    )
    grouped: dict[str, list[Any]] = {axis: [] for axis in Axis.values}
    for category in rows:
        grouped[category.axis].append(category)
    return {axis: items for axis, items in grouped.items() if items}


def public_category(*, center: Center, axis: str, slug: str) -> Category | None:
    return Category.objects.filter(center=center, axis=axis, slug=slug, is_active=True).first()


def category_faqs(*, category: Category, at: datetime | None = None) -> QuerySet[Faq]:
    return public_faqs(center=category.center, at=at).filter(categories=category)


@dataclass(frozen=True)
class RankedFaq:
    rank: int
    faq: Faq
    views: int


def weekly_ranking(
    *,
    center: Center,
    week_start: date,
    channel: str = ViewChannel.PUBLIC,
    limit: int = 10,
    at: datetime | None = None,
) -> list[RankedFaq]:
    """FAQs by distinct-session views in one ISO week on one channel (FAQ-4).

    The public ranking counts public views only; staff views are a separate channel.
    Ties share a rank ("1, 2, 2, 4"), broken for display by FAQ-ID. Only FAQs the public
    may see now are listed.
    """
    visible = public_faqs(center=center, at=at)
    counts = list(
        FaqView.objects.filter(faq__in=visible.values("pk"), week_start=week_start, channel=channel)
        .values("faq")
        .annotate(views=Count("id"))
        .order_by("-views", "faq__code")[:limit]
    )
    faqs = visible.in_bulk([row["faq"] for row in counts])
    ranked: list[RankedFaq] = []
    previous: int | None = None
    for position, row in enumerate(counts, start=1):
        rank = ranked[-1].rank if previous == row["views"] else position
        ranked.append(RankedFaq(rank=rank, faq=faqs[row["faq"]], views=row["views"]))
        previous = row["views"]
    return ranked


def latest_ranking_week(*, center: Center, at: datetime | None = None) -> date:
    """This week if it has public views yet, else last week (Monday mornings)."""
    this_week = week_start_of(at or timezone.now())
    has_views = FaqView.objects.filter(
        faq__center=center, week_start=this_week, channel=ViewChannel.PUBLIC
    ).exists()
    return this_week if has_views else this_week - timedelta(days=7)


@dataclass(frozen=True)
class FaqFeedback:
    faq: Faq
    helpful: int
    total: int

    @property
    def rate(self) -> float:
        return self.helpful / self.total if self.total else 0.0

    @property
    def lower_bound(self) -> float:
        return wilson_lower_bound(self.helpful, self.total)


@dataclass(frozen=True)
class FeedbackSummary:
    helpful: int
    total: int
    rows: list[FaqFeedback]

    @property
    def rate(self) -> float:
        return self.helpful / self.total if self.total else 0.0

    @property
    def lower_bound(self) -> float:
        return wilson_lower_bound(self.helpful, self.total)


def feedback_statistics(
    *, center: Center, limit: int | None = None, at: datetime | None = None
) -> FeedbackSummary:
    """Helpful votes of the center's public FAQs: totals and, per FAQ, the helpful rate
    and its Wilson lower bound, best-supported first (FAQ-5 statistics)."""
    visible = public_faqs(center=center, at=at)
    rows = [
        FaqFeedback(faq=faq, helpful=faq.helpful_votes, total=faq.all_votes)
        for faq in visible.annotate(
            all_votes=Count("votes"),
            helpful_votes=Count("votes", filter=Q(votes__helpful=True)),
        ).filter(all_votes__gt=0)
    ]
    rows.sort(key=lambda r: (-r.lower_bound, -r.total, r.faq.code))
    helpful = sum(r.helpful for r in rows)
    total = sum(r.total for r in rows)
    return FeedbackSummary(helpful=helpful, total=total, rows=rows[:limit] if limit else rows)


def faq_feedback(*, faq: Faq) -> FaqFeedback:
    votes = faq.votes.aggregate(total=Count("id"), helpful=Count("id", filter=Q(helpful=True)))
    return FaqFeedback(faq=faq, helpful=votes["helpful"], total=votes["total"])


def has_voted(*, faq: Faq, session_hash: str) -> bool:
    return FaqVote.objects.filter(faq=faq, session_hash=session_hash).exists()


# ---------------------------------------------------------------------------------------
# Search and suggest for the public site, on the search package (knowledge/search/).
# The index holds only what the public may see, so it is cached apart from the staff
# index (an internal FAQ must never surface through a public suggestion).

_public_indexes = IndexCache(max_entries=16)


@dataclass(frozen=True)
class PublicSearch:
    faqs: list[Faq]
    normalized_query: str
    strict_hit: bool


@dataclass(frozen=True)
class PublicSuggestions:
    terms: list[str]
    questions: list[Faq]
    top: list[Faq]


def _synonyms(center: Center) -> Synonyms:
    rows = Synonym.objects.filter(center=center, is_active=True).values_list("term", "alternatives")
    own = [[term, *alternatives] for term, alternatives in rows]
    return Synonyms([*Synonyms.default().groups, *own])


def _document(faq: Faq, language: str) -> Document | None:
    """What the index holds of one FAQ for a page language.

    Japanese page: the Japanese text. Other pages: the translation, with the Japanese
    question as extra keywords and the Japanese answer after the translated one, so a
    visitor on the English page who types 住民票 still finds it; without a translation,
    the Japanese text. Stored analyses are reused (merged) when current.
    """
    texts = {t.language: t for t in faq.texts.all()}
    ja = texts.get("ja")
    own = texts.get(language) if language != "ja" else None
    if own is None or not own.question.strip():
        own, ja = ja, None
    if own is None:
        return None
    embedding = bytes(own.embedding) if own.embedding else None
    if ja is None:
        return Document(
            key=faq.pk,
            question=own.question,
            answer=own.answer,
            keywords=own.keywords,
            terms=own.terms or None,
            embedding=embedding,
        )
    terms: AnalyzedTerms | None = None
    if is_current(own.terms) and is_current(ja.terms):
        mine, base = own.terms, ja.terms
        terms = AnalyzedTerms(
            v=mine["v"],
            question=mine["question"],
            answer=mine["answer"] + base["answer"],
            keywords=mine["keywords"] + base["question"] + base["keywords"],
            reading=mine["reading"],
            vocab=mine["vocab"] + base["vocab"],
        )
    return Document(
        key=faq.pk,
        question=own.question,
        answer=f"{own.answer}\n{ja.answer}",
        keywords=f"{own.keywords}\n{ja.question}\n{ja.keywords}",
        terms=terms,
        embedding=embedding,
    )


def _public_index(center: Center, language: str, at: datetime) -> tuple[SearchIndex, list[Faq]]:
    """The index of the public FAQs in ``language`` (Japanese text where a translation is
    missing), rebuilt only when what the public sees or the dictionary changed."""
    visible = public_faqs(center=center, at=at)
    ids = tuple(visible.values_list("pk", flat=True))
    stamp = (
        ids,
        visible.aggregate(latest=Max("texts__updated_at"))["latest"],
        Synonym.objects.filter(center=center).aggregate(latest=Max("updated_at"), n=Count("pk"))[
            "latest"
        ],
    )
    faqs = {faq.pk: faq for faq in visible}

    def load() -> SearchIndex:
        documents = [
            document
            for document in (_document(faq, language) for faq in faqs.values())
            if document is not None
        ]
        return SearchIndex.build(documents, synonyms=_synonyms(center))

    index = _public_indexes.get(center_id=center.pk, language=language, stamp=stamp, loader=load)
    return index, list(faqs.values())


def public_search(
    *, center: Center, query: str, language: str, limit: int = 20, at: datetime | None = None
) -> PublicSearch:
    """Public FAQs for ``query`` best first, through the product's search path (lexical
    while a query vector is not at hand: the model is never run on a citizen's request
    unless installed, see knowledge/search)."""
    at = at or timezone.now()
    index, faqs = _public_index(center, language, at)
    by_id = {faq.pk: faq for faq in faqs}
    result = index.search(query, limit=limit)
    found = [by_id[hit.key] for hit in result.hits if hit.key in by_id]
    return PublicSearch(
        faqs=found, normalized_query=result.normalized_query, strict_hit=result.strict_hit
    )


def public_suggest(
    *, center: Center, prefix: str, language: str, limit: int = 6, at: datetime | None = None
) -> PublicSuggestions:
    """As-you-type suggestions: terms, FAQ questions containing the text (surface or
    reading: じゅうみん finds 住民票) in order of this week's public views, and the top
    three FAQs of a search for the text typed so far."""
    at = at or timezone.now()
    index, faqs = _public_index(center, language, at)
    by_id = {faq.pk: faq for faq in faqs}
    found = index.suggest(prefix, limit=limit * 3)
    views = dict(
        FaqView.objects.filter(
            faq__in=found.questions, week_start=week_start_of(at), channel=ViewChannel.PUBLIC
        )
        .values("faq")
        .annotate(n=Count("id"))
        .values_list("faq", "n")
    )
    # Suggest order is by match position; this week's views break it first (popular
    # questions come first), the search package's order breaks ties.
    ordered = sorted(enumerate(found.questions), key=lambda pair: (-views.get(pair[1], 0), pair[0]))
    questions = [by_id[key] for _i, key in ordered if key in by_id][:limit]
    top = [by_id[key] for key in found.top if key in by_id]
    return PublicSuggestions(terms=found.terms[:limit], questions=questions, top=top)

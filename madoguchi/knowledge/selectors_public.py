"""Reads of the public FAQ site: weekly access ranking and helpfulness statistics.

Weeks are ISO weeks (Monday to Sunday) in Asia/Tokyo, stored as their Monday: a view at
Sunday 23:59 JST belongs to the week that is ending, one at Monday 00:00 JST to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from madoguchi.knowledge import selectors as knowledge_selectors
from madoguchi.knowledge.models import (
    Axis,
    Category,
    Faq,
    FaqView,
    FaqVote,
    ViewChannel,
)
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
    """The FAQs of ``center`` a citizen may see at ``at`` (default now), texts loaded:
    the knowledge selector's public audience (published, public flag, inside the window)."""
    return knowledge_selectors.published_faqs(center=center, audience="public", at=at)


def public_faq(*, center_slug: str, code: str, at: datetime | None = None) -> Faq | None:
    """One public FAQ with what its page shows, or None (the view answers 404)."""
    center = Center.objects.filter(slug=center_slug).first()
    if center is None:
        return None
    return knowledge_selectors.published_faq(center=center, code=code, audience="public", at=at)


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


def related_public_faqs(*, faq: Faq) -> list[Faq]:
    """The related FAQs of ``faq`` that the public may see (others are left out), as
    loaded by ``public_faq``."""
    related: list[Faq] = getattr(faq, "visible_related", [])
    return related


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
# Search and suggest for the public site, through the knowledge selectors (faq_search,
# faq_suggest: the public audience, so an internal FAQ never surfaces here).


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


def _with_all_texts(faqs: list[Faq]) -> list[Faq]:
    """The same FAQs, in the same order, with every text loaded (search hits carry only
    the texts of the language searched), in one query."""
    loaded = Faq.objects.prefetch_related("texts").in_bulk([faq.pk for faq in faqs])
    return [loaded[faq.pk] for faq in faqs if faq.pk in loaded]


def _merge(*lists: list[Faq], limit: int) -> list[Faq]:
    """Keep the first list's order, then add what the next ones found, without repeats."""
    seen: set[int] = set()
    merged: list[Faq] = []
    for faqs in lists:
        for faq in faqs:
            if faq.pk not in seen:
                seen.add(faq.pk)
                merged.append(faq)
    return merged[:limit]


def public_search(
    *, center: Center, query: str, language: str, limit: int = 20, at: datetime | None = None
) -> PublicSearch:
    """Public FAQs for ``query``, best first; the query is counted for the zero-hit report.

    On a translated page, the page language's index answers first; the Japanese index
    then adds what only it finds: FAQs not yet translated (shown in Japanese with a note)
    and matches for a Japanese query typed on the English page (住民票 on /en/).
    """
    own = knowledge_selectors.faq_search(
        center=center, language=language, query=query, limit=limit, at=at
    )
    faqs = [hit.faq for hit in own.hits]
    strict = own.strict_hit
    if language != "ja":
        ja = knowledge_selectors.faq_search(
            center=center, language="ja", query=query, limit=limit, log=False, at=at
        )
        faqs = _merge(faqs, [hit.faq for hit in ja.hits], limit=limit)
        strict = strict or ja.strict_hit
    return PublicSearch(faqs=_with_all_texts(faqs), normalized_query=own.query, strict_hit=strict)


def public_suggest(
    *, center: Center, prefix: str, language: str, limit: int = 6, at: datetime | None = None
) -> PublicSuggestions:
    """As-you-type suggestions: terms; FAQ questions containing the text (surface or
    reading: じゅうみん finds 住民票), this week's most viewed first (faq.md §5.4); and the
    top three FAQs of a search for the text typed so far. Japanese fills in on translated
    pages, as in ``public_search``."""
    at = at or timezone.now()
    found = [
        knowledge_selectors.faq_suggest(
            center=center, language=lang, prefix=prefix, limit=limit * 2, at=at
        )
        for lang in dict.fromkeys([language, "ja"])
    ]
    terms = list(dict.fromkeys(t for f in found for t in f.terms))[:limit]
    candidates = _merge(*([hit.faq for hit in f.questions] for f in found), limit=limit * 2)
    views = dict(
        FaqView.objects.filter(
            faq__in=candidates, week_start=week_start_of(at), channel=ViewChannel.PUBLIC
        )
        .values("faq")
        .annotate(n=Count("id"))
        .values_list("faq", "n")
    )
    # Python's sort is stable: equal view counts keep the search package's order.
    questions = sorted(candidates, key=lambda faq: -views.get(faq.pk, 0))[:limit]
    top = _merge(*([hit.faq for hit in f.top] for f in found), limit=3)
    loaded = {
        faq.pk: faq for faq in _with_all_texts(_merge(questions, top, limit=len(questions) + 3))
    }
    return PublicSuggestions(
        terms=terms,
        questions=[loaded[faq.pk] for faq in questions if faq.pk in loaded],
        top=[loaded[faq.pk] for faq in top if faq.pk in loaded],
    )

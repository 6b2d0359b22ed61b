"""Reads of the knowledge context.

Two audiences see FAQs. The public (site, read API) sees published FAQs with the public
flag inside their publication window; staff (operators' FAQ pane, console search) see
every published FAQ inside its window, internal ones included. Windows are compared with
the current time (stored UTC, entered and shown in Asia/Tokyo).

Search goes through the search package's per-process index cache. The cache key carries
the audience, and the version stamp is read from the database on every search (one
aggregate query), so an edit, a publication, a window opening or closing, or a synonym
change is seen by the next search in every process without any signal between processes.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from madoguchi.knowledge import services
from madoguchi.knowledge.models import (
    Category,
    Faq,
    FaqStatus,
    FaqText,
    FaqUse,
    FaqVersion,
    SearchChannel,
    SearchLog,
    Synonym,
)
from madoguchi.knowledge.search import Document, SearchIndex, Synonyms, index_cache
from madoguchi.knowledge.search.index import Mode
from madoguchi.tenancy.models import Center

Audience = Literal["public", "staff"]


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _in_window(at: datetime) -> Q:
    return (Q(publish_start__isnull=True) | Q(publish_start__lte=at)) & (
        Q(publish_end__isnull=True) | Q(publish_end__gt=at)
    )


def published_faqs(
    *,
    center: Center,
    audience: Audience = "public",
    language: str | None = None,
    category: Category | None = None,
    at: datetime | None = None,
) -> QuerySet[Faq]:
    """FAQs the audience may see now; with ``language``, only those with a text in it
    (the texts are prefetched as ``texts`` either way, categories too)."""
    qs = Faq.objects.filter(center=center, status=FaqStatus.PUBLISHED).filter(_in_window(_now(at)))
    if audience == "public":
        qs = qs.filter(is_public=True)
    texts = FaqText.objects.all()
    if language is not None:
        qs = qs.filter(texts__language=language)
        texts = texts.filter(language=language)
    if category is not None:
        qs = qs.filter(categories=category)
    return (
        qs.select_related("department")
        .prefetch_related(Prefetch("texts", queryset=texts), "categories")
        .order_by("code")
        .distinct()
    )


def published_faq(
    *,
    center: Center,
    code: str,
    audience: Audience = "public",
    at: datetime | None = None,
) -> Faq | None:
    """One visible FAQ by FAQ-ID, with every text, its links, attachments and the related
    FAQs that are visible to the same audience."""
    faq = (
        published_faqs(center=center, audience=audience, at=at)
        .prefetch_related("links", "attachments", Prefetch("texts"))
        .filter(code=code)
        .first()
    )
    if faq is None:
        return None
    faq.visible_related = list(  # type: ignore[attr-defined]
        published_faqs(center=center, audience=audience, at=at).filter(
            pk__in=faq.related.values("pk")
        )
    )
    return faq


def text_in(faq: Faq, language: str) -> FaqText | None:
    """The FAQ's text in ``language``, else the Japanese one (from prefetched texts)."""
    texts = {t.language: t for t in faq.texts.all()}
    return texts.get(language) or texts.get("ja")


def categories(*, center: Center, axis: str | None = None) -> QuerySet[Category]:
    qs = Category.objects.filter(center=center, is_active=True)
    if axis is not None:
        qs = qs.filter(axis=axis)
    return qs.order_by("axis", "order", "name")


# --- search -----------------------------------------------------------------------------


def _scope(center: Center, audience: Audience, at: datetime) -> QuerySet[Faq]:
    qs = Faq.objects.filter(center=center, status=FaqStatus.PUBLISHED).filter(_in_window(at))
    return qs.filter(is_public=True) if audience == "public" else qs


def _synonyms(center: Center) -> tuple[Synonyms, Hashable]:
    rows = list(
        Synonym.objects.filter(center=center, is_active=True)
        .order_by("term")
        .values_list("term", "alternatives", "updated_at")
    )
    stamp = tuple((term, tuple(alts), updated) for term, alts, updated in rows)
    groups = [*Synonyms.default().groups, *([term, *alts] for term, alts, _u in rows)]
    return Synonyms(groups), stamp


def _stamp(center: Center, language: str, audience: Audience, at: datetime) -> Hashable:
    faqs = _scope(center, audience, at).aggregate(
        n=Count("pk"), ids=Sum("pk"), changed=Max("updated_at")
    )
    texts = FaqText.objects.filter(
        faq__in=_scope(center, audience, at), language=language
    ).aggregate(n=Count("pk"), changed=Max("updated_at"))
    synonyms = Synonym.objects.filter(center=center).aggregate(
        n=Count("pk"), changed=Max("updated_at")
    )
    return (
        faqs["n"],
        faqs["ids"],
        faqs["changed"],
        texts["n"],
        texts["changed"],
        synonyms["n"],
        synonyms["changed"],
    )


def search_index(
    *, center: Center, language: str, audience: Audience = "public", at: datetime | None = None
) -> SearchIndex:
    """The index of what ``audience`` may see in ``language``, from the process cache."""
    at = _now(at)

    def load() -> SearchIndex:
        texts = FaqText.objects.filter(
            faq__in=_scope(center, audience, at), language=language
        ).only("faq_id", "question", "answer", "keywords", "terms", "embedding")
        docs = [
            Document(
                key=t.faq_id,
                question=t.question,
                answer=t.answer,
                keywords=t.keywords,
                terms=t.terms or None,
                embedding=bytes(t.embedding) if t.embedding else None,
            )
            for t in texts
        ]
        synonyms, _stamp_unused = _synonyms(center)
        return SearchIndex.build(docs, synonyms=synonyms)

    return index_cache.get(
        center_id=center.pk,
        language=f"{language}:{audience}",
        stamp=_stamp(center, language, audience, at),
        loader=load,
    )


@dataclass(frozen=True)
class FaqHit:
    faq: Faq
    question: str
    answer: str
    score: float
    strict: bool


@dataclass(frozen=True)
class FaqSearchResult:
    hits: list[FaqHit]
    strict_hit: bool
    mode: str
    query: str


def _faqs_by_id(ids: list[int], language: str) -> dict[int, Faq]:
    faqs = Faq.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("texts", queryset=FaqText.objects.filter(language__in={language, "ja"}))
    )
    return {f.pk: f for f in faqs}


def _hits(keys: list[tuple[int, float, bool]], language: str) -> list[FaqHit]:
    faqs = _faqs_by_id([k for k, _s, _st in keys], language)
    hits = []
    for key, score, strict in keys:
        faq = faqs.get(key)
        text = text_in(faq, language) if faq else None
        if faq is not None and text is not None:
            hits.append(FaqHit(faq, text.question, text.answer, score, strict))
    return hits


def faq_search(
    *,
    center: Center,
    language: str,
    query: str,
    channel: str = SearchChannel.PUBLIC,
    limit: int = 10,
    mode: Mode = "default",
    log: bool = True,
    at: datetime | None = None,
) -> FaqSearchResult:
    """Search the FAQs ``channel``'s audience may see and count the query for the weekly
    zero-hit / weak-hit report (FAQ-8) unless ``log`` is off."""
    audience: Audience = "public" if channel == SearchChannel.PUBLIC else "staff"
    query = query.strip()[:200]
    if not query:
        return FaqSearchResult([], False, "lexical", "")
    index = search_index(center=center, language=language, audience=audience, at=at)
    result = index.search(query, limit=limit, mode=mode)
    hits = _hits([(h.key, h.score, h.strict) for h in result.hits], language)
    if log:
        services.search_log_record(
            center=center,
            language=language,
            channel=channel,
            query=result.normalized_query,
            strict_hit=result.strict_hit,
            had_results=bool(hits),
            at=at,
        )
    return FaqSearchResult(hits, result.strict_hit, result.mode, result.normalized_query)


@dataclass(frozen=True)
class FaqSuggestions:
    terms: list[str]
    questions: list[FaqHit]
    top: list[FaqHit]


def faq_suggest(
    *,
    center: Center,
    language: str,
    prefix: str,
    audience: Audience = "public",
    limit: int = 8,
    at: datetime | None = None,
) -> FaqSuggestions:
    """As-you-type terms and FAQ questions (surface or reading), and the top three FAQs
    for the text typed so far. Never logged: only submitted searches are counted."""
    prefix = prefix.strip()[:100]
    if not prefix:
        return FaqSuggestions([], [], [])
    index = search_index(center=center, language=language, audience=audience, at=at)
    found = index.suggest(prefix, limit=limit)
    questions = _hits([(k, 0.0, False) for k in found.questions[:limit]], language)
    top = _hits([(k, 0.0, False) for k in found.top[:3]], language)
    return FaqSuggestions(list(found.terms[:limit]), questions, top)


# --- console reads ----------------------------------------------------------------------


def faq_list(
    *,
    center: Center,
    text: str = "",
    status: str = "",
    category: Category | None = None,
    department_id: int | None = None,
) -> QuerySet[Faq]:
    """The console's FAQ list: every status, filtered; ``text`` matches FAQ-ID, question
    or keywords as a substring (an editor's lookup, not the ranked search)."""
    qs = Faq.objects.filter(center=center)
    if text.strip():
        needle = text.strip()
        qs = qs.filter(
            Q(code__icontains=needle)
            | Q(texts__question__icontains=needle)
            | Q(texts__keywords__icontains=needle)
        )
    if status:
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(categories=category)
    if department_id:
        qs = qs.filter(department_id=department_id)
    return (
        qs.select_related("department")
        .prefetch_related(Prefetch("texts", queryset=FaqText.objects.filter(language="ja")))
        .annotate(use_count=Count("uses", distinct=True))
        .order_by("code")
        .distinct()
    )


def overdue_reviews(*, center: Center, today: date | None = None) -> QuerySet[Faq]:
    """Published FAQs whose yearly review is due (FAQ-8), most overdue first."""
    today = today or timezone.localdate()
    return (
        Faq.objects.filter(center=center, status=FaqStatus.PUBLISHED, review_due__lte=today)
        .select_related("department")
        .prefetch_related(Prefetch("texts", queryset=FaqText.objects.filter(language="ja")))
        .order_by("review_due", "code")
    )


def awaiting_approval(*, center: Center) -> QuerySet[Faq]:
    return (
        Faq.objects.filter(center=center, status=FaqStatus.AWAITING_APPROVAL)
        .select_related("department")
        .prefetch_related(
            Prefetch("texts", queryset=FaqText.objects.filter(language="ja")), "approvals"
        )
        .order_by("updated_at")
    )


def faq_versions(faq: Faq) -> QuerySet[FaqVersion]:
    return faq.versions.select_related("author").order_by("-number")


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def zero_hit_report(
    *,
    center: Center,
    week: date,
    channel: str | None = None,
    language: str | None = None,
) -> QuerySet[SearchLog]:
    """Queries of the ISO week starting ``week`` (a Monday) with no strict hit, most asked
    first; ``had_results`` tells a zero hit from a weak hit."""
    qs = SearchLog.objects.filter(center=center, week_start=week_of(week), strict_hit=False)
    if channel:
        qs = qs.filter(channel=channel)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("-count", "query")


def faq_use_counts(
    *, center: Center, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[Faq, int]]:
    """How often each FAQ answered an interaction (FAQ-4), most used first."""
    uses = FaqUse.objects.filter(faq__center=center)
    if since is not None:
        uses = uses.filter(used_at__gte=since)
    if until is not None:
        uses = uses.filter(used_at__lt=until)
    counts = dict(uses.values("faq_id").annotate(n=Count("pk")).values_list("faq_id", "n"))
    faqs = Faq.objects.filter(pk__in=counts).prefetch_related(
        Prefetch("texts", queryset=FaqText.objects.filter(language="ja"))
    )
    return sorted(((f, counts[f.pk]) for f in faqs), key=lambda fc: (-fc[1], fc[0].code))


@dataclass(frozen=True)
class FaqChange:
    faq: Faq
    number: int
    at: datetime
    kind: Literal["added", "changed"]
    comment: str


def faq_changes(*, center: Center, since: datetime, until: datetime) -> list[FaqChange]:
    """FAQ additions and changes in [since, until) for the monthly report (FAQ-8):
    version 1 is an addition, later versions are changes; oldest first."""
    versions = (
        FaqVersion.objects.filter(faq__center=center, created_at__gte=since, created_at__lt=until)
        .select_related("faq")
        .order_by("created_at", "id")
    )
    return [
        FaqChange(
            faq=v.faq,
            number=v.number,
            at=v.created_at,
            kind="added" if v.number == 1 else "changed",
            comment=v.comment,
        )
        for v in versions
    ]

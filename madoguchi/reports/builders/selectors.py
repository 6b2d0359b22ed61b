"""Reads the report builders need beyond the KPI engine: lists of interactions,
escalations and complaints, FAQ titles and public-site use, agents' log-in spans and the
audit log. Each returns plain values, so builders stay free of queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from madoguchi.audit.models import AuditEvent
from madoguchi.audit.registry import ActionKind
from madoguchi.calls.models import Agent, AgentState, AgentStateEvent
from madoguchi.interactions.models import (
    Escalation,
    EscalationStatus,
    Interaction,
    InteractionKind,
    Outcome,
)
from madoguchi.knowledge.models import Faq, FaqText, FaqView, FaqVote, SearchLog, ViewChannel
from madoguchi.reports.models import ReportSettings
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

_RELATED = ("category", "department", "operator")


def interactions_in(*, center: Center, since: datetime, until: datetime) -> QuerySet[Interaction]:
    """The center's contacts started in [since, until), oldest first."""
    return (
        Interaction.objects.select_related(*_RELATED)
        .filter(center=center, started_at__gte=since, started_at__lt=until)
        .order_by("started_at", "id")
    )


def complaints_in(*, center: Center, since: datetime, until: datetime) -> QuerySet[Interaction]:
    return interactions_in(center=center, since=since, until=until).filter(
        kind=InteractionKind.COMPLAINT
    )


def category_counts(*, center: Center, since: datetime, until: datetime) -> dict[str, int]:
    """Contacts per category name (top-level and sub-categories by their own name)."""
    rows = (
        Interaction.objects.filter(center=center, started_at__gte=since, started_at__lt=until)
        .values("category__name")
        .annotate(n=Count("id"))
    )
    return {row["category__name"] or "": row["n"] for row in rows}


def escalations_created(
    *, center: Center, since: datetime, until: datetime
) -> QuerySet[Escalation]:
    return (
        Escalation.objects.select_related("department", "interaction", "confirmed_by")
        .filter(center=center, created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "id")
    )


def escalations_unconfirmed_before(*, center: Center, before: datetime) -> QuerySet[Escalation]:
    """Earlier escalations the city has not confirmed yet (carried in the daily report)."""
    return (
        Escalation.objects.select_related("department", "interaction")
        .filter(center=center, created_at__lt=before)
        .exclude(status=EscalationStatus.CONFIRMED)
        .order_by("created_at", "id")
    )


def faq_titles(*, center: Center, codes: list[str]) -> dict[str, str]:
    """FAQ-ID → the Japanese question (empty when the FAQ-ID is unknown)."""
    texts = FaqText.objects.filter(faq__center=center, faq__code__in=codes, language="ja")
    return dict(texts.values_list("faq__code", "question"))


def weeks_touching(since: datetime, until: datetime) -> list[date]:
    """The Mondays (Tokyo) of the ISO weeks overlapping [since, until): weekly counters
    (views, searches) are reported for every week that starts or ends in the period."""
    first = since.astimezone(TOKYO).date()
    last = (until - timedelta(microseconds=1)).astimezone(TOKYO).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def public_faq_views(*, center: Center, weeks: list[date]) -> list[tuple[str, str, int]]:
    """(FAQ-ID, question, distinct-session public views), most viewed first."""
    rows = (
        FaqView.objects.filter(faq__center=center, week_start__in=weeks, channel=ViewChannel.PUBLIC)
        .values("faq__code")
        .annotate(n=Count("id"))
        .order_by("-n", "faq__code")
    )
    counts = [(row["faq__code"], row["n"]) for row in rows]
    titles = faq_titles(center=center, codes=[code for code, _ in counts])
    return [(code, titles.get(code, ""), n) for code, n in counts]


@dataclass(frozen=True)
class QueryCount:
    query: str
    count: int
    had_results: bool
    strict_hit: bool


def search_queries(
    *, center: Center, weeks: list[date], channel: str = "public"
) -> list[QueryCount]:
    """Search texts of the weeks summed over languages, most asked first; a query is a
    zero hit when its latest search had no result at all."""
    logs = SearchLog.objects.filter(center=center, week_start__in=weeks, channel=channel)
    totals: Counter[str] = Counter()
    latest: dict[str, SearchLog] = {}
    for log in logs.order_by("last_searched_at"):
        totals[log.query] += log.count
        latest[log.query] = log
    return [
        QueryCount(q, n, latest[q].had_results, latest[q].strict_hit)
        for q, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


@dataclass(frozen=True)
class Helpful:
    code: str
    question: str
    helpful: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.helpful / self.total if self.total else None


def helpful_votes(*, center: Center, since: datetime, until: datetime) -> list[Helpful]:
    """Votes cast in the period per FAQ, most votes first."""
    rows = (
        FaqVote.objects.filter(faq__center=center, voted_at__gte=since, voted_at__lt=until)
        .values("faq__code")
        .annotate(total=Count("id"), helpful=Count("id", filter=Q(helpful=True)))
        .order_by("-total", "faq__code")
    )
    titles = faq_titles(center=center, codes=[row["faq__code"] for row in rows])
    return [
        Helpful(row["faq__code"], titles.get(row["faq__code"], ""), row["helpful"], row["total"])
        for row in rows
    ]


def faq_count(*, center: Center) -> int:
    return Faq.objects.filter(center=center).count()


def report_settings(center: Center) -> ReportSettings | None:
    return ReportSettings.objects.filter(center=center).first()


def number_kinds(center: Center) -> dict[str, tuple[str, str]]:
    """E.164 → (kind label, display) of the center's numbers."""
    return {n.e164: (str(n.get_kind_display()), n.display) for n in center.numbers.all()}


def logged_in_spans(
    *, center: Center, since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per agent, the spans between a log-in (any state but logged out) and the next
    log-out, clipped to [since, until). The state an agent was in at ``since`` counts."""
    spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    events = AgentStateEvent.objects.filter(agent__center=center, at__lt=until)
    start_state: dict[int, str] = {}
    for agent in Agent.objects.filter(center=center).values_list("pk", flat=True):
        last = events.filter(agent_id=agent, at__lt=since).order_by("-at", "-id").first()
        if last is not None:
            start_state[agent] = last.state
    open_at: dict[int, datetime] = {
        agent: since for agent, state in start_state.items() if state != AgentState.LOGGED_OUT
    }
    for agent_id, at, state in (
        events.filter(at__gte=since).order_by("at", "id").values_list("agent_id", "at", "state")
    ):
        if state == AgentState.LOGGED_OUT:
            began = open_at.pop(agent_id, None)
            if began is not None and at > began:
                spans[agent_id].append((began, at))
        elif agent_id not in open_at:
            open_at[agent_id] = at
    for agent_id, began in open_at.items():
        spans[agent_id].append((began, until))
    return dict(spans)


def agents_logged_in_per_day(*, center: Center, first: date, last: date) -> dict[date, int]:
    """Distinct agents logged in at some time of each day (Tokyo)."""
    since = datetime.combine(first, datetime.min.time(), tzinfo=TOKYO)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=TOKYO)
    per_day: dict[date, set[int]] = defaultdict(set)
    for agent, spans in logged_in_spans(center=center, since=since, until=until).items():
        for began, ended in spans:
            day = began.astimezone(TOKYO).date()
            end_day = (ended - timedelta(microseconds=1)).astimezone(TOKYO).date()
            while day <= end_day:
                per_day[day].add(agent)
                day += timedelta(days=1)
    return {day: len(agents) for day, agents in per_day.items()}


def audit_events(*, center: Center, since: datetime, until: datetime) -> QuerySet[AuditEvent]:
    """Audit events of the center in the period about data (no log-ins), oldest first."""
    return (
        AuditEvent.objects.filter(
            center_id=center.pk, occurred_at__gte=since, occurred_at__lt=until
        )
        .exclude(kind=ActionKind.AUTH)
        .order_by("seq")
    )


def interaction_rows(*, center: Center, since: datetime, until: datetime) -> Iterator[Any]:
    """Every contact of the period for the records CSV, without the caller's number
    (personal data) — tuples in the order of the columns below, streamed in chunks."""
    return (
        Interaction.objects.filter(center=center, started_at__gte=since, started_at__lt=until)
        .order_by("started_at", "id")
        .values_list(
            "id",
            "started_at",
            "ended_at",
            "channel",
            "dialed_number",
            "kind",
            "category__name",
            "summary",
            "answer",
            "faq_ids",
            "outcome",
            "department__name",
            "operator__username",
        )
        .iterator(chunk_size=5000)
    )


def faq_ids_of_callless_interactions(
    *, center: Center, since: datetime, until: datetime
) -> Iterator[list[str]]:
    """FAQ-ID lists of the contacts without a call (e-mail, web form, walk-in…) started in
    the period and not waiting for an answer: the non-call half of KPI.md FAQ use."""
    return (
        Interaction.objects.filter(
            center=center, started_at__gte=since, started_at__lt=until, call__isnull=True
        )
        .exclude(outcome=Outcome.PENDING)
        .order_by()
        .values_list("faq_ids", flat=True)
        .iterator(chunk_size=5000)
    )

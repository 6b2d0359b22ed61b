"""Reads of the interactions context: search (CON-6), complaints and long calls (CON-9)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import ExpressionWrapper, F, Q, QuerySet
from django.db.models.fields import DurationField

from madoguchi.interactions.models import Category, Channel, Interaction, InteractionKind
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center, Department

_RELATED = ("center", "category", "department", "operator")


def interaction_search(
    *,
    center_ids: Iterable[int] | None,
    since: datetime | None = None,
    until: datetime | None = None,
    channel: str | None = None,
    category: Category | None = None,
    kind: str | None = None,
    outcome: str | None = None,
    operator: Any | None = None,
    department: Department | None = None,
    text: str = "",
) -> QuerySet[Interaction]:
    """Records matching every given condition at once (CON-6), newest first.

    ``center_ids`` is the caller's visibility (the centers the user may read); ``None``
    means every center and is for installation-wide roles only. The period is
    ``since <= started_at < until``. ``text`` matches the summary or the answer after
    NFKC, so full-width and half-width input find the same records.
    """
    qs = Interaction.objects.select_related(*_RELATED)
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    if since is not None:
        qs = qs.filter(started_at__gte=since)
    if until is not None:
        qs = qs.filter(started_at__lt=until)
    if channel:
        qs = qs.filter(channel=channel)
    if category is not None:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if operator is not None:
        qs = qs.filter(operator=operator)
    if department is not None:
        qs = qs.filter(department=department)
    for word in unicodedata.normalize("NFKC", text).split():
        qs = qs.filter(Q(summary__icontains=word) | Q(answer__icontains=word))
    return qs.order_by("-started_at", "-id")


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=TOKYO)
    return start, start + timedelta(days=1)


def complaints_for_report(*, center: Center, day: date) -> QuerySet[Interaction]:
    """The complaints of ``day`` (Asia/Tokyo), reported to the city by the next business
    day (CON-9, RPT-1), in the order they came in."""
    start, end = _day_bounds(day)
    return (
        Interaction.objects.select_related(*_RELATED)
        .filter(
            center=center,
            kind=InteractionKind.COMPLAINT,
            started_at__gte=start,
            started_at__lt=end,
        )
        .order_by("started_at", "id")
    )


def long_calls(
    *, center: Center, since: datetime, until: datetime, threshold_s: int = 1200
) -> QuerySet[Interaction]:
    """Phone contacts whose talk (start to end) exceeded ``threshold_s`` (default 20 min),
    listed with their content for the reports (CON-9, RPT-3), longest first."""
    talk = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    return (
        Interaction.objects.select_related(*_RELATED)
        .filter(
            center=center,
            channel=Channel.PHONE,
            started_at__gte=since,
            started_at__lt=until,
        )
        .annotate(talk=talk)
        .filter(talk__gt=timedelta(seconds=threshold_s))
        .order_by("-talk", "started_at")
    )

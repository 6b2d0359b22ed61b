"""Reads of the interactions context: search (CON-6), complaints and long calls (CON-9),
the desk (previous contacts, transfer helper) and follow-ups (escalations, callbacks)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import ExpressionWrapper, F, Q, QuerySet
from django.db.models.fields import DurationField

from madoguchi.calls.models import Voicemail, VoicemailStatus
from madoguchi.interactions.models import (
    OPEN_ESCALATION_STATUSES,
    Callback,
    CallbackStatus,
    Category,
    Channel,
    Escalation,
    Interaction,
    InteractionKind,
)
from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center, Department
from madoguchi.tenancy.phone import phone_normalize

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


def interaction_get(*, center_ids: Iterable[int] | None, pk: int) -> Interaction | None:
    """One record with its timeline, if the reader may see its center."""
    qs = Interaction.objects.select_related(*_RELATED, "call").prefetch_related(
        "events__actor", "escalations__department", "callbacks__attempts__by"
    )
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    return qs.filter(pk=pk).first()


def caller_history(*, center: Center, number: str, limit: int = 10) -> list[Interaction]:
    """The caller's earlier contacts with this center, newest first (the desk's
    "previous contacts"), found by the normalised number. An unusable or withheld
    number finds nothing. Callers must audit the access (it reads personal data)."""
    if not (number or "").strip():
        return []
    try:
        e164 = phone_normalize(number).e164
    except TenancyError:
        return []
    return list(
        Interaction.objects.select_related("category", "department", "operator")
        .filter(center=center, caller_number=e164)
        .order_by("-started_at", "-id")[:limit]
    )


def category_tree(*, center: Center, active_only: bool = False) -> list[tuple[Category, int]]:
    """The center's categories in display order, each with its depth (0 = top level)."""
    qs = Category.objects.filter(center=center)
    if active_only:
        qs = qs.filter(is_active=True)
    by_parent: dict[int | None, list[Category]] = {}
    for category in qs.order_by("order", "name"):
        by_parent.setdefault(category.parent_id, []).append(category)
    tree: list[tuple[Category, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in by_parent.get(parent, []):
            tree.append((node, depth))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return tree


def tally_categories(*, center: Center, limit: int = 9) -> list[Category]:
    """The one-click buttons of the desk (CON-2): active leaf categories, most used in
    the last 30 days first, so keys 1–9 reach the commonest simple inquiries."""
    from django.db.models import Count
    from django.utils import timezone

    since = timezone.now() - timedelta(days=30)
    return list(
        Category.objects.filter(center=center, is_active=True, children__isnull=True)
        .annotate(used=Count("interactions", filter=Q(interactions__started_at__gte=since)))
        .order_by("-used", "order", "name")[:limit]
    )


def transfer_targets(*, center: Center, at: datetime) -> list[dict[str, Any]]:
    """The transfer helper (CON-1, TEL-5): each department with its extension and
    outside number, whether its office is open at ``at``, and otherwise when it opens
    next (to tell the caller)."""
    from madoguchi.tenancy.selectors import department_list

    local = at.astimezone(TOKYO)
    targets = []
    for department in department_list(center=center):
        rules = CalendarRules(department.calendar)
        today = rules.day_hours(local.date())
        open_now = rules.is_open(at)
        next_open = None
        if not open_now:
            for offset in range(0, 15):
                day = rules.day_hours(local.date() + timedelta(days=offset))
                interval = day.interval()
                if interval is not None and interval[0] > local:
                    next_open = interval[0]
                    break
        targets.append(
            {
                "department": department,
                "open_now": open_now,
                "today": today,
                "next_open": next_open,
            }
        )
    return targets


def escalation_list(
    *,
    center_ids: Iterable[int] | None,
    status: str = "",
    department: Department | None = None,
    overdue_on: date | None = None,
) -> QuerySet[Escalation]:
    """Escalations the reader may see, soonest due first; ``overdue_on`` keeps those not
    reported whose due date is before that day (the overdue list)."""
    qs = Escalation.objects.select_related("center", "department", "interaction")
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    if status:
        qs = qs.filter(status=status)
    if department is not None:
        qs = qs.filter(department=department)
    if overdue_on is not None:
        qs = qs.filter(status__in=OPEN_ESCALATION_STATUSES, due_on__lt=overdue_on)
    return qs.order_by("due_on", "id")


def escalation_get(*, center_ids: Iterable[int] | None, pk: int) -> Escalation | None:
    qs = Escalation.objects.select_related(
        "center",
        "department",
        "interaction",
        "interaction__category",
        "reported_by",
        "confirmed_by",
        "created_by",
    )
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    return qs.filter(pk=pk).first()


def callback_list(
    *, center_ids: Iterable[int] | None, open_only: bool = True
) -> QuerySet[Callback]:
    qs = Callback.objects.select_related("center", "department", "interaction").prefetch_related(
        "attempts__by"
    )
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    if open_only:
        qs = qs.filter(status__in=[CallbackStatus.REQUESTED, CallbackStatus.IN_PROGRESS])
    return qs.order_by("due_on", "id")


def callback_get(*, center_ids: Iterable[int] | None, pk: int) -> Callback | None:
    qs = Callback.objects.select_related("center", "department", "interaction", "voicemail")
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    return qs.filter(pk=pk).first()


def voicemails_to_call_back(*, center: Center) -> QuerySet[Voicemail]:
    """New voicemail messages with a caller number and no callback request yet: the
    natural next entries of the callback list (TEL-4, TEL-11)."""
    return (
        Voicemail.objects.select_related("call")
        .filter(call__center=center, status=VoicemailStatus.NEW, callback__isnull=True)
        .exclude(call__caller_number="")
        .order_by("recorded_at")
    )

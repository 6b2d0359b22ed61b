"""Reads of the calls context."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from madoguchi.calls.models import (
    Announcement,
    AnnouncementKind,
    Call,
    Forwarding,
    Queue,
    Voicemail,
    VoicemailStatus,
)
from madoguchi.calls.policy import CenterPolicy, DepartmentPolicy, QueuePolicy, RoutingTable
from madoguchi.tenancy.calendars import CalendarRules
from madoguchi.tenancy.models import Center, Department


def routing_table() -> RoutingTable:
    """Every active center's routing policy, keyed by the numbers it answers."""
    centers = (
        Center.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related(
            "calendar__hours",
            "calendar__exceptions",
            "numbers",
            Prefetch("queues", queryset=Queue.objects.order_by("-is_default", "id")),
            Prefetch(
                "departments",
                queryset=Department.objects.prefetch_related(
                    "calendar__hours", "calendar__exceptions"
                ).select_related("calendar"),
            ),
        )
    )
    forwarding = {f.center_id: f for f in Forwarding.objects.all()}
    table = RoutingTable(by_number={}, centers={})
    for center in centers:
        queues = {
            q.id: QueuePolicy(
                id=q.id,
                name=q.name,
                language=q.language,
                skills=frozenset(q.skills),
                max_wait_s=q.max_wait_s,
                max_length=q.max_length,
                sl_threshold_s=q.sl_threshold_s,
                ring_timeout_s=q.ring_timeout_s,
            )
            for q in center.queues.all()
        }
        default = next((q.id for q in center.queues.all() if q.is_default), None)
        fwd = forwarding.get(center.pk)
        policy = CenterPolicy(
            id=center.pk,
            slug=center.slug,
            name=center.name,
            calendar=CalendarRules(center.calendar),
            line_limit=center.line_count,
            overflow=center.overflow_action,
            forward_enabled=bool(fwd and fwd.enabled and fwd.e164),
            forward_to=fwd.e164 if fwd else "",
            queues=queues,
            default_queue=default,
            departments={
                d.pk: DepartmentPolicy(
                    id=d.pk,
                    name=d.name,
                    extension=d.extension,
                    external=d.external_e164,
                    external_display=d.external_display,
                    calendar=CalendarRules(d.calendar),
                )
                for d in center.departments.all()
            },
        )
        table.centers[center.pk] = policy
        for number in center.numbers.all():
            table.by_number[number.e164] = policy
    return table


def calls_in_period(
    *, center: Center, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Call]:
    calls = Call.objects.filter(center=center).order_by("arrived_at", "id")
    if since is not None:
        calls = calls.filter(arrived_at__gte=since)
    if until is not None:
        calls = calls.filter(arrived_at__lt=until)
    return calls


def announcements_by_kind(center: Center) -> dict[tuple[str, str], Announcement]:
    return {(a.kind, a.language): a for a in Announcement.objects.filter(center=center)}


def announcement_get(center: Center, kind: str, language: str) -> Announcement | None:
    if kind not in AnnouncementKind.values or language not in center.languages:
        return None
    return Announcement.objects.filter(center=center, kind=kind, language=language).first()


def center_queues(center: Center) -> QuerySet[Queue]:
    return Queue.objects.filter(center=center).order_by("-is_default", "name")


def center_voicemails(center: Center, *, open_only: bool) -> QuerySet[Voicemail]:
    rows = (
        Voicemail.objects.filter(call__center=center)
        .select_related("call", "assigned_to")
        .order_by("-recorded_at", "-pk")
    )
    return rows.exclude(status=VoicemailStatus.CLOSED) if open_only else rows

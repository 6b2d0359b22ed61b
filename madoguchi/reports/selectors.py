"""Reads of the reports context."""

from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.reports.models import ReportDelivery
from madoguchi.tenancy.models import Center


def delivery_history(
    *, center: Center, kind: str = "", limit: int = 50
) -> QuerySet[ReportDelivery]:
    """The center's latest deliveries (of one kind), newest first."""
    deliveries = ReportDelivery.objects.filter(center=center)
    if kind:
        deliveries = deliveries.filter(kind=kind)
    return deliveries.order_by("-created_at", "-pk")[:limit]

"""Reads of the inbox context. Opening one message is a view of personal data: audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, QuerySet

from madoguchi.audit.services import audit_access
from madoguchi.inbox import audit_actions
from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.models import (
    OPEN_STATUSES,
    InboxMessage,
    InboxSettings,
    ReplyTemplate,
    SurveyResponse,
)
from madoguchi.tenancy.models import Center


def message_list(
    *,
    center: Center,
    status: str = "",
    channel: str = "",
    overdue: bool | None = None,
) -> QuerySet[InboxMessage]:
    """The center's inbox, newest first, filtered by status, channel and overdue flag.

    ``status="open"`` means new or assigned.
    """
    qs = InboxMessage.objects.filter(center=center).select_related("assigned_to", "mailbox")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    return qs.annotate(attachment_count=Count("attachments")).order_by("-received_at", "-id")


def message_get(*, center: Center, pk: int, actor: Any) -> InboxMessage:
    """One message of the center with its attachments and replies; logs the view."""
    message = (
        InboxMessage.objects.select_related("center", "assigned_to", "mailbox", "interaction")
        .prefetch_related("attachments", "replies__by", "replies__template")
        .filter(center=center, pk=pk)
        .first()
    )
    if message is None:
        raise InboxError("not found")
    audit_access(action=audit_actions.MESSAGE_VIEWED, actor=actor, obj=message, center=center)
    return message


def template_list(*, center: Center, active_only: bool = False) -> QuerySet[ReplyTemplate]:
    qs = ReplyTemplate.objects.filter(center=center)
    return qs.filter(is_active=True) if active_only else qs


def overdue_count(*, center: Center) -> int:
    return InboxMessage.objects.filter(
        center=center, status__in=OPEN_STATUSES, overdue=True
    ).count()


@dataclass(frozen=True)
class DelayNotice:
    center: Center
    days: int  # business days a reply takes at the moment; 0: not said
    overdue: int


def delay_notices(*, centers: list[Center] | None = None) -> list[DelayNotice]:
    """Centers whose replies are delayed, for the homepage's notice.

    A center shows it when its staff switched it on (InboxSettings.delay_notice), or
    when its overdue unanswered messages reach InboxSettings.overdue_notice_threshold.
    """
    chosen = centers if centers is not None else list(Center.objects.filter(is_active=True))
    settings = {s.center_id: s for s in InboxSettings.objects.filter(center__in=chosen)}
    overdue = dict(
        InboxMessage.objects.filter(center__in=chosen, status__in=OPEN_STATUSES, overdue=True)
        .values_list("center_id")
        .annotate(n=Count("id"))
        .values_list("center_id", "n")
    )
    notices = []
    for center in chosen:
        setting = settings.get(center.pk) or InboxSettings(center=center)
        count = int(overdue.get(center.pk, 0))
        threshold = setting.overdue_notice_threshold
        if setting.delay_notice or (threshold and count >= threshold):
            notices.append(DelayNotice(center=center, days=setting.delay_days, overdue=count))
    return notices


def survey_summary(*, center: Center) -> dict[str, Any]:
    """Count, mean score and count per score of the center's survey answers."""
    qs = SurveyResponse.objects.filter(center=center)
    per_score = dict(qs.values_list("score").annotate(n=Count("id")).values_list("score", "n"))
    mean = qs.aggregate(m=Avg("score"))["m"]
    return {
        "count": sum(per_score.values()),
        "mean": round(float(mean), 2) if mean is not None else None,
        "per_score": {score: int(per_score.get(score, 0)) for score in range(1, 6)},
    }

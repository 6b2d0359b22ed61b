"""The timeline of an interaction: one keyword-only function per event kind.

Each appends one typed row. Data holds ids and codes only, never the caller's number or
free text, so expiring a record's personal data leaves nothing behind in its timeline.
Called from services inside their transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from madoguchi.interactions.models import Interaction, InteractionEvent, InteractionEventType
from madoguchi.tenancy.models import Department


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _append(
    *,
    interaction: Interaction,
    type: InteractionEventType,  # noqa: A002  (the column's name)
    actor: Any,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> InteractionEvent:
    return InteractionEvent.objects.create(
        interaction=interaction,
        at=at or timezone.now(),
        type=type,
        actor=_user(actor),
        data=data or {},
    )


def interaction_created_event(
    *, interaction: Interaction, actor: Any, tally: bool = False
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.CREATED,
        actor=actor,
        data={
            "channel": interaction.channel,
            "kind": interaction.kind,
            "outcome": interaction.outcome,
            "category_id": interaction.category_id,
            "tally": tally,
        },
    )


def interaction_updated_event(
    *, interaction: Interaction, actor: Any, fields: Iterable[str]
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.UPDATED,
        actor=actor,
        data={"fields": sorted(fields)},
    )


def faq_used_event(
    *, interaction: Interaction, actor: Any, faq_ids: Sequence[str]
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.FAQ_USED,
        actor=actor,
        data={"faq_ids": list(faq_ids)},
    )


def transferred_event(
    *,
    interaction: Interaction,
    actor: Any,
    department: Department | None,
    switchboard: bool = False,
) -> InteractionEvent:
    """A hand-over to a department (取次ぎ) or a switchboard transfer (電話交換)."""
    return _append(
        interaction=interaction,
        type=InteractionEventType.TRANSFERRED,
        actor=actor,
        data={
            "department_id": department.pk if department else None,
            "switchboard": switchboard,
        },
    )


def escalated_event(
    *, interaction: Interaction, actor: Any, department: Department
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.ESCALATED,
        actor=actor,
        data={"department_id": department.pk, "urgent": interaction.urgent},
    )


def callback_requested_event(
    *, interaction: Interaction, actor: Any, department: Department | None = None
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.CALLBACK_REQUESTED,
        actor=actor,
        data={"department_id": department.pk if department else None},
    )


def completed_event(*, interaction: Interaction, actor: Any) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.COMPLETED,
        actor=actor,
        data={"outcome": interaction.outcome},
    )


def personal_data_expired_events(
    *, interaction_ids: Sequence[int], at: datetime
) -> list[InteractionEvent]:
    """One row per record whose personal data the retention job blanked (in bulk)."""
    return InteractionEvent.objects.bulk_create(
        InteractionEvent(
            interaction_id=pk,
            at=at,
            type=InteractionEventType.PERSONAL_DATA_EXPIRED,
            data={"fields": ["caller_number"]},
        )
        for pk in interaction_ids
    )

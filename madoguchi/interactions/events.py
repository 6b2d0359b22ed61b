"""The timeline of an interaction: one keyword-only function per event kind.

Each appends one typed row. Data holds ids and codes, never the caller's number, so
expiring a record's personal data leaves nothing behind in its timeline. The one
exception to "codes only" is an edit: its row keeps the previous summary/answer text
(the record's version history); those fields are kept for the record's life anyway and
the PII guard keeps special-care numbers out of them.
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
    *,
    interaction: Interaction,
    actor: Any,
    fields: Iterable[str],
    version: int = 0,
    before: dict[str, Any] | None = None,
) -> InteractionEvent:
    """An edit of the record: the fields changed, the version it made, and their values
    before the edit (``before``) so every earlier version can be read back. The caller's
    number is never put in ``before``: only its field name is listed."""
    return _append(
        interaction=interaction,
        type=InteractionEventType.UPDATED,
        actor=actor,
        data=(
            {"fields": sorted(fields), "version": version, "before": before or {}}
            if version
            else {"fields": sorted(fields)}
        ),
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


def callback_attempted_event(
    *, interaction: Interaction, actor: Any, callback_id: int, result: str
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.CALLBACK_ATTEMPTED,
        actor=actor,
        data={"callback_id": callback_id, "result": result},
    )


def escalation_reported_event(
    *, interaction: Interaction, actor: Any, escalation_id: int
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.ESCALATION_REPORTED,
        actor=actor,
        data={"escalation_id": escalation_id},
    )


def escalation_confirmed_event(
    *, interaction: Interaction, actor: Any, escalation_id: int
) -> InteractionEvent:
    return _append(
        interaction=interaction,
        type=InteractionEventType.ESCALATION_CONFIRMED,
        actor=actor,
        data={"escalation_id": escalation_id},
    )

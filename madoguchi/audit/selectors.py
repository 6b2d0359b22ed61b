"""Reading the audit log: search and chain verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from madoguchi.audit.chain import GENESIS, event_hash
from madoguchi.audit.models import AuditChain, AuditEvent


def audit_event_search(
    *,
    center_ids: list[int] | None,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str = "",
    action: str = "",
    obj: str = "",
) -> QuerySet[AuditEvent]:
    """Events visible to someone who may see ``center_ids`` (None: every center).

    Events without a center (log-ins, system jobs) are visible only to those who see
    every center.
    """
    events = AuditEvent.objects.select_related("center").order_by("-seq")
    if center_ids is not None:
        events = events.filter(center_id__in=center_ids)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if obj:
        events = events.filter(Q(object_repr__icontains=obj) | Q(object_id=obj))
    return events


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_seq: int | None
    last_seq: int | None
    broken_at: int | None = None
    reason: str = ""


def audit_chain_verify() -> ChainReport:
    """Walk the chain in order; report the first row that was changed, added or removed."""
    head = AuditChain.objects.filter(pk=1).first()
    expected_seq = (head.anchor_seq if head else 0) + 1
    expected_prev = head.anchor_hash if head else GENESIS
    checked = 0
    first_seq: int | None = None
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in {"id"}]
    for row in AuditEvent.objects.order_by("seq").values(*fields).iterator(chunk_size=2000):
        seq = row["seq"]
        first_seq = seq if first_seq is None else first_seq
        if seq != expected_seq:
            return ChainReport(
                False, checked, first_seq, seq, expected_seq, f"row {expected_seq} missing"
            )
        if row["prev_hash"] != expected_prev:
            return ChainReport(False, checked, first_seq, seq, seq, "link to previous row broken")
        stored = row.pop("hash")
        if event_hash(**row) != stored:
            return ChainReport(False, checked, first_seq, seq, seq, "row content changed")
        checked += 1
        expected_seq = seq + 1
        expected_prev = stored
    last_seq = expected_seq - 1
    if head is not None and head.last_seq != last_seq:
        return ChainReport(
            False,
            checked,
            first_seq,
            last_seq,
            last_seq + 1,
            f"rows after {last_seq} missing (head is at {head.last_seq})",
        )
    if head is not None and head.last_hash != expected_prev and checked:
        return ChainReport(False, checked, first_seq, last_seq, last_seq, "head hash differs")
    return ChainReport(True, checked, first_seq, last_seq if checked else None)

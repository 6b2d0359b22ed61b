"""Writing the audit log. Every state-changing service calls :func:`audit_log`."""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.audit import audit_actions, context, registry
from madoguchi.audit.chain import event_hash
from madoguchi.audit.errors import AuditError
from madoguchi.audit.models import AuditChain, AuditEvent

ActorLike = Any  # an accounts.User, an AnonymousUser or None (system jobs)


def _actor_fields(actor: ActorLike) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system" if actor is None else "anonymous"
    return int(actor.pk), str(actor.get_username())


@dataclass(frozen=True)
class ObjectRef:
    """An object as the log keeps it (its model label, pk and text), for a writer that
    read these with its rows and has no model instance at hand (the booking outbox)."""

    label: str
    pk: str
    text: str


def _object_fields(obj: models.Model | ObjectRef | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, ObjectRef):
        return obj.label, obj.pk, obj.text[:200]
    return obj._meta.label_lower, str(obj.pk), str(obj)[:200]


@dataclass(frozen=True)
class AuditEntry:
    """One event for :func:`audit_log_many`. ``request_id``/``ip`` default to the current
    request's (``None``); a batch written later (the booking outbox) passes the ones the
    event happened under."""

    action: str
    actor: ActorLike
    center: models.Model | None = None
    obj: models.Model | ObjectRef | None = None
    data: dict[str, Any] | None = None
    request_id: str | None = None
    ip: str | None = None


@transaction.atomic
def audit_log(
    *,
    action: str,
    actor: ActorLike,
    center: models.Model | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    The chain head is locked first, so concurrent writers append one after the other;
    a rollback of the caller's transaction removes the event with the change it logs.
    """
    entry = AuditEntry(action=action, actor=actor, center=center, obj=obj, data=data)
    fields = _event_fields(entry)  # refuses an unregistered action before the lock
    head = _locked_head()
    event = AuditEvent.objects.create(**_linked(fields, head))
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@transaction.atomic
def audit_log_many(entries: Sequence[AuditEntry]) -> list[str]:
    """Append ``entries`` to the chain in this order, as :func:`audit_log` would one by
    one, but with the head locked once and the rows written in one INSERT (the booking
    outbox chains thousands of events per second this way); the new rows' hashes."""
    if not entries:
        return []
    prepared = [_event_fields(entry) for entry in entries]
    head = _locked_head()
    rows = [_linked(fields, head) for fields in prepared]
    _insert_events(rows)
    head.save(update_fields=["last_seq", "last_hash"])
    return [row["hash"] for row in rows]


_COPIED_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
_COPIED = [str(f.attname) for f in _COPIED_FIELDS]


def _insert_events(rows: list[dict[str, Any]]) -> None:
    """One INSERT for all rows; on PostgreSQL a COPY straight from the row values, which
    costs this process about a third of building model instances and a multi-row
    INSERT (the booking outbox flushes from the public processes, whose CPU the
    citizens' requests need)."""
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create([AuditEvent(**row) for row in rows], batch_size=1000)
        return
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in _COPIED_FIELDS)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            # The data exactly as hashed: already plain JSON values (_event_fields).
            copy.write_row(
                [json.dumps(row[name]) if name == "data" else row[name] for name in _COPIED]
            )


def _event_fields(entry: AuditEntry) -> dict[str, Any]:
    """Everything of the row but its place in the chain (seq, prev_hash, hash)."""
    registered = registry.get(entry.action)
    actor_id, actor_label = _actor_fields(entry.actor)
    object_type, object_id, object_repr = _object_fields(entry.obj)
    request_id, ip = entry.request_id, entry.ip
    request = context.current()
    if request_id is None and ip is None and request is not None:
        request_id, ip = request.request_id, request.ip
    return {
        "occurred_at": timezone.now().astimezone(UTC),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "center_id": int(entry.center.pk) if entry.center is not None else None,
        "action": entry.action,
        "kind": str(registered.kind),
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        # Store exactly what is hashed: dates and decimals become strings once, here.
        "data": _plain(entry.data or {}),
        "request_id": request_id or "",
        "ip": _normal_ip(ip),
    }


def _linked(fields: dict[str, Any], head: AuditChain) -> dict[str, Any]:
    """Give ``fields`` the next place after ``head`` and move the head (not saved)."""
    linked = {**fields, "seq": head.last_seq + 1, "prev_hash": head.last_hash}
    linked["hash"] = event_hash(**linked)
    head.last_seq, head.last_hash = linked["seq"], linked["hash"]
    return linked


def audit_access(
    *,
    action: str,
    actor: ActorLike,
    obj: models.Model,
    center: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` viewed a record holding personal data."""
    if registry.get(action).kind != registry.ActionKind.ACCESS:
        raise AuditError(f"{action!r} is not registered as an access action")
    return audit_log(action=action, actor=actor, center=center, obj=obj, data=data)


def _plain(value: Any) -> Any:
    """The value as JSON gives it back, in one pass: keys and values that JSON has no
    type for (dates, decimals, lazy texts) become their ``str``, tuples lists. Floats
    become strings too: PostgreSQL's jsonb may hand 1e16 back as an integer, and a value
    that reads back differently would break the row's hash."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


@functools.lru_cache(maxsize=4096)  # a batch repeats the same few addresses
def _normal_ip(ip: str | None) -> str | None:
    """The address as the database stores it (IPv6 compressed, lower case)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def _locked_head() -> AuditChain:
    head = AuditChain.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChain.objects.get_or_create(pk=1)
        head = AuditChain.objects.select_for_update().get(pk=1)
    return head


@transaction.atomic
def audit_purge(*, now: datetime | None = None, retention_days: int | None = None) -> int:
    """Delete events older than the retention period, keeping the chain verifiable.

    The hash of the last deleted row becomes the chain's anchor; the purge itself is
    logged. Retention below three months (92 days) is refused (SEC-2).
    """
    days = settings.AUDIT_RETENTION_DAYS if retention_days is None else retention_days
    if days < 92:
        raise AuditError(_("監査ログの保存期間は3か月（92日）以上にしてください。"))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    head = _locked_head()
    doomed = AuditEvent.objects.filter(occurred_at__lt=cutoff).order_by("-seq")
    last = doomed.values("seq", "hash").first()
    if last is None:
        return 0
    # Purge a contiguous prefix only: a gap in the middle would break the chain.
    deleted, _unused = AuditEvent.objects.filter(seq__lte=last["seq"]).delete()
    head.anchor_seq = last["seq"]
    head.anchor_hash = last["hash"]
    head.save(update_fields=["anchor_seq", "anchor_hash"])
    audit_log(
        action=audit_actions.LOG_PURGED,
        actor=None,
        data={"deleted": deleted, "up_to_seq": last["seq"], "cutoff": cutoff.isoformat()},
    )
    return deleted

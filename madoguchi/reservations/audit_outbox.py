"""Batched chaining of booking audit events (see ``models.AuditOutbox`` for why).

``audit_later`` is called by the booking services inside their transaction instead of
``audit_log``: one INSERT, no global lock. After the commit, ``audit_outbox_flush``
moves waiting rows into the audit chain in one transaction (the chain head is locked
once per batch). On PostgreSQL one flusher runs at a time (a session try-lock: the others
return at once, their rows being taken by the running or the next flush); the
``reservations_audit_flush`` command (run by the worker every minute and at the end of
the bench) catches rows committed after the last flush. Each event keeps the request
id and IP of the booking's request and the booking time in ``data["at"]``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.audit import context
from madoguchi.audit.services import AuditEntry, ObjectRef, audit_log_many
from madoguchi.reservations.models import AuditOutbox, Booking, EventApplication
from madoguchi.tenancy.models import Center

logger = logging.getLogger(__name__)
_LOCK_KEY = 0x5253_5641  # "RSVA": one flusher at a time on PostgreSQL
_LIMIT = 2000  # events per flush transaction


def audit_later(
    *, action: str, actor: Any, center: Center, obj: models.Model, data: dict[str, Any]
) -> None:
    """Record a booking audit event in the caller's transaction; chain it after commit."""
    request = context.current()
    AuditOutbox.objects.create(
        action=action,
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        center_id=center.pk,
        object_type="booking" if isinstance(obj, Booking) else "application",
        object_id=obj.pk,
        data=data,
        request_id=request.request_id if request else "",
        ip=(request.ip or "") if request else "",
        at=timezone.now(),
    )
    flush_after_commit()


def flush_after_commit() -> None:
    """Have the waiting events chained once the caller's transaction commits.

    ``RESERVATIONS_AUDIT_FLUSH_SECONDS`` = 0 (default): the committing request flushes
    at once. > 0 (the public processes under a surge): the request only wakes this
    process's flusher thread, which chains at most once per that many seconds, so no
    citizen's request waits for the chain. The outbox row is committed with the booking
    either way; the interval only delays its place in the chain."""
    after: Callable[[], Any] = (
        _background.wake if settings.RESERVATIONS_AUDIT_FLUSH_SECONDS > 0 else audit_outbox_flush
    )
    if connection.in_atomic_block:
        transaction.on_commit(after, robust=True)
    else:
        # Already committed (autocommit; a combined booking, sql.py). on_commit would
        # only run it at once, after opening a connection this thread may not hold.
        try:
            after()
        except Exception:  # noqa: BLE001 - as on_commit(robust=True): chained later
            logger.exception("reservations audit flush failed")


class _BackgroundFlusher:
    """One daemon thread per process (re-created after a fork), woken after commits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._pid = 0

    def wake(self) -> None:
        self._wanted.set()
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._wanted = threading.Event()
                    self._wanted.set()
                    self._pid = os.getpid()
                    threading.Thread(
                        target=self._run, name="reservations-audit-flush", daemon=True
                    ).start()

    def _run(self) -> None:
        wanted = self._wanted
        while True:
            wanted.wait()
            wanted.clear()
            try:
                done = _flush_locked(limit=_LIMIT, batches=1)
                if done is None or done == _LIMIT:
                    # Another process's flush held the lock (it may have read its rows
                    # before this process's last commit), or more rows wait than one
                    # batch takes: look again after the pause.
                    wanted.set()
            except Exception:  # noqa: BLE001 - retried at the next wake or by the command
                logger.exception("reservations audit flush failed")
            connection.close()  # back to the pool (or closed): the thread holds none idle
            time.sleep(settings.RESERVATIONS_AUDIT_FLUSH_SECONDS)


_background = _BackgroundFlusher()


def audit_outbox_flush(*, limit: int = _LIMIT, batches: int = 50) -> int:
    """Append waiting events to the audit chain, oldest first; returns how many.

    On PostgreSQL one flusher runs at a time: the others pay one round trip (a
    session-level try-lock) and return, their rows being taken by the running flush,
    which drains batch after batch until it finds none (or ``batches`` ran)."""
    return _flush_locked(limit=limit, batches=batches) or 0


def _flush_locked(*, limit: int, batches: int) -> int | None:
    """``audit_outbox_flush``; None when another flusher holds the lock.

    The background flusher (public processes) runs one batch per wake: draining while
    bookings keep coming would chain them a few dozen at a time, each batch paying the
    whole transaction (reads, chain lock, COPY, delete). After each pause
    (``RESERVATIONS_AUDIT_FLUSH_SECONDS``) one batch takes what arrived meanwhile
    (measured in docs/bookings.md)."""
    pg = connection.vendor == "postgresql"
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            row = cursor.fetchone()
        if not row or not row[0]:
            return None
    total = 0
    try:
        for _batch in range(batches):
            done = _flush_batch(limit=limit)
            if not done:
                break
            total += done
    finally:
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    return total


# The outbox's object types and the model label the audit log keeps for each.
_LABELS = {
    "booking": Booking._meta.label_lower,
    "application": EventApplication._meta.label_lower,
}
# Where each type's reference is among the row's texts (booking_text, application_text).
_TEXT_OF = {kind: n for n, kind in enumerate(_LABELS)}


def _reference(model: type[Booking] | type[EventApplication]) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef("object_id")).values("reference")[:1])


def _flush_batch(*, limit: int) -> int:
    """One transaction chaining up to ``limit`` waiting events; returns how many.

    The rows are read as values, each with its object's reference (the chain needs the
    object's pk and text, nothing more), and deleted by id: no model instances, no
    per-id query parameters (measured in docs/bookings.md, Audit)."""
    with transaction.atomic():
        rows = list(
            AuditOutbox.objects.order_by("id")
            .annotate(
                booking_text=_reference(Booking),
                application_text=_reference(EventApplication),
            )
            .values_list(
                "id", "action", "actor_id", "center_id", "object_type", "object_id", "data",
                "request_id", "ip", "at", "booking_text", "application_text",
            )[:limit]
        )  # fmt: skip
        if not rows:
            return 0
        users = User.objects.in_bulk({row[2] for row in rows if row[2]})
        centers = Center.objects.in_bulk({row[3] for row in rows})
        entries = []
        for _id, action, actor_id, center_id, kind, object_id, data, rid, ip, at, *texts in rows:
            text = texts[_TEXT_OF[kind]]
            entries.append(
                AuditEntry(
                    action=action,
                    actor=users.get(actor_id) if actor_id else None,
                    center=centers.get(center_id),
                    obj=None if text is None else ObjectRef(_LABELS[kind], str(object_id), text),
                    data={**data, "at": at.isoformat()},
                    request_id=rid,
                    ip=ip or None,
                )
            )
        audit_log_many(entries)
        _delete([row[0] for row in rows])
        return len(rows)


def _delete(ids: list[int]) -> None:
    if connection.vendor == "postgresql":  # one array parameter, not one per id
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {AuditOutbox._meta.db_table} WHERE id = ANY(%s)",  # noqa: S608 - table name from the model
                [ids],
            )
    else:
        AuditOutbox.objects.filter(pk__in=ids).delete()


def audit_outbox_flush_all(*, timeout: float = 120.0) -> int:
    """Flush until the outbox is empty (the command and the bench's final check)."""
    total = 0
    deadline = time.monotonic() + timeout
    while AuditOutbox.objects.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the reservations audit outbox did not drain")
        done = audit_outbox_flush()
        if done == 0:
            time.sleep(0.05)  # another flusher holds the lock
        total += done
    return total

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
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.audit import context
from madoguchi.audit.services import AuditEntry, audit_log_many
from madoguchi.reservations.models import AuditOutbox, Booking, EventApplication
from madoguchi.tenancy.models import Center

logger = logging.getLogger(__name__)
_LOCK_KEY = 0x5253_5641  # "RSVA": one flusher at a time on PostgreSQL


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
    if settings.RESERVATIONS_AUDIT_FLUSH_SECONDS > 0:
        transaction.on_commit(_background.wake)
    else:
        transaction.on_commit(audit_outbox_flush, robust=True)


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
                audit_outbox_flush()
            except Exception:  # noqa: BLE001 - retried at the next wake or by the command
                logger.exception("reservations audit flush failed")
            connection.close()  # back to the pool (or closed): the thread holds none idle
            time.sleep(settings.RESERVATIONS_AUDIT_FLUSH_SECONDS)


_background = _BackgroundFlusher()


def audit_outbox_flush(*, limit: int = 2000, batches: int = 50) -> int:
    """Append waiting events to the audit chain, oldest first; returns how many.

    On PostgreSQL one flusher runs at a time: the others pay one round trip (a
    session-level try-lock) and return, their rows being taken by the running flush,
    which drains batch after batch until it finds none (or ``batches`` ran)."""
    pg = connection.vendor == "postgresql"
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            row = cursor.fetchone()
        if not row or not row[0]:
            return 0
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


def _flush_batch(*, limit: int) -> int:
    """One transaction chaining up to ``limit`` waiting events; returns how many."""
    with transaction.atomic():
        rows = list(AuditOutbox.objects.order_by("id")[:limit])
        if not rows:
            return 0
        users = User.objects.in_bulk({r.actor_id for r in rows if r.actor_id})
        centers = Center.objects.in_bulk({r.center_id for r in rows})
        # The chain needs each object's pk and text (its reference), nothing more.
        bookings = Booking.objects.only("id", "reference").in_bulk(
            {r.object_id for r in rows if r.object_type == "booking"}
        )
        applications = EventApplication.objects.only("id", "reference").in_bulk(
            {r.object_id for r in rows if r.object_type == "application"}
        )
        audit_log_many(
            [
                AuditEntry(
                    action=row.action,
                    actor=users.get(row.actor_id) if row.actor_id else None,
                    center=centers.get(row.center_id),
                    obj=(bookings if row.object_type == "booking" else applications).get(
                        row.object_id
                    ),
                    data={**row.data, "at": row.at.isoformat()},
                    request_id=row.request_id,
                    ip=row.ip or None,
                )
                for row in rows
            ]
        )
        AuditOutbox.objects.filter(pk__in=[r.pk for r in rows]).delete()
        return len(rows)


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

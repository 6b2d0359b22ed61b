"""The PostgreSQL fast path of ``services.booking_create`` — called only by services.py.

Why raw SQL: a booking through the ORM is ``BEGIN``, the idempotency key INSERT, the
conditional slot UPDATE, the booking INSERT, the audit outbox INSERT and ``COMMIT``: six
round trips, with the slot's row lock held from the UPDATE until the COMMIT arrives
(measured in ``make bench-booking``, docs/bookings.md). Here the same writes are ONE
statement, a data-modifying CTE, sent in autocommit mode: one round trip, one commit
(which PostgreSQL groups with the concurrent ones), the row lock held for microseconds.

The rule stays the same: the slot's place is taken by the conditional UPDATE (never
read-then-write), and everything after it depends on its RETURNING row:

* ``s``: ``UPDATE slot SET booked = booked + 1 ... WHERE booked < capacity ...``
  (online channels: also the web quota and the web opening time) — no row means full;
* ``b``: the booking INSERT from ``s`` — the partial unique constraint refuses a second
  active booking for the same dose;
* ``k``: the idempotency key INSERT from ``b`` — *without* ``ON CONFLICT``: a retry with a
  key already used (or being used by a concurrent transaction, which PostgreSQL waits
  for) fails on the unique key, and the whole statement — place, booking, outbox row —
  is rolled back. The service then finds the earlier booking by its key;
* ``o``: the audit outbox row from ``b`` (chained later, ``audit_outbox.py``).

A statement is atomic on its own: it all commits or none of it does. Inside an outer
transaction (a caller's ``atomic`` block) the statement runs in a savepoint, so a
refusal leaves the caller's transaction usable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from madoguchi.reservations.models import AuditOutbox, Booking, IdempotencyKey, Slot

_BOOK_SQL = f"""
WITH s AS (
    UPDATE {Slot._meta.db_table}
       SET booked = booked + 1, booked_web = booked_web + %(web)s
     WHERE id = %(slot_id)s AND is_active AND booked < capacity
       AND (%(web)s = 0 OR (booked_web < web_capacity
                            AND (opens_at IS NULL OR opens_at <= %(now)s)))
    RETURNING id
), b AS (
    INSERT INTO {Booking._meta.db_table}
        (reference, center_id, service_id, slot_id, person_id, dose, phone, email,
         language, channel, status, created_by_id, created_at)
    SELECT %(reference)s, %(center_id)s, %(service_id)s, s.id, %(person_id)s, %(dose)s,
           %(phone)s, %(email)s, %(language)s, %(channel)s, 'active', %(actor_id)s::bigint, %(now)s
      FROM s
    RETURNING id
), k AS (
    INSERT INTO {IdempotencyKey._meta.db_table} (key, action, center_id, reference, created_at)
    SELECT %(key)s, %(action)s, %(center_id)s, %(reference)s, %(now)s FROM b
    RETURNING id
), o AS (
    INSERT INTO {AuditOutbox._meta.db_table}
        (action, actor_id, center_id, object_type, object_id, data, request_id, ip, at)
    SELECT %(audit_action)s, %(actor_id)s::bigint, %(center_id)s, 'booking', b.id, %(data)s::jsonb,
           %(request_id)s, %(ip)s, %(now)s
      FROM b, k
    RETURNING id
)
SELECT b.id, (SELECT count(*) FROM o) FROM b
"""  # noqa: S608 - table names come from the models, values are parameters


@dataclass(frozen=True)
class BookOutcome:
    """``booking_id`` is set when the place was taken; ``conflict`` when a unique
    constraint refused the statement (a used key or a second active booking)."""

    booking_id: int | None
    conflict: bool


def book_one_statement(
    *,
    slot_id: int,
    web: bool,
    now: datetime,
    reference: str,
    center_id: int,
    service_id: int,
    person_id: int,
    dose: int,
    phone: str,
    email: str,
    language: str,
    channel: str,
    actor_id: int | None,
    key: str,
    action: str,
    audit_action: str,
    data: dict[str, Any],
    request_id: str,
    ip: str,
) -> BookOutcome:
    """Run the one-statement booking (see the module docstring); PostgreSQL only."""
    params = {
        "slot_id": slot_id,
        "web": 1 if web else 0,
        "now": now,
        "reference": reference,
        "center_id": center_id,
        "service_id": service_id,
        "person_id": person_id,
        "dose": dose,
        "phone": phone,
        "email": email,
        "language": language,
        "channel": channel,
        "actor_id": actor_id,
        "key": key,
        "action": action,
        "audit_action": audit_action,
        "data": json.dumps(data),
        "request_id": request_id,
        "ip": ip,
    }
    try:
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_BOOK_SQL, params)
                row = cursor.fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(_BOOK_SQL, params)
                row = cursor.fetchone()
    except IntegrityError:
        return BookOutcome(booking_id=None, conflict=True)
    return BookOutcome(booking_id=int(row[0]) if row else None, conflict=False)

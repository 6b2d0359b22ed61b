"""The PostgreSQL fast path of the public booking: ``book_one_statement`` (called only by
``services.booking_create``, with ``key_use`` for a refused one) and ``door_lookup``
(only by ``selectors.booking_door``). All are server-side prepared statements
(``_prepared``). Outside a transaction, ``BookingCombiner`` writes the concurrent
bookings of a process as one statement (``_BOOK_MANY_SQL``, group commit).

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

When no place was taken, the service reads the key in a second statement: a retry that
waited for the first request's row lock must see that request's key, which committed
after this statement's snapshot.

The statement is prepared once per connection (``_execute_prepared``).

A statement is atomic on its own: it all commits or none of it does. Inside an outer
transaction (a caller's ``atomic`` block) the statement runs in a savepoint, so a
refusal leaves the caller's transaction usable.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

import psycopg
from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Model
from psycopg.types.json import Jsonb

from madoguchi.reservations.admission_models import LoginThrottle
from madoguchi.reservations.models import (
    AuditOutbox,
    Booking,
    IdempotencyKey,
    RosterEntry,
    Service,
    Slot,
    Venue,
)

_BOOK_SQL = f"""
WITH s AS (
    UPDATE {Slot._meta.db_table}
       SET booked = booked + 1, booked_web = booked_web + %(web)s::int
     WHERE id = %(slot_id)s AND is_active AND booked < capacity
       AND (%(web)s::int = 0 OR (booked_web < web_capacity
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
    SELECT %(audit_action)s, %(actor_id)s::bigint, %(center_id)s, 'booking', b.id, %(data)s,
           %(request_id)s, %(ip)s, %(now)s
      FROM b, k
    RETURNING id
)
SELECT b.id, (SELECT count(*) FROM o) FROM b
"""  # noqa: S608 - table names come from the models, values are parameters

_BIGINT_MAX = 2**63 - 1
_DOOR_MODELS: tuple[type[Model], ...] = (RosterEntry, Slot, Venue, Service)


def _columns(model: type[Model], alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


# What the public booking API reads before it books (``selectors.booking_door``), in one
# statement: the log-in throttle (the latest current window over its limit, for the
# coupon's key or the address's), the person by center + coupon + birth date, and the
# slot of this center with its venue and service. A missing person or slot is NULLs.
_DOOR_SQL = f"""
SELECT (SELECT max(t.window_started_at) FROM {LoginThrottle._meta.db_table} t
         WHERE t.window_started_at > %(window_start)s
           AND ((t.key = %(coupon_key)s AND t.failures >= %(coupon_limit)s::int)
             OR (t.key = %(ip_key)s AND t.failures >= %(ip_limit)s::int))),
       {_columns(RosterEntry, "p")}, {_columns(Slot, "s")},
       {_columns(Venue, "v")}, {_columns(Service, "sv")}
  FROM (SELECT 1) AS one
  LEFT JOIN {RosterEntry._meta.db_table} p
         ON p.center_id = %(center_id)s::bigint AND p.coupon_number = %(coupon)s
        AND p.birth_date = %(born)s::date
  LEFT JOIN ({Slot._meta.db_table} s
             JOIN {Venue._meta.db_table} v
               ON v.id = s.venue_id AND v.center_id = %(center_id)s::bigint
             JOIN {Service._meta.db_table} sv ON sv.id = s.service_id)
         ON s.id = %(slot_id)s::bigint
"""  # noqa: S608 - table and column names come from the models, values are parameters


@dataclass(frozen=True)
class DoorRow:
    latest_over_limit: datetime | None
    person: RosterEntry | None
    slot: Slot | None  # with .venue and .service loaded


def door_lookup(
    *,
    window_start: datetime,
    limits: dict[str, int],
    center_id: int,
    coupon: str,
    born: date,
    slot_id: int,
) -> DoorRow:
    """Run ``_DOOR_SQL`` (PostgreSQL only); ``limits`` as ``throttle.limits_for``."""
    (coupon_key, coupon_limit), (ip_key, ip_limit) = limits.items()
    row = _execute_prepared(
        _DOOR_SQL,
        {
            "window_start": window_start,
            "coupon_key": coupon_key,
            "coupon_limit": coupon_limit,
            "ip_key": ip_key,
            "ip_limit": ip_limit,
            "center_id": center_id,
            "coupon": coupon,
            "born": born,
            # An id beyond bigint names no slot (the ORM answers so too); as a
            # parameter it would fail the statement.
            "slot_id": slot_id if 0 < slot_id <= _BIGINT_MAX else 0,
        },
    )
    assert row is not None  # noqa: S101 - FROM (SELECT 1) always gives one row
    values = list(row[1:])
    loaded: list[Model | None] = []
    for model in _DOOR_MODELS:
        fields = model._meta.concrete_fields
        own, values = values[: len(fields)], values[len(fields) :]
        loaded.append(
            None
            if own[0] is None
            else model.from_db(connection.alias, [f.attname for f in fields], own)
        )
    person, slot, venue, service = loaded
    if isinstance(slot, Slot):
        slot.venue, slot.service = cast(Venue, venue), cast(Service, service)
    return DoorRow(
        latest_over_limit=row[0],
        person=person if isinstance(person, RosterEntry) else None,
        slot=slot if isinstance(slot, Slot) else None,
    )


_KEY_USE_SQL = f"""
SELECT action, center_id, reference FROM {IdempotencyKey._meta.db_table} WHERE key = %(key)s
"""  # noqa: S608 - table name from the model


def key_use(key: str) -> tuple[str, int, str] | None:
    """(action, center id, reference) of the idempotency key's earlier use, if any."""
    row = _execute_prepared(_KEY_USE_SQL, {"key": key})
    return None if row is None else (str(row[0]), int(row[1]), str(row[2]))


@dataclass(frozen=True)
class BookOutcome:
    """``booking_id`` is set when the place was taken; else ``conflict`` tells whether
    a unique constraint refused it (a used key or a second active booking) and
    ``key_use`` is the key's earlier use (``key_use()``), if any."""

    booking_id: int | None
    conflict: bool
    key_use: tuple[str, int, str] | None


@contextmanager
def _prepared(sql: str, params: dict[str, Any]) -> Iterator[psycopg.Cursor[Any]]:
    """A cursor that ran ``sql`` as a server-side prepared statement on Django's
    connection.

    Django's cursors bind parameters on the client (the whole text is sent, parsed and
    planned on every call). Here the statement is parsed and planned once per
    connection and each booking sends only its values: less work for the server and
    for this process (measured in docs/bookings.md). Database errors are Django's."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        yield cursor


def _execute_prepared(sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """``sql`` as a prepared statement (``_prepared``); its first row."""
    with _prepared(sql, params) as cursor:
        return cursor.fetchone()


# The same writes for several bookings in ONE statement (``BookingCombiner``): each
# request is one row of ``r`` (the requests come as one JSON array of objects; a
# data-modifying CTE runs to completion whether or not the last SELECT reads it). The
# slots are locked in ascending id order first (``l``), so two batches never wait on
# each other in a cycle; then the same conditional UPDATE per slot (a batch never holds
# one slot twice), and the booking, key and outbox rows of the places taken. A unique
# constraint refusing ONE row fails the whole statement: the combiner then books that
# batch one request at a time.
_BOOK_MANY_SQL = f"""
WITH r AS MATERIALIZED (
    SELECT * FROM json_to_recordset(%(rows)s::json)
        AS r(slot_id bigint, web int, now timestamptz, reference text, center_id bigint,
             service_id bigint, person_id bigint, dose int, phone text, email text,
             language text, channel text, actor_id bigint, key text, action text,
             audit_action text, data json, request_id text, ip text)
), l AS MATERIALIZED (
    SELECT t.id FROM {Slot._meta.db_table} t
     WHERE t.id IN (SELECT slot_id FROM r)
     ORDER BY t.id
       FOR UPDATE
), s AS (
    UPDATE {Slot._meta.db_table} t
       SET booked = t.booked + 1, booked_web = t.booked_web + r.web
      FROM l JOIN r ON r.slot_id = l.id
     WHERE t.id = l.id AND t.is_active AND t.booked < t.capacity
       AND (r.web = 0 OR (t.booked_web < t.web_capacity
                          AND (t.opens_at IS NULL OR t.opens_at <= r.now)))
    RETURNING t.id
), b AS (
    INSERT INTO {Booking._meta.db_table}
        (reference, center_id, service_id, slot_id, person_id, dose, phone, email,
         language, channel, status, created_by_id, created_at)
    SELECT r.reference, r.center_id, r.service_id, s.id, r.person_id, r.dose, r.phone,
           r.email, r.language, r.channel, 'active', r.actor_id, r.now
      FROM s JOIN r ON r.slot_id = s.id
    RETURNING id, slot_id
), k AS (
    INSERT INTO {IdempotencyKey._meta.db_table} (key, action, center_id, reference, created_at)
    SELECT r.key, r.action, r.center_id, r.reference, r.now
      FROM b JOIN r ON r.slot_id = b.slot_id
    RETURNING id
), o AS (
    INSERT INTO {AuditOutbox._meta.db_table}
        (action, actor_id, center_id, object_type, object_id, data, request_id, ip, at)
    SELECT r.audit_action, r.actor_id, r.center_id, 'booking', b.id, r.data::jsonb,
           r.request_id, r.ip, r.now
      FROM b JOIN r ON r.slot_id = b.slot_id
    RETURNING id
)
SELECT b.slot_id, b.id FROM b
"""  # noqa: S608 - table names come from the models, values are parameters

_KEY_USES_SQL = f"""
SELECT key, action, center_id, reference FROM {IdempotencyKey._meta.db_table}
 WHERE key = ANY(%(keys)s::text[])
"""  # noqa: S608 - table name from the model


def _book_many(requests: list[dict[str, Any]]) -> dict[int, int]:
    """Run ``_BOOK_MANY_SQL`` for requests of distinct slots: {slot id: booking id} of
    the places taken. Raises (and writes nothing) when a constraint refuses any row.
    The requests go as one JSON parameter: psycopg dumps 19 arrays value by value in
    Python, ``json.dumps`` does it in C (measured in docs/bookings.md)."""
    rows = json.dumps([{**request, "now": request["now"].isoformat()} for request in requests])
    with _prepared(_BOOK_MANY_SQL, {"rows": rows}) as cursor:
        return {int(slot_id): int(booking_id) for slot_id, booking_id in cursor}


def _key_uses(keys: list[str]) -> dict[str, tuple[str, int, str]]:
    """``key_use`` for several keys in one statement."""
    with _prepared(_KEY_USES_SQL, {"keys": keys}) as cursor:
        return {str(k): (str(a), int(c), str(r)) for k, a, c, r in cursor}


@dataclass(eq=False)
class _Waiting:
    params: dict[str, Any]
    # Held until the request has its outcome, or a batch to lead (``batch``).
    ready: Any = field(default_factory=threading.Lock)
    batch: list[_Waiting] | None = None
    outcome: BookOutcome | None = None
    error: BaseException | None = None


class BookingCombiner:
    """Concurrent bookings of one process, written together (group commit).

    While fewer than ``leaders`` batches are running, a caller leads at once: it takes
    its own request and the waiting ones of other slots (at most ``size``), writes them
    with ``_BOOK_MANY_SQL`` on its own connection and wakes their callers with their
    outcomes. Otherwise the caller waits in line, until a leader gives it its outcome
    or, finishing, hands it the lead with the next batch. So a process sends at most
    ``leaders`` booking statements at a time, each with what arrived meanwhile, instead
    of one statement and one commit per booking; each caller is woken once.
    """

    def __init__(self) -> None:
        self._reset()
        # A forked child starts with an empty line (the parent's callers are not its
        # own) and a free mutex (another thread may have held it at the fork).
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._mutex = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leaders = 0

    def book(self, params: dict[str, Any], *, leaders: int, size: int) -> BookOutcome:
        waiting = _Waiting(params)
        waiting.ready.acquire()
        with self._mutex:
            if self._leaders < leaders:
                self._leaders += 1
                waiting.batch = self._take(waiting, size)
            else:
                self._queue.append(waiting)
        if waiting.batch is None:
            waiting.ready.acquire()
        if waiting.batch is not None:
            self._lead(waiting.batch, size)
        if waiting.error is not None:
            raise waiting.error
        assert waiting.outcome is not None  # noqa: S101 - set before ready is released
        return waiting.outcome

    def _take(self, own: _Waiting, size: int) -> list[_Waiting]:
        """``own`` and the first waiting requests of other slots; the rest keep their
        place in line."""
        batch, slots, rest = [own], {own.params["slot_id"]}, []
        for waiting in self._queue:
            if waiting is own:
                continue
            if len(batch) < size and waiting.params["slot_id"] not in slots:
                batch.append(waiting)
                slots.add(waiting.params["slot_id"])
            else:
                rest.append(waiting)
        self._queue = rest
        return batch

    def _lead(self, batch: list[_Waiting], size: int) -> None:
        try:
            _run_batch(batch)
        finally:
            for waiting in batch:
                if waiting.outcome is None and waiting.error is None:
                    waiting.error = DatabaseError("the booking batch was interrupted")
            with self._mutex:
                following = self._queue[0] if self._queue else None
                if following is None:
                    self._leaders -= 1
                else:
                    following.batch = self._take(following, size)
            for waiting in batch[1:]:
                waiting.ready.release()
            if following is not None:
                following.ready.release()


def _run_batch(batch: list[_Waiting]) -> None:
    """Write ``batch``; set each request's outcome (or error). A refused batch (a used
    key, a second active booking; a deadlock with a concurrent request of the same
    person) is written again one request at a time, each with its own answer."""
    if len(batch) > 1:
        try:
            booked = _book_many([waiting.params for waiting in batch])
        except (IntegrityError, OperationalError):
            pass  # nothing was written: one by one below
        except Exception as exc:  # noqa: BLE001 - every waiting caller gets it
            for waiting in batch:
                waiting.error = exc
            return
        else:
            _answer(batch, booked)
            return
    for waiting in batch:
        try:
            waiting.outcome = _book_one(waiting.params)
        except Exception as exc:  # noqa: BLE001 - raised in the waiting caller
            waiting.error = exc


def _answer(batch: list[_Waiting], booked: dict[int, int]) -> None:
    """Outcomes of a committed batch. The keys of the requests that got no place are
    read after the commit (as ``_book_one`` does): a retry among them answers with the
    first booking. If that read fails, only those requests get the error."""
    refused = [w for w in batch if w.params["slot_id"] not in booked]
    for waiting in batch:
        if waiting not in refused:
            waiting.outcome = BookOutcome(
                booking_id=booked[waiting.params["slot_id"]], conflict=False, key_use=None
            )
    if not refused:
        return
    try:
        uses = _key_uses([w.params["key"] for w in refused])
    except Exception as exc:  # noqa: BLE001 - raised in the refused callers
        for waiting in refused:
            waiting.error = exc
        return
    for waiting in refused:
        waiting.outcome = BookOutcome(
            booking_id=None, conflict=False, key_use=uses.get(waiting.params["key"])
        )


_combiner = BookingCombiner()


def _book_one(params: dict[str, Any]) -> BookOutcome:
    conflict = False
    params = {**params, "data": Jsonb(params["data"])}
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                row = _execute_prepared(_BOOK_SQL, params)
        else:
            row = _execute_prepared(_BOOK_SQL, params)
    except IntegrityError:
        row, conflict = None, True
    if row is not None:
        return BookOutcome(booking_id=int(row[0]), conflict=False, key_use=None)
    # Nothing was written. Read the key in a second statement: a retry that waited for
    # the first request's row lock must see that request's key, committed after this
    # statement's snapshot.
    return BookOutcome(booking_id=None, conflict=conflict, key_use=key_use(params["key"]))


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
        "data": data,
        "request_id": request_id,
        "ip": ip,
    }
    leaders = settings.RESERVATIONS_BOOKING_LEADERS
    if leaders and not connection.in_atomic_block:
        return _combiner.book(params, leaders=leaders, size=settings.RESERVATIONS_BOOKING_BATCH)
    return _book_one(params)

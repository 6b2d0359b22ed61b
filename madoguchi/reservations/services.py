"""Writes of the reservations context (RSV-1..5, RSV-11).

Capacity rule (RSV-1): a place is taken by ONE conditional statement,
``UPDATE slot SET booked = booked + 1 WHERE id = %s AND booked < capacity``, followed by
the INSERT of the booking in the same transaction — never read-then-write, no
``select_for_update``, no application lock. A row count of 0 means "full". The database
holds the row lock for microseconds, so hot slots stay fast, and the CHECK constraints on
the slot make an oversold row impossible to store even if a bug slipped in. Online
channels (web, LINE) also take a place of the slot's web quota in the same statement.

Idempotency: every book/cancel/change carries a server-issued key. The key row is
inserted first, in the service's transaction; a retry (double click, network retry)
hits the unique key, waits for the first request to commit, and gets the same booking
back with no second effect. Each service validates first, so a refusal writes nothing.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.audit import context as audit_context
from madoguchi.audit.services import audit_log
from madoguchi.pii import refuse_special_care_numbers
from madoguchi.reservations import audit_actions, sql
from madoguchi.reservations.audit_outbox import audit_later, flush_after_commit
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import (
    ONLINE_CHANNELS,
    ApplicationStatus,
    Booking,
    BookingChannel,
    BookingStatus,
    Event,
    EventApplication,
    IdempotencyAction,
    IdempotencyKey,
    RosterEntry,
    Service,
    Slot,
    Venue,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center, Language
from madoguchi.tenancy.phone import phone_normalize

_SLOT_FULL = _("この枠は満員になりました。別の日時を選んでください。")
_ALREADY_BOOKED = _("この回の予約は既にあります。変更する場合は予約の変更をお使いください。")
_CHANNELS = frozenset(BookingChannel.values)
_LANGUAGES = frozenset(Language.values)
# The log-in answer never says which of coupon number and birth date was wrong.
PERSON_NOT_FOUND = _("接種券番号または生年月日が一致しません。")

# No 0/O, 1/I/L: references are read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def reference_new() -> str:
    """A random booking reference such as ``K7M2-Q9XD`` (8 symbols, ~40 bits)."""
    # One draw from the system's random source (not eight: each is a system call on the
    # booking hot path), written in base 31: uniform over all 31**8 references.
    number = secrets.randbelow(len(_REFERENCE_ALPHABET) ** 8)
    symbols = []
    for _i in range(8):
        number, digit = divmod(number, len(_REFERENCE_ALPHABET))
        symbols.append(_REFERENCE_ALPHABET[digit])
    return f"{''.join(symbols[:4])}-{''.join(symbols[4:])}"


def idempotency_key_new() -> str:
    """A fresh key for a form or API call; the view puts it in a hidden field."""
    return secrets.token_urlsafe(24)


def coupon_normalize(raw: str, *, field: str = "coupon_number") -> str:
    """Coupon numbers as typed (full-width digits, hyphens and spaces accepted)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = "".join(ch for ch in text if ch not in "-‐−ー  ")
    if not text:
        raise ReservationsError(_("接種券番号を入力してください。"), field=field)
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        raise ReservationsError(_("接種券番号は20桁以内の数字で入力してください。"), field=field)
    return text


def _claim_key(*, key: str, action: str, center: Center, reference: str) -> str | None:
    """Insert the idempotency key; returns the earlier reference when the key was used.

    One statement, ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id``: on
    PostgreSQL a concurrent insert of the same key waits for the first transaction and
    then inserts nothing; on SQLite write transactions are serialized (IMMEDIATE). No
    savepoint is needed, which keeps the hot path at one round trip.
    """
    key = _key_checked(key)
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, action, center_id, reference, created_at) "  # noqa: S608 - table name from the model
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING id",
            [key, action, center.pk, reference, timezone.now()],
        )
        inserted = cursor.fetchone()
    if inserted is not None:
        return None
    prior = _prior_reference(key=key, action=action, center=center)
    if prior is None:
        raise ReservationsError(_("画面を開き直してから、もう一度お試しください。"), field=None)
    return prior


def _key_checked(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise ReservationsError(_("画面を開き直してから、もう一度お試しください。"), field=None)
    return key


def _prior_reference(*, key: str, action: str, center: Center) -> str | None:
    """The reference an earlier request with ``key`` got; None when the key is unused.
    A key used for another action or center is refused (a forged or mixed-up form)."""
    row = (
        IdempotencyKey.objects.filter(key=key)
        .values_list("action", "center_id", "reference")
        .first()
    )
    return _prior_of(row, action=action, center=center)


def _prior_of(row: tuple[str, int, str] | None, *, action: str, center: Center) -> str | None:
    """The reference of a key's earlier use ``row`` (action, center id, reference)."""
    if row is None:
        return None
    if row[0] != action or row[1] != center.pk:
        raise ReservationsError(_("画面を開き直してから、もう一度お試しください。"), field=None)
    return str(row[2])


def _replayed_booking(reference: str) -> Booking:
    return Booking.objects.select_related("slot__venue", "service", "person").get(
        reference=reference
    )


def _contact(*, phone: str, email: str) -> tuple[str, str]:
    phone_e164 = ""
    if (phone or "").strip():
        try:
            phone_e164 = phone_normalize(phone, field="phone").e164
        except TenancyError as exc:
            raise ReservationsError(exc.message, field="phone") from exc
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ReservationsError(
                _("メールアドレスの形式が正しくありません。"), field="email"
            ) from exc
    return phone_e164, email


def _language(language: str) -> str:
    if language not in _LANGUAGES:
        raise ReservationsError(_("対応していない言語です。"), field="language")
    return language


def _take_place(*, slot: Slot, online: bool, now: datetime) -> None:
    """The conditional UPDATE: one statement takes a place or reports the slot full."""
    condition = Q(pk=slot.pk, is_active=True, booked__lt=F("capacity"))
    changes: dict[str, Any] = {"booked": F("booked") + 1}
    if online:
        condition &= Q(booked_web__lt=F("web_capacity"))
        condition &= Q(opens_at__isnull=True) | Q(opens_at__lte=now)
        changes["booked_web"] = F("booked_web") + 1
    if Slot.objects.filter(condition).update(**changes) != 1:
        raise ReservationsError(_SLOT_FULL, field="slot")


def _give_back_place(*, slot_id: int, online: bool) -> None:
    changes: dict[str, Any] = {"booked": F("booked") - 1}
    if online:
        changes["booked_web"] = F("booked_web") - 1
    Slot.objects.filter(pk=slot_id).update(**changes)


def _check_bookable(*, slot: Slot, person: RosterEntry, dose: int, now: datetime) -> None:
    service = slot.service
    if slot.venue.center_id != person.center_id or service.center_id != person.center_id:
        raise ReservationsError(_("この枠はご利用のセンターの枠ではありません。"), field="slot")
    if not person.eligible:
        raise ReservationsError(
            _("この接種券番号では予約できません。コールセンターへお問い合わせください。"),
            field="coupon_number",
        )
    if not service.is_active or not slot.venue.is_active:
        raise ReservationsError(_("この枠は受付を終了しました。"), field="slot")
    if slot.starts_at <= now:
        raise ReservationsError(_("開始時刻を過ぎた枠は予約できません。"), field="slot")
    if not 1 <= dose <= service.doses:
        raise ReservationsError(
            _("%(doses)d回目までを選んでください。") % {"doses": service.doses}, field="dose"
        )


def _insert_booking(**fields: Any) -> Booking:
    """INSERT the booking; the partial unique constraint refuses a second active one.

    No savepoint: the error is re-raised at once as the context's error, which rolls
    the service's whole atomic block back (the place taken in the slot included)."""
    try:
        return Booking.objects.create(**fields)
    except IntegrityError as exc:
        raise ReservationsError(_ALREADY_BOOKED, field="slot") from exc


def _booking_data(booking: Booking) -> dict[str, Any]:
    """Audit data: no phone, e-mail or birth date (they stay in the booking row)."""
    return {
        "reference": booking.reference,
        "slot_id": booking.slot_id,
        "service_id": booking.service_id,
        "dose": booking.dose,
        "channel": booking.channel,
    }


def booking_create(
    *,
    actor: Any,
    slot: Slot,
    person: RosterEntry,
    channel: str,
    idempotency_key: str,
    dose: int = 1,
    phone: str = "",
    email: str = "",
    language: str = "ja",
    now: datetime | None = None,
) -> Booking:
    """Book ``person`` into ``slot`` (RSV-1..3).

    Rules: the slot belongs to the person's center, the person is eligible, the slot is
    open for booking and not started, the dose exists for the service; online channels
    respect the web quota and the slot's web opening time; at most one active booking
    per person, service and dose. A retry with the same key returns the same booking.
    """
    now = now or timezone.now()
    if channel not in _CHANNELS:
        raise ReservationsError(_("受付経路が正しくありません。"), field="channel")
    _check_bookable(slot=slot, person=person, dose=dose, now=now)
    phone_e164, email = _contact(phone=phone, email=email)
    booking = Booking(
        reference=reference_new(),
        center_id=person.center_id,
        service_id=slot.service_id,
        slot=slot,
        person=person,
        dose=dose,
        phone=phone_e164,
        email=email,
        language=_language(language),
        channel=channel,
        status=BookingStatus.ACTIVE,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    if connection.vendor == "postgresql":
        return _book_postgres(booking=booking, actor=actor, key=idempotency_key, now=now)
    return _book_orm(booking=booking, actor=actor, key=idempotency_key, now=now)


@transaction.atomic
def _book_orm(*, booking: Booking, actor: Any, key: str, now: datetime) -> Booking:
    """Key claim, conditional UPDATE, INSERT and outbox row in one transaction (SQLite,
    and the reference for the PostgreSQL statement in ``sql.py``)."""
    prior = _claim_key(
        key=key,
        action=IdempotencyAction.BOOK,
        center=booking.person.center,
        reference=booking.reference,
    )
    if prior is not None:
        return _replayed_booking(prior)
    _take_place(slot=booking.slot, online=booking.channel in ONLINE_CHANNELS, now=now)
    try:
        booking.save(force_insert=True)
    except IntegrityError as exc:  # the partial unique constraint: rolls the block back
        raise ReservationsError(_ALREADY_BOOKED, field="slot") from exc
    audit_later(
        action=audit_actions.BOOKING_CREATED,
        actor=actor,
        center=booking.person.center,
        obj=booking,
        data=_booking_data(booking),
    )
    return booking


def _book_postgres(*, booking: Booking, actor: Any, key: str, now: datetime) -> Booking:
    """The same writes as ``_book_orm`` as ONE statement (``sql.py`` says why)."""
    key = _key_checked(key)
    if _looks_full(booking.slot, online=booking.channel in ONLINE_CHANNELS):
        # The slot as just read has no place for this channel: the conditional UPDATE
        # could only refuse. Skip the statement; the key still answers a retry whose
        # first request took the last place (on a public surge most requests for a
        # full slot end here, with one read instead of a write and a read).
        prior = _prior_of(
            sql.key_use(key), action=IdempotencyAction.BOOK, center=booking.person.center
        )
        if prior is not None:
            return _replayed_booking(prior)
        raise ReservationsError(_SLOT_FULL, field="slot")
    request = audit_context.current()
    outcome = sql.book_one_statement(
        slot_id=booking.slot_id,
        web=booking.channel in ONLINE_CHANNELS,
        now=now,
        reference=booking.reference,
        center_id=booking.center_id,
        service_id=booking.service_id,
        person_id=booking.person_id,
        dose=booking.dose,
        phone=booking.phone,
        email=booking.email,
        language=booking.language,
        channel=booking.channel,
        actor_id=booking.created_by_id,
        key=key,
        action=IdempotencyAction.BOOK,
        audit_action=audit_actions.BOOKING_CREATED,
        data=_booking_data(booking),
        request_id=request.request_id if request else "",
        ip=(request.ip or "") if request else "",
    )
    if outcome.booking_id is None:
        # Nothing was written. A used key means a retry: answer with the first booking.
        prior = _prior_of(
            outcome.key_use, action=IdempotencyAction.BOOK, center=booking.person.center
        )
        if prior is not None:
            return _replayed_booking(prior)
        if outcome.conflict:
            raise ReservationsError(_ALREADY_BOOKED, field="slot")
        raise ReservationsError(_SLOT_FULL, field="slot")
    booking.pk = outcome.booking_id
    booking._state.adding = False
    booking._state.db = connection.alias
    flush_after_commit()  # outside a transaction: at once, without touching the connection
    return booking


def _looks_full(slot: Slot, *, online: bool) -> bool:
    """No place left in ``slot`` as read (all places, or the web quota online)."""
    return slot.booked >= slot.capacity or (online and slot.booked_web >= slot.web_capacity)


def _end_booking(*, booking: Booking, status: str, now: datetime) -> None:
    """Flip the booking from active in one conditional UPDATE (the row lock serializes a
    concurrent cancel and change of the same booking); 0 rows: it was already ended."""
    ended = Booking.objects.filter(pk=booking.pk, status=BookingStatus.ACTIVE).update(
        status=status, cancelled_at=now
    )
    if ended != 1:
        raise ReservationsError(_("この予約は既に取消または変更されています。"), field=None)


@transaction.atomic
def booking_cancel(
    *,
    actor: Any,
    booking: Booking,
    idempotency_key: str,
    now: datetime | None = None,
) -> Booking:
    """Cancel an active booking and give its place back to the slot (RSV-2, RSV-3).
    A retry with the same key returns the cancelled booking unchanged."""
    now = now or timezone.now()
    prior = _claim_key(
        key=idempotency_key,
        action=IdempotencyAction.CANCEL,
        center=booking.center,
        reference=booking.reference,
    )
    if prior is not None:
        return _replayed_booking(prior)
    _end_booking(booking=booking, status=BookingStatus.CANCELLED, now=now)
    _give_back_place(slot_id=booking.slot_id, online=booking.channel in ONLINE_CHANNELS)
    booking.refresh_from_db()
    audit_later(
        action=audit_actions.BOOKING_CANCELLED,
        actor=actor,
        center=booking.center,
        obj=booking,
        data=_booking_data(booking),
    )
    return booking


@transaction.atomic
def booking_change(
    *,
    actor: Any,
    booking: Booking,
    new_slot: Slot,
    idempotency_key: str,
    channel: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to ``new_slot`` atomically (RSV-4): the old booking ends as
    ``changed`` and a new active booking takes a place in the new slot, in one
    transaction. When the new slot is full (or anything else fails) the whole change
    rolls back and the person keeps the old slot. Returns the new booking; a retry with
    the same key returns it again.

    Lock order avoids deadlocks with a concurrent change the other way: the booking row
    first, then the two slot rows in ascending id order.
    """
    now = now or timezone.now()
    channel = channel or booking.channel
    if channel not in _CHANNELS:
        raise ReservationsError(_("受付経路が正しくありません。"), field="channel")
    if new_slot.pk == booking.slot_id:
        raise ReservationsError(_("今と同じ枠です。別の枠を選んでください。"), field="slot")
    if new_slot.service_id != booking.service_id:
        raise ReservationsError(_("同じサービスの枠を選んでください。"), field="slot")
    _check_bookable(slot=new_slot, person=booking.person, dose=booking.dose, now=now)
    reference = reference_new()
    prior = _claim_key(
        key=idempotency_key,
        action=IdempotencyAction.CHANGE,
        center=booking.center,
        reference=reference,
    )
    if prior is not None:
        return _replayed_booking(prior)
    _end_booking(booking=booking, status=BookingStatus.CHANGED, now=now)
    old_online = booking.channel in ONLINE_CHANNELS
    new_online = channel in ONLINE_CHANNELS
    if new_slot.pk < booking.slot_id:
        _take_place(slot=new_slot, online=new_online, now=now)
        _give_back_place(slot_id=booking.slot_id, online=old_online)
    else:
        _give_back_place(slot_id=booking.slot_id, online=old_online)
        _take_place(slot=new_slot, online=new_online, now=now)
    new = _insert_booking(
        reference=reference,
        center_id=booking.center_id,
        service_id=booking.service_id,
        slot=new_slot,
        person_id=booking.person_id,
        dose=booking.dose,
        phone=booking.phone,
        email=booking.email,
        language=booking.language,
        channel=channel,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    Booking.objects.filter(pk=booking.pk).update(replaced_by=new)
    booking.refresh_from_db()
    audit_later(
        action=audit_actions.BOOKING_CHANGED,
        actor=actor,
        center=booking.center,
        obj=new,
        data={**_booking_data(new), "previous": booking.reference, "old_slot_id": booking.slot_id},
    )
    return new


def person_find(*, center: Center, coupon_number: str, birth_date: date) -> RosterEntry:
    """The roster entry matching coupon number AND birth date; the error never says
    which of the two was wrong (login and operator lookup)."""
    coupon = coupon_normalize(coupon_number)
    person = (
        RosterEntry.objects.select_related("center")
        .filter(center=center, coupon_number=coupon, birth_date=birth_date)
        .first()
    )
    if person is None:
        raise ReservationsError(PERSON_NOT_FOUND, field="coupon_number")
    return person


# --- Event applications (RSV-11) ---------------------------------------------------


@transaction.atomic
def application_create(
    *,
    actor: Any,
    event: Event,
    name: str,
    idempotency_key: str,
    phone: str = "",
    email: str = "",
    party_size: int = 1,
    channel: str = BookingChannel.WEB,
    language: str = "ja",
    now: datetime | None = None,
) -> EventApplication:
    """Apply to a city event for ``party_size`` people (RSV-11), with the same
    conditional UPDATE as slots (``applied + n <= capacity``). Free text refuses My
    Number and card numbers (no special-care data in applications)."""
    now = now or timezone.now()
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name:
        raise ReservationsError(_("氏名を入力してください。"), field="name")
    try:
        refuse_special_care_numbers(name)
    except ValidationError as exc:
        raise ReservationsError(exc.messages[0], field="name") from exc
    if channel not in _CHANNELS:
        raise ReservationsError(_("受付経路が正しくありません。"), field="channel")
    if not 1 <= party_size <= event.max_party:
        raise ReservationsError(
            _("人数は1〜%(max)d人で入力してください。") % {"max": event.max_party},
            field="party_size",
        )
    phone_e164, email = _contact(phone=phone, email=email)
    if not phone_e164 and not email:
        raise ReservationsError(
            _("電話番号かメールアドレスのどちらかを入力してください。"), field="phone"
        )
    language = _language(language)
    if not event.is_active or (event.closes_at is not None and now >= event.closes_at):
        raise ReservationsError(_("このイベントの受付は終了しました。"), field=None)
    if event.opens_at is not None and now < event.opens_at:
        raise ReservationsError(_("このイベントの受付はまだ始まっていません。"), field=None)
    reference = reference_new()
    prior = _claim_key(
        key=idempotency_key,
        action=IdempotencyAction.APPLY,
        center=event.center,
        reference=reference,
    )
    if prior is not None:
        return EventApplication.objects.get(reference=prior)
    taken = Event.objects.filter(pk=event.pk, applied__lte=F("capacity") - party_size).update(
        applied=F("applied") + party_size
    )
    if taken != 1:
        raise ReservationsError(_("定員に達しました。"), field="party_size")
    application = EventApplication.objects.create(
        reference=reference,
        event=event,
        name=name,
        phone=phone_e164,
        email=email,
        party_size=party_size,
        language=language,
        channel=channel,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    audit_later(
        action=audit_actions.APPLICATION_CREATED,
        actor=actor,
        center=event.center,
        obj=application,
        data={"reference": reference, "event_id": event.pk, "party_size": party_size},
    )
    return application


@transaction.atomic
def application_withdraw(
    *,
    actor: Any,
    application: EventApplication,
    idempotency_key: str,
    now: datetime | None = None,
) -> EventApplication:
    """Withdraw an application and give its places back (RSV-11)."""
    now = now or timezone.now()
    event = application.event
    prior = _claim_key(
        key=idempotency_key,
        action=IdempotencyAction.WITHDRAW,
        center=event.center,
        reference=application.reference,
    )
    if prior is not None:
        return EventApplication.objects.get(reference=prior)
    ended = EventApplication.objects.filter(
        pk=application.pk, status=ApplicationStatus.ACTIVE
    ).update(status=ApplicationStatus.WITHDRAWN, withdrawn_at=now)
    if ended != 1:
        raise ReservationsError(_("この申込みは既に取り消されています。"), field=None)
    Event.objects.filter(pk=event.pk).update(applied=F("applied") - application.party_size)
    application.refresh_from_db()
    audit_later(
        action=audit_actions.APPLICATION_WITHDRAWN,
        actor=actor,
        center=event.center,
        obj=application,
        data={"reference": application.reference, "event_id": event.pk},
    )
    return application


# --- venues and slots (SLOT_MANAGE) -------------------------------------------------


@transaction.atomic
def venue_save(
    *,
    actor: Any,
    center: Center,
    name: str,
    venue: Venue | None = None,
    name_en: str = "",
    address: str = "",
    list_email: str = "",
    is_active: bool = True,
) -> Venue:
    """Create or edit a venue of ``center``; names are unique in the center."""
    name = name.strip()
    if not name:
        raise ReservationsError(_("会場名を入力してください。"), field="name")
    _unused, list_email = _contact(phone="", email=list_email)
    clash = Venue.objects.filter(center=center, name=name)
    if venue is not None:
        if venue.center_id != center.pk:
            raise ReservationsError(_("この会場は別のセンターのものです。"), field=None)
        clash = clash.exclude(pk=venue.pk)
    if clash.exists():
        raise ReservationsError(_("「%(name)s」は既にあります。") % {"name": name}, field="name")
    venue = venue or Venue(center=center)
    venue.name, venue.name_en, venue.address = name, name_en.strip(), address.strip()
    venue.list_email, venue.is_active = list_email, is_active
    venue.save()
    audit_log(
        action=audit_actions.VENUE_SAVED,
        actor=actor,
        center=center,
        obj=venue,
        data={"name": name, "is_active": is_active},
    )
    return venue


def _slot_check(
    *, starts_at: datetime, ends_at: datetime, capacity: int, web_capacity: int
) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ReservationsError(_("日時にはタイムゾーンが必要です。"), field="starts_at")
    if ends_at <= starts_at:
        raise ReservationsError(_("終了は開始より後にしてください。"), field="ends_at")
    if capacity < 1 or capacity > 100_000:
        raise ReservationsError(_("定員は1以上にしてください。"), field="capacity")
    if not 0 <= web_capacity <= capacity:
        raise ReservationsError(
            _("Web・LINE枠は0以上、定員以下にしてください。"), field="web_capacity"
        )


@transaction.atomic
def slots_generate(
    *,
    actor: Any,
    venue: Venue,
    service: Service,
    first_start: datetime,
    last_start: datetime,
    minutes: int,
    capacity: int,
    web_capacity: int | None = None,
    opens_at: datetime | None = None,
) -> list[Slot]:
    """Create the slots of one day at a venue: from ``first_start`` to ``last_start``
    every ``minutes``; existing starts are refused (nothing is created then)."""
    if venue.center_id != service.center_id:
        raise ReservationsError(_("会場とサービスのセンターが違います。"), field="service")
    if not 5 <= minutes <= 24 * 60:
        raise ReservationsError(_("枠の長さは5分以上にしてください。"), field="minutes")
    web = capacity if web_capacity is None else web_capacity
    _slot_check(
        starts_at=first_start,
        ends_at=first_start + timedelta(minutes=minutes),
        capacity=capacity,
        web_capacity=web,
    )
    if last_start < first_start or last_start - first_start > timedelta(days=1):
        raise ReservationsError(
            _("最後の枠の開始は最初の枠以降、同じ日のうちにしてください。"), field="last_start"
        )
    starts = []
    at = first_start
    while at <= last_start:
        starts.append(at)
        at += timedelta(minutes=minutes)
    taken = set(
        Slot.objects.filter(venue=venue, service=service, starts_at__in=starts).values_list(
            "starts_at", flat=True
        )
    )
    if taken:
        first = min(taken).astimezone(TOKYO)
        raise ReservationsError(
            _("%(at)s の枠は既にあります。") % {"at": f"{first:%Y-%m-%d %H:%M}"},
            field="first_start",
        )
    slots = Slot.objects.bulk_create(
        Slot(
            venue=venue,
            service=service,
            starts_at=s,
            ends_at=s + timedelta(minutes=minutes),
            capacity=capacity,
            web_capacity=web,
            opens_at=opens_at,
        )
        for s in starts
    )
    audit_log(
        action=audit_actions.SLOT_CREATED,
        actor=actor,
        center=venue.center,
        obj=venue,
        data={
            "service_id": service.pk,
            "count": len(slots),
            "first_start": first_start.isoformat(),
            "capacity": capacity,
            "web_capacity": web,
        },
    )
    return slots


@transaction.atomic
def slot_update(
    *,
    actor: Any,
    slot: Slot,
    capacity: int,
    web_capacity: int,
    is_active: bool = True,
    opens_at: datetime | None = None,
) -> Slot:
    """Change a slot's capacity, web quota, opening time or visibility. Capacity never
    drops below the places already booked: the conditional UPDATE checks it in the same
    statement, so a booking arriving meanwhile cannot be squeezed out (pretix #186)."""
    _slot_check(
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        capacity=capacity,
        web_capacity=web_capacity,
    )
    changed = Slot.objects.filter(
        pk=slot.pk, booked__lte=capacity, booked_web__lte=web_capacity
    ).update(capacity=capacity, web_capacity=web_capacity, is_active=is_active, opens_at=opens_at)
    if changed != 1:
        slot.refresh_from_db()
        raise ReservationsError(
            _("既に%(booked)d件の予約があるため、定員をそれより少なくできません。")
            % {"booked": slot.booked},
            field="capacity",
        )
    slot.refresh_from_db()
    audit_log(
        action=audit_actions.SLOT_UPDATED,
        actor=actor,
        center=slot.venue.center,
        obj=slot,
        data={"capacity": capacity, "web_capacity": web_capacity, "is_active": is_active},
    )
    return slot

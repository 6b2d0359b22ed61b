"""Reservations (RSV-1..12): services a center books, venues, time slots with capacity,
the city's roster of eligible people, bookings, and event applications.

Capacity is kept honest by counters on the slot that only ever change in one conditional
``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` (see ``services.py`` and
docs/bookings.md); CHECK constraints make an oversold slot impossible to store, and a
partial unique constraint allows at most one active booking per person, service and dose.
Times are UTC; screens show Asia/Tokyo.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from madoguchi.tenancy.calendars import TOKYO


class ServiceKind(models.TextChoices):
    VACCINATION = "vaccination", _("ワクチン接種")
    MYNUMBER_CARD = "mynumber_card", _("マイナンバーカード")
    OTHER = "other", _("その他")


class Service(models.Model):
    """What a center books (e.g. a vaccination with several doses, a My Number card
    appointment). Names and what to bring are kept per citizen language (ja/en/zh/ko);
    an empty translation falls back to Japanese."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="booking_services"
    )
    slug = models.SlugField(_("識別子"), max_length=40)
    kind = models.CharField(_("種別"), max_length=16, choices=ServiceKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("名称（英語）"), max_length=120, blank=True)
    name_zh_hans = models.CharField(_("名称（中国語）"), max_length=120, blank=True)
    name_ko = models.CharField(_("名称（韓国語）"), max_length=120, blank=True)
    doses = models.PositiveSmallIntegerField(
        _("回数"), default=1, help_text=_("1回目・2回目など、同じ人が予約できる回の数。")
    )
    what_to_bring = models.TextField(_("持ち物"), blank=True)
    what_to_bring_en = models.TextField(_("持ち物（英語）"), blank=True)
    what_to_bring_zh_hans = models.TextField(_("持ち物（中国語）"), blank=True)
    what_to_bring_ko = models.TextField(_("持ち物（韓国語）"), blank=True)
    is_active = models.BooleanField(_("受付中"), default=True)

    class Meta:
        verbose_name = _("予約サービス")
        verbose_name_plural = _("予約サービス")
        ordering = ["center", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["center", "slug"], name="service_unique_slug"),
            models.CheckConstraint(condition=Q(doses__gte=1), name="service_doses_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return _translated(self, "name", language)

    def what_to_bring_in(self, language: str) -> str:
        return _translated(self, "what_to_bring", language)


def _translated(obj: models.Model, field: str, language: str) -> str:
    suffix = {"en": "_en", "zh-hans": "_zh_hans", "ko": "_ko"}.get(language, "")
    value = str(getattr(obj, field + suffix, "") or "") if suffix else ""
    return value or str(getattr(obj, field))


class Venue(models.Model):
    """A place where booked people come (会場). ``list_email`` receives the encrypted
    daily list (RSV-6) when delivered by e-mail."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("会場名"), max_length=120)
    name_en = models.CharField(_("会場名（英語）"), max_length=120, blank=True)
    name_zh_hans = models.CharField(_("会場名（中国語）"), max_length=120, blank=True)
    name_ko = models.CharField(_("会場名（韓国語）"), max_length=120, blank=True)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    list_email = models.EmailField(_("名簿の送付先メール"), blank=True)
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("会場")
        verbose_name_plural = _("会場")
        ordering = ["center", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="venue_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return _translated(self, "name", language)


class Slot(models.Model):
    """One time slot of a service at a venue.

    ``booked`` counts active bookings, ``booked_web`` those made online (web and LINE).
    Online bookings stop at ``web_capacity`` so phone callers keep places (RSV-3, RSV-7);
    operators may use the whole ``capacity``. Citizens can book only from ``opens_at``.
    The counters change only in conditional UPDATEs; the CHECKs below are the last net.
    """

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="slots")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    capacity = models.PositiveIntegerField(_("定員"))
    web_capacity = models.PositiveIntegerField(_("Web・LINE枠"))
    booked = models.PositiveIntegerField(_("予約数"), default=0)
    booked_web = models.PositiveIntegerField(_("Web・LINE予約数"), default=0)
    opens_at = models.DateTimeField(_("Web受付開始"), null=True, blank=True)
    is_active = models.BooleanField(_("公開"), default=True)

    class Meta:
        verbose_name = _("予約枠")
        verbose_name_plural = _("予約枠")
        ordering = ["starts_at", "venue_id", "id"]
        indexes = [
            models.Index(fields=["venue", "starts_at"], name="slot_venue_starts"),
            models.Index(fields=["service", "starts_at"], name="slot_service_starts"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "service", "starts_at"], name="slot_unique_start"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_time_order"),
            models.CheckConstraint(
                condition=Q(booked__gte=0, booked__lte=F("capacity")), name="slot_not_oversold"
            ),
            models.CheckConstraint(
                condition=Q(booked_web__gte=0, booked_web__lte=F("booked")),
                name="slot_web_within_booked",
            ),
            models.CheckConstraint(
                condition=Q(web_capacity__lte=F("capacity")), name="slot_web_quota_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.starts_at.astimezone(TOKYO):%Y-%m-%d %H:%M}"

    @property
    def available(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def web_available(self) -> int:
        return max(min(self.web_capacity - self.booked_web, self.capacity - self.booked), 0)


class RosterEntry(models.Model):
    """One eligible person from the city's roster (RSV-5): coupon number (unique within
    the center's municipality only, as in Gunma 2021) and birth date, which together
    identify the person at login. The roster is imported whole; an import updates rows
    and never half-applies."""

    # No index of its own: the unique (center, coupon_number) leads with it. (A second
    # one misled the planner right after a large import: docs/bookings.md.)
    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="roster_entries", db_index=False
    )
    coupon_number = models.CharField(_("接種券番号"), max_length=20)
    birth_date = models.DateField(_("生年月日"))
    eligible = models.BooleanField(_("対象"), default=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("対象者名簿")
        verbose_name_plural = _("対象者名簿")
        ordering = ["center", "coupon_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "coupon_number"], name="roster_unique_coupon"
            ),
        ]

    def __str__(self) -> str:
        return self.coupon_number


class BookingChannel(models.TextChoices):
    WEB = "web", _("Web")
    LINE = "line", _("LINE")
    OPERATOR = "operator", _("オペレーター")


# Online channels count against the slot's web quota.
ONLINE_CHANNELS = frozenset({BookingChannel.WEB, BookingChannel.LINE})


class BookingStatus(models.TextChoices):
    ACTIVE = "active", _("予約中")
    CANCELLED = "cancelled", _("取消")
    CHANGED = "changed", _("変更済み")


class Booking(models.Model):
    """A person's place in a slot. ``reference`` is the number told to the citizen.

    At most one active booking per person, service and dose (the Himeji/Yokosuka 2021
    double bookings), enforced by a partial unique constraint on both databases. A
    change ends this row with status ``changed`` and points to the new one.
    """

    reference = models.CharField(_("予約番号"), max_length=12, unique=True)
    center = models.ForeignKey("tenancy.Center", on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    # No single-column indexes: (slot, status) and (person, status) below lead with them,
    # and every extra index is written by each booking.
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    person = models.ForeignKey(
        RosterEntry, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    dose = models.PositiveSmallIntegerField(_("回"), default=1)
    phone = models.CharField(_("連絡先電話番号"), max_length=20, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    language = models.CharField(_("言語"), max_length=8, default="ja")
    channel = models.CharField(_("受付経路"), max_length=10, choices=BookingChannel.choices)
    status = models.CharField(
        _("状態"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受付者"),
    )
    created_at = models.DateTimeField(_("予約日時"))
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("変更後の予約"),
    )

    class Meta:
        verbose_name = _("予約")
        verbose_name_plural = _("予約")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["slot", "status"], name="booking_slot_status"),
            models.Index(fields=["person", "status"], name="booking_person_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service", "dose"],
                condition=Q(status="active"),
                name="booking_one_active_per_dose",
            ),
            models.CheckConstraint(condition=Q(dose__gte=1), name="booking_dose_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status == BookingStatus.ACTIVE


class IdempotencyAction(models.TextChoices):
    BOOK = "book", _("予約")
    CANCEL = "cancel", _("取消")
    CHANGE = "change", _("変更")
    APPLY = "apply", _("申込み")
    WITHDRAW = "withdraw", _("申込み取消")


class IdempotencyKey(models.Model):
    """A server-issued key carried by every book/cancel/change form (also against an
    operator's double click). The first request inserts the key in its own transaction;
    a retry hits the unique key, waits for the first to commit and gets its result."""

    key = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=10, choices=IdempotencyAction.choices)
    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="+")
    # The booking or application the first request produced (its reference is drawn
    # before the key is inserted, so one INSERT is all a key costs).
    reference = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return self.key


class Event(models.Model):
    """A city event taking applications up to a capacity (RSV-11): a lecture, a health
    check-up day. Applications take no special-care data."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="events")
    title = models.CharField(_("イベント名"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    place = models.CharField(_("場所"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    capacity = models.PositiveIntegerField(_("定員"))
    applied = models.PositiveIntegerField(_("申込人数"), default=0)
    max_party = models.PositiveSmallIntegerField(_("1件あたりの上限人数"), default=1)
    opens_at = models.DateTimeField(_("受付開始"), null=True, blank=True)
    closes_at = models.DateTimeField(_("受付終了"), null=True, blank=True)
    is_active = models.BooleanField(_("公開"), default=True)

    class Meta:
        verbose_name = _("イベント")
        verbose_name_plural = _("イベント")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_time_order"
            ),
            models.CheckConstraint(
                condition=Q(applied__gte=0, applied__lte=F("capacity")), name="event_not_overfull"
            ),
            models.CheckConstraint(condition=Q(max_party__gte=1), name="event_party_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def available(self) -> int:
        return max(self.capacity - self.applied, 0)


class ApplicationStatus(models.TextChoices):
    ACTIVE = "active", _("申込み中")
    WITHDRAWN = "withdrawn", _("取消")


class EventApplication(models.Model):
    """An application to an event for ``party_size`` people (RSV-11)."""

    reference = models.CharField(_("申込番号"), max_length=12, unique=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="applications")
    name = models.CharField(_("氏名"), max_length=100)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    party_size = models.PositiveSmallIntegerField(_("人数"), default=1)
    language = models.CharField(_("言語"), max_length=8, default="ja")
    channel = models.CharField(_("受付経路"), max_length=10, choices=BookingChannel.choices)
    status = models.CharField(
        _("状態"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.ACTIVE,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("申込日時"))
    withdrawn_at = models.DateTimeField(_("取消日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("イベント申込み")
        verbose_name_plural = _("イベント申込み")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_size__gte=1), name="application_party_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class AuditOutbox(models.Model):
    """Audit events of bookings, written in the booking's transaction and appended to the
    audit chain in batches right after commit (``audit_outbox.py``).

    Why: ``audit_log`` locks the one chain head until the caller commits, so every
    audited booking would wait for every other one's commit (measured: 82 bookings/s
    with 8 threads, 384 without). The row here commits atomically with the booking, so
    nothing is ever unaudited; only the chaining is batched (one lock per batch).
    """

    action = models.CharField(max_length=80)
    actor_id = models.BigIntegerField(null=True, blank=True)
    center_id = models.BigIntegerField()
    object_type = models.CharField(max_length=40)  # "booking" or "application"
    object_id = models.BigIntegerField()
    data = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


from madoguchi.reservations.admission_models import (  # noqa: E402, F401  (public pages' tables)
    AdmissionGate,
    AdmissionTicket,
    LoginThrottle,
)

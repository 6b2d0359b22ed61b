"""Confirmation and reminder e-mails for citizen bookings (RSV-8).

Mails are sent by the task worker, never inside the request: under a surge the booking
request only adds a task row (after the booking committed, so a rollback announces
nothing). The reminder is scheduled for 10:00 (Tokyo) the day before the slot; when it
runs it re-reads the booking and stays silent if it was cancelled or changed meanwhile.
The text is the same read-back the operator reads on the phone, in the booking's language.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from madoguchi.reservations.models import Booking, BookingStatus
from madoguchi.reservations.selectors import booking_readback
from madoguchi.tenancy.calendars import TOKYO

KINDS = ("booked", "changed", "cancelled", "reminder")
REMINDER_AT = time(10, 0)


def reminder_time(booking: Booking) -> datetime:
    """10:00 Tokyo time on the day before the slot."""
    day_before = booking.slot.starts_at.astimezone(TOKYO).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_AT, tzinfo=TOKYO)


def booking_mail_send(*, booking: Booking, kind: str) -> bool:
    """Send one mail about ``booking``; False when there is nothing to send."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not booking.email:
        return False
    if kind == "reminder" and booking.status != BookingStatus.ACTIVE:
        return False
    language = booking.language or "ja"
    with override(language):
        context = {
            "booking": booking,
            "kind": kind,
            "readback": booking_readback(booking, language=language),
            "center": booking.center,
        }
        subject = render_to_string("reservations/email/subject.txt", context).strip()
        body = render_to_string("reservations/email/body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
    return True


def booking_notify(*, booking: Booking, kind: str, now: datetime | None = None) -> None:
    """After commit: queue the mail of ``kind``, and the reminder for a new booking."""
    from madoguchi.reservations.tasks import booking_mail_task, booking_reminder_task

    if not booking.email:
        return
    now = now or timezone.now()
    remind_at = reminder_time(booking)
    starts = booking.slot.starts_at.isoformat()

    def enqueue() -> None:
        booking_mail_task.enqueue(booking.pk, kind)
        if kind in ("booked", "changed") and remind_at > now:
            booking_reminder_task.using(run_after=remind_at).enqueue(booking.pk, starts)

    transaction.on_commit(enqueue)

"""Background jobs of the reservations context, run by the ``madoguchi db_worker`` process."""

from __future__ import annotations

from django_tasks import task

from madoguchi.reservations.admission import admission_tickets_purge
from madoguchi.reservations.models import Booking
from madoguchi.reservations.notifications import booking_mail_send


@task()
def booking_mail_task(booking_id: int, kind: str) -> bool:
    """Send the confirmation (booked, changed, cancelled) of a citizen booking (RSV-8)."""
    booking = Booking.objects.select_related("slot__venue", "service", "center").filter(
        pk=booking_id
    )
    found = booking.first()
    return found is not None and booking_mail_send(booking=found, kind=kind)


@task()
def booking_reminder_task(booking_id: int, slot_starts_at: str) -> bool:
    """The day-before reminder; silent when the booking was cancelled or moved since."""
    found = (
        Booking.objects.select_related("slot__venue", "service", "center")
        .filter(pk=booking_id)
        .first()
    )
    if found is None or found.slot.starts_at.isoformat() != slot_starts_at:
        return False
    return booking_mail_send(booking=found, kind="reminder")


@task()
def admission_tickets_purge_task() -> int:
    """Delete old waiting-room tickets; run daily."""
    return admission_tickets_purge()

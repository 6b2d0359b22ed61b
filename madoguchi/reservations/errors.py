"""The one error type of the reservations context."""

from madoguchi.errors import DomainError


class ReservationsError(DomainError):
    """A rule of the reservations context was broken; nothing was written."""

"""The one error type of the reports context."""

from madoguchi.errors import DomainError


class ReportsError(DomainError):
    """A rule of the reports context was broken; nothing was written."""

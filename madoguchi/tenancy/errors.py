"""The one error type of the tenancy context."""

from madoguchi.errors import DomainError


class TenancyError(DomainError):
    """A rule of centers, numbers, calendars or departments was broken."""

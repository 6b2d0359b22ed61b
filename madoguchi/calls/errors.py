"""The one error type of the calls context."""

from madoguchi.errors import DomainError


class CallsError(DomainError):
    """A rule of call handling was broken (closed department, unknown agent, bad CDR row…)."""

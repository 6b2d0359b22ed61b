"""The one error type of the inbox context."""

from madoguchi.errors import DomainError


class InboxError(DomainError):
    """A rule of the inbox context was broken; nothing was written."""

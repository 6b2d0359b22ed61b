"""The one error type of the accounts context."""

from madoguchi.errors import DomainError


class AccountsError(DomainError):
    """A rule of users, roles or memberships was broken; ``message`` is shown as it is."""

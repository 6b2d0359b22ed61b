"""The one error type of the accounts context."""

from __future__ import annotations

from django.utils.functional import Promise


class AccountsError(Exception):
    """A rule of users, roles or memberships was broken; ``message`` is shown as it is."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

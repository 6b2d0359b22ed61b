"""The one error type of the interactions context."""

from madoguchi.errors import DomainError


class InteractionsError(DomainError):
    """A rule of recording contacts was broken (wrong center, missing department, a My
    Number in the summary…); nothing was written."""

"""The one error type of the workforce context."""

from madoguchi.errors import DomainError


class WorkforceError(DomainError):
    """A rule of the workforce context was broken (bad staffing input, unknown plan row…);
    nothing was written."""

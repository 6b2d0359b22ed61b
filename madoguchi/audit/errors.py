"""The one error type of the audit context."""

from madoguchi.errors import DomainError


class AuditError(DomainError):
    """An audit rule was broken (unknown action code, retention below the legal minimum…)."""

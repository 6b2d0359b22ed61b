"""The one error type of the audit context."""

from __future__ import annotations

from django.utils.functional import Promise


class AuditError(Exception):
    """An audit rule was broken (unknown action code, retention below the legal minimum…)."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message

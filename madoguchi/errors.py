"""The base of every context's one error type (STYLE.md §7)."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule was broken. ``message`` is translatable and shown to the user as it
    is; ``field`` names the form field at fault, so a form keeps everything else typed."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

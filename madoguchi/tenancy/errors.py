"""The one error type of the tenancy context."""

from __future__ import annotations

from django.utils.functional import Promise


class TenancyError(Exception):
    """A rule of centers, numbers, calendars or departments was broken.

    ``message`` is translatable and shown to the user as it is; ``field`` names the
    form field at fault, so a form can keep everything else the user typed.
    """

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

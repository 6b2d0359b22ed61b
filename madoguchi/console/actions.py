"""One console action posted from a list or detail page: the service runs, a broken rule
(any context's ``DomainError``) becomes an error message, success a success message; the
view then redirects back. Keeps the thin POST views thin and alike."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from madoguchi.errors import DomainError


def perform(request: HttpRequest, work: Callable[[], object], *, done: str) -> bool:
    """Run ``work``; show ``done`` when it succeeds or the rule it broke; True on success."""
    try:
        work()
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return False
    messages.success(request, done)
    return True


def form_errors_message(form: forms.Form) -> str:
    """Every error of a small inline form as one message (the page has no room for the form)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)

"""Operator screens are Japanese whatever the browser asks for (L10N-1)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ConsoleJapaneseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/console/"):
            translation.activate("ja")
            request.LANGUAGE_CODE = "ja"
        return self.get_response(request)

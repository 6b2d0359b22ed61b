"""Template helpers of the citizen pages."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def same_page_in(context: template.Context, language: str) -> str:
    """This page's URL in ``language``, query string kept (a search stays a search).

    Falls back to the path unchanged when the page has no route (the 404 page), so the
    switcher never leads to a second error.
    """
    request: HttpRequest | None = context.get("request")
    if request is None:
        return "/"
    url = translate_url(request.path, language)
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url

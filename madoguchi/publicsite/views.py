"""Citizen pages. Thin: read through selectors, render; never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.models import DayType
from madoguchi.tenancy.selectors import center_list


def _center_card(center: Any, now: Any) -> dict[str, Any]:
    rules = CalendarRules(center.calendar)
    today = rules.day_hours(now.astimezone(TOKYO).date())
    hours = {h.day_type: h for h in center.calendar.hours.all()}
    return {
        "center": center,
        "display_name": center.name_en
        if get_language() == "en" and center.name_en
        else center.name,
        "open_now": rules.is_open(now),
        "today": today,
        "weekday": hours.get(DayType.WEEKDAY),
        "saturday": hours.get(DayType.SATURDAY),
        "sunday": hours.get(DayType.SUNDAY),
        "holiday": hours.get(DayType.HOLIDAY),
        "numbers": [n for n in center.numbers.all() if n.kind != "contact"],
    }


# The inbox's "replies are delayed" notice (WEB-1): shown when the inbox app ships it.
DELAY_NOTICE_TEMPLATE = "inbox/public/_delay_notice.html"


def optional_template(name: str) -> str | None:
    """``name`` if such a template exists, else None: a page can reserve a spot for
    another app's include without failing while that app does not provide it yet."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    centers = center_list().prefetch_related("calendar__hours", "calendar__exceptions")
    cards = [_center_card(center, now) for center in centers]
    return render(
        request,
        "publicsite/home.html",
        {
            "general": [c for c in cards if c["center"].kind == "general"],
            "specialized": [c for c in cards if c["center"].kind == "specialized"],
            "now": now,
            "delay_notice_template": optional_template(DELAY_NOTICE_TEMPLATE),
            # By path: the inquiry form lives at /inquiry/ in every language.
            "inquiry_url": reverse("public:home") + "inquiry/",
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "publicsite/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "publicsite/500.html", status=500)

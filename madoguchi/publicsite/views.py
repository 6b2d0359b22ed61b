"""Citizen pages. Thin: read through selectors, render; never a 500 for bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from madoguchi.inbox.selectors import delay_notices
from madoguchi.knowledge import selectors_public as faq_selectors
from madoguchi.knowledge.views_public import center_name, shown
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


HOME_RANKING_SIZE = 5
HOME_STATISTICS_SIZE = 3


def _faq_block(now: Any) -> dict[str, Any]:
    """The homepage's FAQ part (WEB-1): search box, this week's ranking, helpful votes.

    Shows the general center's FAQ (or the first center with public FAQs); empty when no
    center has any, and the homepage then simply leaves the FAQ part out.
    """
    center = faq_selectors.default_faq_center()
    if center is None:
        return {"faq_center": None}
    language = get_language() or "ja"
    week = faq_selectors.latest_ranking_week(center=center, at=now)
    ranking = faq_selectors.weekly_ranking(center=center, week_start=week, limit=HOME_RANKING_SIZE)
    summary = faq_selectors.feedback_statistics(center=center, limit=HOME_STATISTICS_SIZE)
    return {
        "faq_center": center,
        "faq_center_name": center_name(center, language),
        "faq_ranking": [
            {**shown(r.faq, language, center), "rank": r.rank, "views": r.views} for r in ranking
        ],
        "faq_week": week,
        "faq_week_end": week + timedelta(days=6),
        "faq_summary": summary,
        "faq_summary_rate": f"{summary.rate * 100:.0f}",
        "faq_best": [
            {
                **shown(row.faq, language, center),
                "rate_percent": f"{row.rate * 100:.0f}",
                "total": row.total,
            }
            for row in summary.rows
        ],
    }


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
            # The inbox's "replies are delayed" notice (INQ-3, WEB-1).
            "inbox_delay_notices": delay_notices(),
            "inquiry_url": reverse("inbox_public:centers"),
            **_faq_block(now),
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "publicsite/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "publicsite/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from an expired page (e.g. a vote after a long pause): explain and offer
    the way back, in the page language. Wire with ``CSRF_FAILURE_VIEW``."""
    return render(request, "publicsite/403_csrf.html", status=403)

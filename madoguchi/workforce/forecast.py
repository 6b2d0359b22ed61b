"""Forecast calls per planning interval from history (REQUIREMENTS WFM-2).

For a target day the history is the same weekday in earlier weeks, newest first, skipping
every day that is not an ordinary day of its weekday: public holidays, the year-end
closure, one-off exceptions (closures or changed hours), closed days and event days (their
volume is not typical). The first ``weeks`` such days are used. Each planning interval
(anchored at the opening time, see ``slots.py``) is matched to the interval at the same
offset from opening on each history day, and the forecast is the mean of the offered
calls there (KPI.md offered, from the 15-minute CallInterval totals), times the event
uplift of the target day. Handle time is the history's (talk + wrap) ÷ answered over all
the history days (too few calls per interval for a stable per-interval figure); without
answered history the center's default applies. Closed days get no intervals: zero calls.
Only days before today count as history.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from madoguchi.tenancy.calendars import CalendarRules
from madoguchi.tenancy.models import Center
from madoguchi.workforce import selectors
from madoguchi.workforce.slots import Slot, day_slots, days

ORDINARY_REASONS = frozenset({"weekday", "saturday", "sunday"})
#: Look this many times ``weeks`` back for enough ordinary days.
SEARCH_FACTOR = 4


@dataclass(frozen=True, slots=True)
class ForecastRow:
    slot: Slot
    calls: float
    aht_s: float
    uplift: float
    history_days: int


def history_days(
    rules: CalendarRules, day: date, *, weeks: int, events: set[date], before: date
) -> list[date]:
    """The ordinary same-weekday days used as history for ``day``, newest first."""
    found: list[date] = []
    for k in range(1, weeks * SEARCH_FACTOR + 1):
        candidate = day - timedelta(weeks=k)
        if candidate >= before:
            continue
        hours = rules.day_hours(candidate)
        if hours.is_open_day and hours.reason in ORDINARY_REASONS and candidate not in events:
            found.append(candidate)
            if len(found) == weeks:
                break
    return found


def forecast_compute(
    *, center: Center, first: date, last: date, weeks: int | None = None
) -> list[ForecastRow]:
    """The forecast of every planning interval of the open days in [first, last]."""
    settings = selectors.staffing_settings(center=center)
    weeks = weeks or settings.history_weeks
    rules = selectors.calendar_rules(center=center)
    today = timezone.localdate()
    lookback = first - timedelta(weeks=weeks * SEARCH_FACTOR)
    events_past = set(selectors.event_uplifts(center=center, first=lookback, last=last))
    uplifts = selectors.event_uplifts(center=center, first=first, last=last)
    plan: list[tuple[date, list[Slot], list[date]]] = []
    for day in days(first, last):
        slots = day_slots(rules, day, settings.interval_minutes)
        if slots:
            used = history_days(rules, day, weeks=weeks, events=events_past, before=min(day, today))
            plan.append((day, slots, used))
    all_history = sorted({h for _d, _s, used in plan for h in used})
    totals: dict[datetime, dict[str, float]] = {}
    if all_history:
        totals = selectors.interval_call_totals(
            center=center,
            since=_day_start(rules, all_history[0]),
            until=_day_start(rules, all_history[-1]) + timedelta(days=1),
        )
    starts = sorted(totals)

    def window(since: datetime, until: datetime) -> list[dict[str, float]]:
        return [
            totals[s]
            for s in starts[bisect.bisect_left(starts, since) : bisect.bisect_left(starts, until)]
        ]

    rows: list[ForecastRow] = []
    for day, slots, used in plan:
        opens = slots[0].start
        answered = handled_s = 0.0
        per_slot = [0.0] * len(slots)
        for h in used:
            interval = rules.day_hours(h).interval()
            assert interval is not None  # noqa: S101  (history days are open)
            for figures in window(interval[0], interval[1]):
                answered += figures["answered"]
                handled_s += figures["talk_s"] + figures["wrap_s"]
            for i, slot in enumerate(slots):
                since = interval[0] + (slot.start - opens)
                until = min(since + (slot.end - slot.start), interval[1])
                per_slot[i] += sum(f["offered"] for f in window(since, until))
        aht = handled_s / answered if answered else float(settings.default_aht_s)
        uplift = uplifts.get(day, 1.0)
        for i, slot in enumerate(slots):
            mean = per_slot[i] / len(used) if used else 0.0
            rows.append(ForecastRow(slot, mean * uplift, aht, uplift, len(used)))
    return rows


def _day_start(rules: CalendarRules, day: date) -> datetime:
    interval = rules.day_hours(day).interval()
    assert interval is not None  # noqa: S101
    return interval[0].replace(hour=0, minute=0)

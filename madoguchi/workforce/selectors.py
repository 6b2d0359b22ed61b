"""Reads of the workforce context: settings, forecasts, events, plans and the weekly seats
report (WFM-3)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery, Sum

from madoguchi.calls.models import (
    Agent,
    AgentState,
    AgentStateEvent,
    Call,
    CallInterval,
    Disposition,
)
from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.models import Calendar, Center
from madoguchi.workforce.models import Forecast, ForecastEvent, StaffingPlan, StaffingSettings
from madoguchi.workforce.slots import Slot, day_slots, days


def staffing_settings(*, center: Center) -> StaffingSettings:
    """The center's settings, or unsaved defaults when it has none."""
    found = StaffingSettings.objects.filter(center=center).first()
    return found if found is not None else StaffingSettings(center=center)


def calendar_rules(*, center: Center) -> CalendarRules:
    """The center's calendar loaded once (hours + exceptions) for many dates."""
    loaded = Calendar.objects.prefetch_related("hours", "exceptions").get(pk=center.calendar_id)
    return CalendarRules(loaded)


def slots_between(*, center: Center, first: date, last: date) -> list[Slot]:
    """Every planning interval of the open days in [first, last] (closed days: none)."""
    rules = calendar_rules(center=center)
    minutes = staffing_settings(center=center).interval_minutes
    return [slot for day in days(first, last) for slot in day_slots(rules, day, minutes)]


def forecast_list(*, center: Center, first: date, last: date) -> QuerySet[Forecast]:
    return Forecast.objects.filter(center=center, date__gte=first, date__lte=last).order_by("start")


def event_list(*, center: Center, first: date, last: date) -> QuerySet[ForecastEvent]:
    return ForecastEvent.objects.filter(center=center, date__gte=first, date__lte=last).order_by(
        "date", "id"
    )


def event_uplifts(*, center: Center, first: date, last: date) -> dict[date, float]:
    """The volume factor per event day: the product of that day's event factors."""
    factors: dict[date, float] = {}
    for event in event_list(center=center, first=first, last=last):
        factors[event.date] = factors.get(event.date, 1.0) * float(event.uplift)
    return factors


def plan_list(*, center: Center, first: date, last: date) -> QuerySet[StaffingPlan]:
    return StaffingPlan.objects.filter(center=center, date__gte=first, date__lte=last).order_by(
        "start"
    )


def plan_get(*, center: Center, pk: int) -> StaffingPlan | None:
    return StaffingPlan.objects.filter(center=center, pk=pk).first()


def _quarter(at: datetime) -> datetime:
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def _totals_from_calls(
    *, center: Center, since: datetime, until: datetime
) -> dict[datetime, dict[str, float]]:
    """The CallInterval figures computed straight from Call rows (KPI.md offered: in-hours
    answered + abandoned + voicemail + blocked; handle time = talk + wrap of answered)."""
    totals: dict[datetime, dict[str, float]] = {}
    rows = (
        Call.objects.filter(
            center=center,
            arrived_at__gte=since,
            arrived_at__lt=until,
            in_hours=True,
            disposition__in=_OFFERED,
        )
        .order_by()
        .values_list("arrived_at", "disposition", "answered_at", "ended_at", "wrap_end_at")
    )
    for arrived, disposition, answered_at, ended_at, wrap_end_at in rows.iterator():
        bucket = totals.setdefault(
            _quarter(arrived), {"offered": 0.0, "answered": 0.0, "talk_s": 0.0, "wrap_s": 0.0}
        )
        bucket["offered"] += 1
        if disposition == Disposition.ANSWERED and answered_at is not None:
            bucket["answered"] += 1
            if ended_at is not None:
                bucket["talk_s"] += (ended_at - answered_at).total_seconds()
                if wrap_end_at is not None:
                    bucket["wrap_s"] += (wrap_end_at - ended_at).total_seconds()
    return totals


_OFFERED = [
    Disposition.ANSWERED,
    Disposition.ABANDONED,
    Disposition.VOICEMAIL,
    Disposition.BLOCKED,
]


def interval_call_totals(
    *, center: Center, since: datetime, until: datetime
) -> dict[datetime, dict[str, float]]:
    """Offered, answered, talk and wrap seconds (all queues and numbers) per 15-minute start
    in [since, until): from the CallInterval totals, and for each Tokyo day that has none
    (``call_intervals`` not run yet) straight from the Call rows."""
    rows = (
        CallInterval.objects.filter(center=center, start__gte=since, start__lt=until)
        .values("start")
        .annotate(
            offered=Sum("offered"),
            answered=Sum("answered"),
            talk_s=Sum("talk_s"),
            wrap_s=Sum("wrap_s"),
        )
        .order_by("start")
    )
    totals = {
        row["start"]: {
            "offered": float(row["offered"] or 0),
            "answered": float(row["answered"] or 0),
            "talk_s": float(row["talk_s"] or 0.0),
            "wrap_s": float(row["wrap_s"] or 0.0),
        }
        for row in rows
    }
    covered = {start.astimezone(TOKYO).date() for start in totals}
    for start, figures in _totals_from_calls(center=center, since=since, until=until).items():
        if start.astimezone(TOKYO).date() not in covered:
            totals[start] = figures
    return dict(sorted(totals.items()))


def _slot_index(starts: list[datetime], slots: list[Slot], at: datetime) -> int | None:
    index = bisect.bisect_right(starts, at) - 1
    if index < 0 or at >= slots[index].end:
        return None
    return index


def logged_in_agents(*, center: Center, slots: list[Slot]) -> list[float]:
    """Time-weighted mean number of the center's agents logged in (any state but
    ログアウト) during each slot, from AgentStateEvent; the state at a slot's start is the
    agent's last event before it."""
    if not slots:
        return []
    since, until = slots[0].start, slots[-1].end
    before = AgentStateEvent.objects.filter(agent=OuterRef("pk"), at__lt=since).order_by(
        "-at", "-id"
    )
    agents = Agent.objects.filter(center=center).annotate(
        state_before=Subquery(before.values("state")[:1])
    )
    initial = {a.pk: a.state_before for a in agents}
    events: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    for agent_id, at, state in (
        AgentStateEvent.objects.filter(agent__center=center, at__gte=since, at__lt=until)
        .order_by("at", "id")
        .values_list("agent_id", "at", "state")
    ):
        events[agent_id].append((at, state != AgentState.LOGGED_OUT))
    starts = [slot.start for slot in slots]
    seconds = [0.0] * len(slots)
    for agent_id, state in initial.items():
        logged = state is not None and state != AgentState.LOGGED_OUT
        segment_start = since
        for at, now_logged in [*events.get(agent_id, []), (until, False)]:
            if logged and at > segment_start:
                _add_overlap(seconds, starts, slots, segment_start, at)
            segment_start, logged = at, now_logged
    return [seconds[i] / (slot.end - slot.start).total_seconds() for i, slot in enumerate(slots)]


def _add_overlap(
    seconds: list[float], starts: list[datetime], slots: list[Slot], begin: datetime, end: datetime
) -> None:
    index = max(bisect.bisect_right(starts, begin) - 1, 0)
    while index < len(slots) and slots[index].start < end:
        slot = slots[index]
        overlap = (min(end, slot.end) - max(begin, slot.start)).total_seconds()
        if overlap > 0:
            seconds[index] += overlap
        index += 1


@dataclass(frozen=True, slots=True)
class SeatsRow:
    """One interval of the weekly seats report (WFM-3).

    ``planned`` and ``required`` are None when no plan was made for the interval;
    ``logged_in`` is the time-weighted mean of logged-in agents; ``offered`` and
    ``answered`` are KPI.md's in-hours figures from the 15-minute call totals.
    """

    day: date
    interval: Slot
    planned: int | None
    required: int | None
    logged_in: float
    offered: int
    answered: int


def weekly_seats(*, center: Center, first: date, last: date) -> list[SeatsRow]:
    """Planned vs required vs logged-in agents and offered/answered calls per planning
    interval of every open day in [first, last] (closed days have no rows)."""
    if last < first:
        return []
    slots = slots_between(center=center, first=first, last=last)
    if not slots:
        return []
    plans = {p.start: p for p in plan_list(center=center, first=first, last=last)}
    logged = logged_in_agents(center=center, slots=slots)
    starts = [slot.start for slot in slots]
    offered = [0.0] * len(slots)
    answered = [0.0] * len(slots)
    totals = interval_call_totals(center=center, since=slots[0].start, until=slots[-1].end)
    for at, figures in totals.items():
        index = _slot_index(starts, slots, at)
        if index is not None:
            offered[index] += figures["offered"]
            answered[index] += figures["answered"]
    rows = []
    for i, slot in enumerate(slots):
        plan = plans.get(slot.start)
        rows.append(
            SeatsRow(
                day=slot.day,
                interval=slot,
                planned=plan.planned_agents if plan else None,
                required=plan.required_agents if plan else None,
                logged_in=logged[i],
                offered=int(offered[i]),
                answered=int(answered[i]),
            )
        )
    return rows


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week ``day`` is in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)

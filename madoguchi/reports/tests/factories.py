"""Calls as the KPI engine reads them, for builder tests: one ``Call`` row per contact
leg with its times given as offsets (seconds) from arrival."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from madoguchi.calls.models import Agent, AgentStateEvent, Call, CallSource, Disposition
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

MAIN_LINE = "+81246221111"


def tokyo(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


def call(
    center: Center,
    arrived: datetime,
    disposition: str = Disposition.ANSWERED,
    *,
    wait: float = 5,
    talk: float = 120,
    wrap: float = 30,
    line: str = MAIN_LINE,
    category: str = "",
    resolved: bool | None = True,
    switchboard: bool | None = False,
    transferred_to: str = "",
    faq_ids: Sequence[str] = (),
    save: bool = True,
) -> Call:
    """An inbound call: answered after ``wait`` s and talked ``talk`` s; abandoned after
    ``wait`` s; blocked, voicemail or after hours as given. ``in_hours`` is left for the
    KPI engine to decide from the center's calendar (marked False only after hours)."""
    answered = ended = wrap_end = None
    if disposition == Disposition.ANSWERED:
        answered = arrived + timedelta(seconds=wait)
        ended = answered + timedelta(seconds=talk)
        wrap_end = ended + timedelta(seconds=wrap)
    else:
        ended = arrived + timedelta(seconds=wait)
    row = Call(
        center=center,
        source=CallSource.SIMULATED,
        dialed_number=line,
        arrived_at=arrived,
        in_hours=disposition != Disposition.AFTER_HOURS,
        answered_at=answered,
        ended_at=ended,
        wrap_end_at=wrap_end,
        disposition=disposition,
        category=category,
        resolved_in_center=resolved if disposition == Disposition.ANSWERED else None,
        is_switchboard_transfer=switchboard if disposition == Disposition.ANSWERED else None,
        transferred_to=transferred_to,
        faq_ids=list(faq_ids),
    )
    if save:
        row.save()
    return row


def calls(center: Center, specs: Sequence[tuple[datetime, str]], **kwargs: Any) -> list[Call]:
    rows = [call(center, at, disposition, save=False, **kwargs) for at, disposition in specs]
    return Call.objects.bulk_create(rows)


def agent_login(center: Center, name: str, since: datetime, until: datetime) -> Agent:
    agent, _ = Agent.objects.get_or_create(center=center, name=name)
    AgentStateEvent.objects.create(agent=agent, at=since, state="available")
    AgentStateEvent.objects.create(agent=agent, at=until, state="logged_out")
    return agent

"""A snapshot of everything routing needs, loaded once from the database.

The engine decides from this snapshot only, so the simulator runs the same decisions
at tens of thousands of calls per second and a live router reloads it when settings
change (numbers, hours, queues, forwarding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from madoguchi.tenancy.calendars import CalendarRules
from madoguchi.tenancy.models import OverflowAction


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    id: int
    name: str
    language: str
    skills: frozenset[str]
    max_wait_s: float | None
    max_length: int | None
    sl_threshold_s: int
    ring_timeout_s: float


@dataclass(frozen=True, slots=True)
class DepartmentPolicy:
    id: int
    name: str
    extension: str
    external: str  # E.164
    external_display: str
    calendar: CalendarRules


@dataclass(slots=True)
class CenterPolicy:
    id: int
    slug: str
    name: str
    calendar: CalendarRules
    line_limit: int | None
    overflow: str  # OverflowAction value
    forward_enabled: bool
    forward_to: str  # E.164
    queues: dict[int, QueuePolicy]
    default_queue: int | None
    departments: dict[int, DepartmentPolicy] = field(default_factory=dict)

    def is_open(self, at: datetime) -> bool:
        return self.calendar.is_open(at)

    def queue_for(self, language: str) -> QueuePolicy | None:
        """The queue for a caller's language (TEL-9), else the center's default queue."""
        for queue in self.queues.values():
            if queue.language == language:
                return queue
        return self.queues.get(self.default_queue) if self.default_queue is not None else None

    @property
    def voicemail_on_overflow(self) -> bool:
        return self.overflow == OverflowAction.VOICEMAIL


@dataclass(slots=True)
class RoutingTable:
    """Dialed number (E.164) → center policy."""

    by_number: dict[str, CenterPolicy]
    centers: dict[int, CenterPolicy]

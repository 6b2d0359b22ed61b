"""What the live wallboard shows (TEL-7), read from the database so any process can draw it.

Today means the current date in Japan. Figures follow KPI.md: offered = in-hours calls
answered, abandoned, sent to voicemail or blocked; answer rate = answered ÷ offered;
ASA = mean (answer − arrival) of answered calls; service level = answered within the
queue's threshold ÷ offered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta

from django.db.models import Max, OuterRef, Subquery

from madoguchi.calls.models import AgentState, AgentStateEvent, Call, Disposition
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

_OFFERED = {Disposition.ANSWERED, Disposition.ABANDONED, Disposition.VOICEMAIL, Disposition.BLOCKED}


@dataclass
class Figures:
    label: str
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    in_sl: int = 0
    wait_sum: float = 0.0

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def asa_s(self) -> float | None:
        return self.wait_sum / self.answered if self.answered else None

    @property
    def service_level(self) -> float | None:
        return self.in_sl / self.offered if self.offered else None

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "answer_rate": self.answer_rate,
            "asa_s": self.asa_s,
            "service_level": self.service_level,
        }


def wallboard_snapshot(*, center: Center, now: datetime) -> dict[str, object]:
    local_today = now.astimezone(TOKYO).date()
    day_start = datetime.combine(local_today, time.min, tzinfo=TOKYO)
    calls = Call.objects.filter(center=center, arrived_at__gte=day_start, arrived_at__lt=now)
    waiting = calls.filter(
        disposition=Disposition.IN_PROGRESS, enqueued_at__isnull=False, answered_at__isnull=True
    )
    oldest = waiting.order_by("arrived_at").values_list("arrived_at", flat=True).first()
    latest = AgentStateEvent.objects.filter(agent=OuterRef("agent")).order_by("-at", "-id")
    states = (
        AgentStateEvent.objects.filter(agent__center=center, at__gte=day_start - timedelta(days=1))
        .values("agent")
        .annotate(last=Max("at"))
        .annotate(state=Subquery(latest.values("state")[:1]))
    )
    by_state = {state.value: 0 for state in AgentState if state != AgentState.LOGGED_OUT}
    for row in states:
        if row["state"] in by_state:
            by_state[row["state"]] += 1
    per_queue: dict[str, Figures] = {}
    per_number: dict[str, Figures] = {}
    total = Figures(label="全体")
    rows = calls.filter(in_hours=True, disposition__in=_OFFERED).values_list(
        "queue__name", "dialed_number", "disposition", "arrived_at", "answered_at", "sl_threshold_s"
    )
    for queue_name, number, disposition, arrived, answered, threshold in rows:
        targets = [
            total,
            per_queue.setdefault(queue_name or "—", Figures(label=queue_name or "—")),
            per_number.setdefault(number, Figures(label=number)),
        ]
        for figures in targets:
            figures.offered += 1
            if disposition == Disposition.ANSWERED and answered is not None:
                wait = (answered - arrived).total_seconds()
                figures.answered += 1
                figures.wait_sum += wait
                figures.in_sl += wait <= (threshold if threshold is not None else 20)
            elif disposition == Disposition.ABANDONED:
                figures.abandoned += 1
    displays = dict(center.numbers.values_list("e164", "display"))
    for figures in per_number.values():
        figures.label = displays.get(figures.label, figures.label)
    return {
        "center": center.name,
        "at": now.astimezone(TOKYO).isoformat(timespec="seconds"),
        "waiting": waiting.count(),
        "longest_wait_s": round((now - oldest).total_seconds()) if oldest else 0,
        "agents": by_state,
        "total": total.as_dict(),
        "queues": [f.as_dict() for f in sorted(per_queue.values(), key=lambda f: f.label)],
        "numbers": [f.as_dict() for f in sorted(per_number.values(), key=lambda f: f.label)],
    }

"""Rebuilding the 15-minute call totals (CallInterval) from the Call rows of a period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from madoguchi.calls.models import Call, CallInterval, Disposition
from madoguchi.tenancy.models import Center

INTERVAL = timedelta(minutes=15)
_IN_HOURS = {
    Disposition.ANSWERED: "answered",
    Disposition.ABANDONED: "abandoned",
    Disposition.VOICEMAIL: "voicemail",
    Disposition.BLOCKED: "blocked",
}


def interval_start(at: datetime) -> datetime:
    """The quarter hour ``at`` falls in (Japan's offset is whole hours, so UTC works)."""
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


@dataclass
class _Totals:
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, value: float = 1) -> None:
        if name in {"wait_answered_s", "wait_abandoned_s", "talk_s", "wrap_s"}:
            self.sums[name] = self.sums.get(name, 0.0) + value
        elif name == "max_wait_s":
            self.sums[name] = max(self.sums.get(name, 0.0), value)
        else:
            self.counts[name] = self.counts.get(name, 0) + int(value)


@transaction.atomic
def call_intervals_rebuild(*, center: Center, since: datetime, until: datetime) -> int:
    """Replace the totals of [since, until) (whole quarter hours) from the calls; returns rows."""
    since, until = interval_start(since), interval_start(until)
    totals: dict[tuple[int | None, str, datetime], _Totals] = {}
    calls = Call.objects.filter(center=center, arrived_at__gte=since, arrived_at__lt=until)
    for call in calls.iterator(chunk_size=5000):
        key = (call.queue_id, call.dialed_number, interval_start(call.arrived_at))
        bucket = totals.setdefault(key, _Totals())
        if not call.in_hours or call.disposition in {
            Disposition.AFTER_HOURS,
            Disposition.AFTER_HOURS_FORWARDED,
        }:
            bucket.add("after_hours")
            continue
        kind = _IN_HOURS.get(Disposition(call.disposition))
        if kind is None:
            continue  # in progress or unknown number: not a finished contact
        bucket.add("offered")
        bucket.add(kind)
        if kind == "answered" and call.answered_at is not None:
            wait = (call.answered_at - call.arrived_at).total_seconds()
            bucket.add("wait_answered_s", wait)
            bucket.add("max_wait_s", wait)
            threshold = call.sl_threshold_s if call.sl_threshold_s is not None else 20
            if wait <= threshold:
                bucket.add("answered_in_sl")
            if call.ended_at is not None:
                bucket.add("talk_s", (call.ended_at - call.answered_at).total_seconds())
                if call.wrap_end_at is not None:
                    bucket.add("wrap_s", (call.wrap_end_at - call.ended_at).total_seconds())
        elif kind == "abandoned" and call.ended_at is not None:
            wait = (call.ended_at - call.arrived_at).total_seconds()
            bucket.add("wait_abandoned_s", wait)
            bucket.add("max_wait_s", wait)
    CallInterval.objects.filter(center=center, start__gte=since, start__lt=until).delete()
    rows = [
        CallInterval(
            center=center,
            queue_id=queue_id,
            dialed_number=number,
            start=start,
            **bucket.counts,
            **bucket.sums,
        )
        for (queue_id, number, start), bucket in totals.items()
    ]
    CallInterval.objects.bulk_create(rows, batch_size=1000)
    return len(rows)

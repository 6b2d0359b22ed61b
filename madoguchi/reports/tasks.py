"""The delivery schedule, run by the ``madoguchi db_worker`` process.

``madoguchi report_schedule --enqueue --every 3600`` (scripts/run.sh) asks the worker
once; each run delivers what is due and schedules the next run ``every`` seconds later
(as inbox/tasks.py does). A report is due at 07:00 Tokyo of the center's NEXT BUSINESS
DAY after its period (center calendar: weekends, public holidays, Dec 29–Jan 3), so it
is in the recipients' mailboxes by 08:00:

* daily — for each day the center was open: Friday's on Monday, Dec 28's on Jan 4;
* weekly — the ISO week (Mon–Sun) on the following Monday (or the next business day);
* monthly — on the first business day of the next month;
* half-year and annual (fiscal, April–March) — on the first business day after them.

A delivery that has not happened (worker stopped, SMTP refused) is retried by every run
for ``GRACE`` after it was due; a period already delivered (a ``sent`` ReportDelivery) is
never sent again, so extra runs or chains are harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from madoguchi.reports.crypto import XLSX
from madoguchi.reports.delivery import PERIOD_OF_KIND, report_deliver
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.models import ReportDelivery, ReportKind, ReportRecipient
from madoguchi.reports.periods import Period
from madoguchi.tenancy.calendars import TOKYO, DayHours
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.selectors import calendar_days, next_business_day

logger = logging.getLogger(__name__)

DELIVERY_TIME = time(7, 0)  # due at 07:00 → delivered by 08:00
GRACE = timedelta(days=3)
SCHEDULED_KINDS = (
    ReportKind.DAILY,
    ReportKind.WEEKLY,
    ReportKind.MONTHLY,
    ReportKind.HALF_YEAR,
    ReportKind.ANNUAL,
)
SCHEDULED_FORMAT = XLSX
_LOOKBACK_DAYS = 40  # covers every period whose due time can still be within GRACE
_CALENDAR_DAYS = 60


@dataclass(frozen=True)
class Due:
    center: Center
    kind: str
    period: Period
    due_at: datetime


def due_at(center: Center, period: Period) -> datetime:
    """07:00 Tokyo of the first business day after ``period``."""
    return datetime.combine(next_business_day(center, period.last), DELIVERY_TIME, tzinfo=TOKYO)


def _next_open(days: list[DayHours], after: date) -> date | None:
    return next((d.day for d in days if d.day > after and d.is_open_day), None)


def due_deliveries(*, now: datetime) -> list[Due]:
    """What the worker must deliver at ``now``: for each center and kind with an active
    recipient, the periods due (due_at ≤ now < due_at + GRACE) and not delivered yet."""
    today = timezone.localtime(now, TOKYO).date()
    pairs = (
        ReportRecipient.objects.filter(is_active=True, kind__in=SCHEDULED_KINDS)
        .values_list("center_id", "kind")
        .distinct()
    )
    kinds_by_center: dict[int, set[str]] = {}
    for center_id, kind in pairs:
        kinds_by_center.setdefault(center_id, set()).add(kind)
    result: list[Due] = []
    centers = Center.objects.filter(pk__in=kinds_by_center).select_related("calendar")
    for center in centers:
        start = today - timedelta(days=_LOOKBACK_DAYS + 1)
        days = calendar_days(calendar=center.calendar, start=start, days=_CALENDAR_DAYS)
        open_day = {d.day: d.is_open_day for d in days}
        sent = set(
            ReportDelivery.objects.filter(
                center=center,
                status=ReportDelivery.Status.SENT,
                period_first__gte=today - timedelta(days=400),
            ).values_list("kind", "period_first")
        )
        for kind in sorted(kinds_by_center[center.pk]):
            periods = {
                PERIOD_OF_KIND[kind](today - timedelta(days=back))
                for back in range(1, _LOOKBACK_DAYS + 1)
            }
            for period in sorted(periods, key=lambda p: p.first):
                if period.last >= today or (kind, period.first) in sent:
                    continue
                if kind == ReportKind.DAILY and not open_day.get(period.first, False):
                    continue  # no daily report for a day the center was closed
                following = _next_open(days, period.last)
                when = (
                    datetime.combine(following, DELIVERY_TIME, tzinfo=TOKYO)
                    if following is not None
                    else due_at(center, period)
                )
                if when <= now < when + GRACE:
                    result.append(Due(center, kind, period, when))
    return result


def deliver_due(*, now: datetime | None = None) -> dict[str, Any]:
    """Deliver everything due; a failure is logged and recorded and the rest still go."""
    moment = now or timezone.now()
    report: dict[str, Any] = {"delivered": [], "errors": []}
    for due in due_deliveries(now=moment):
        entry = {
            "center": due.center.slug,
            "kind": due.kind,
            "first": due.period.first.isoformat(),
        }
        try:
            report_deliver(
                actor=None,
                center=due.center,
                kind=due.kind,
                period=due.period,
                fmt=SCHEDULED_FORMAT,
                scheduled=True,
            )
        except ReportsError as exc:
            logger.warning("reports: %s not delivered: %s", entry, exc.message)
            report["errors"].append({**entry, "error": str(exc.message)})
            continue
        report["delivered"].append(entry)
    return report


@task()
def report_schedule_task(every_s: int = 0) -> dict[str, Any]:
    """Deliver what is due now; with ``every_s`` > 0, schedule the next run that many
    seconds later (even after a failure: the next run retries it)."""
    try:
        return deliver_due()
    finally:
        if every_s > 0:
            report_schedule_task.using(
                run_after=timezone.now() + timedelta(seconds=every_s)
            ).enqueue(every_s=every_s)

"""Background jobs of the interactions context, run by the ``madoguchi db_worker`` process.

Both jobs are daily: each run schedules the next one for 03:00 Asia/Tokyo tomorrow
(``run_after``), so one ``--enqueue`` at start-up (scripts/run.sh) keeps them going.
Both are idempotent, so an extra chain after a restart only repeats harmless work.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from madoguchi.interactions.services import escalation_remind, interaction_expire_personal_data
from madoguchi.tenancy.calendars import TOKYO

DAILY_AT = time(3, 0)


def next_daily_run(now: datetime) -> datetime:
    """03:00 in Tokyo on the day after ``now``'s Tokyo date."""
    tomorrow = now.astimezone(TOKYO).date() + timedelta(days=1)
    return datetime.combine(tomorrow, DAILY_AT, tzinfo=TOKYO)


@task()
def interactions_expire_task(reschedule: bool = True) -> int:
    """Blank personal data of records past the center's retention period (CON-8, SEC-4).
    Returns how many records were blanked."""
    count = interaction_expire_personal_data()
    if reschedule:
        interactions_expire_task.using(run_after=next_daily_run(timezone.now())).enqueue()
    return count


@task()
def escalations_remind_task(reschedule: bool = True) -> list[int]:
    """Flag (and mail) escalations due today or overdue (CON-5). Returns their ids."""
    reminded = [e.pk for e in escalation_remind()]
    if reschedule:
        escalations_remind_task.using(run_after=next_daily_run(timezone.now())).enqueue()
    return reminded

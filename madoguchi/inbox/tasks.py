"""Background jobs of the inbox context, run by the ``madoguchi db_worker`` process.

The fetch (with the overdue flags and the personal-data expiry) runs every few minutes:
``madoguchi inbox_fetch --enqueue --every 300`` (scripts/run.sh) asks the worker once, and
each run schedules the next one ``every`` seconds later (``run_after``). A fetch is
idempotent (Message-ID), so an extra chain after a restart only repeats harmless work.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.models import Mailbox
from madoguchi.inbox.services import mailbox_fetch, overdue_flag, personal_data_expire

logger = logging.getLogger(__name__)


def fetch_all(*, center_slug: str = "") -> dict[str, Any]:
    """Fetch every active mailbox (of one center), then flag overdue messages.

    A mailbox that cannot be reached is reported and the others are still fetched.
    """
    mailboxes = Mailbox.objects.filter(is_active=True).select_related("center")
    if center_slug:
        mailboxes = mailboxes.filter(center__slug=center_slug)
    report: dict[str, Any] = {"mailboxes": [], "errors": []}
    for mailbox in mailboxes:
        try:
            result = mailbox_fetch(mailbox=mailbox)
        except InboxError as exc:
            logger.warning("inbox: mailbox %s not fetched: %s", mailbox.pk, exc.message)
            report["errors"].append({"mailbox": mailbox.pk, "error": str(exc.message)})
            continue
        report["mailboxes"].append(
            {
                "mailbox": mailbox.pk,
                "created": len(result.created),
                "duplicates": result.duplicates,
                "failed_uids": result.failed,
            }
        )
    report["overdue_flagged"] = overdue_flag()
    report["personal_data_expired"] = personal_data_expire()
    return report


@task()
def inbox_fetch_task(center_slug: str = "", every_s: int = 0) -> dict[str, Any]:
    """Fetch now; with ``every_s`` > 0, schedule the next fetch that many seconds later
    (even when a mailbox failed: the next run retries it)."""
    try:
        return fetch_all(center_slug=center_slug)
    finally:
        if every_s > 0:
            inbox_fetch_task.using(run_after=timezone.now() + timedelta(seconds=every_s)).enqueue(
                center_slug=center_slug, every_s=every_s
            )

"""Background jobs of the inbox context, run by the ``madoguchi db_worker`` process.

Schedule them every few minutes (fetch) and daily (overdue flags run with the fetch):
``madoguchi inbox_fetch --enqueue`` from cron or a systemd timer.
"""

from __future__ import annotations

import logging
from typing import Any

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
def inbox_fetch_task(center_slug: str = "") -> dict[str, Any]:
    return fetch_all(center_slug=center_slug)

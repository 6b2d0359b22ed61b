"""Background jobs of the calls context, run by the ``madoguchi db_worker`` process."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django_tasks import task

from madoguchi.calls.recordings import recordings_purge


@task()
def recordings_purge_task() -> dict[str, Any]:
    """Delete recordings past their retention deadline (TEL-6); run it daily.

    Returns the report as JSON: ``deleted``, ``kept_on_hold`` and the ids that ``failed``.
    """
    return asdict(recordings_purge())

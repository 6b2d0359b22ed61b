"""Background jobs of the audit context, run by the ``madoguchi db_worker`` process."""

from __future__ import annotations

from django_tasks import task

from madoguchi.audit.services import audit_purge


@task()
def audit_purge_task() -> int:
    """Delete audit events past AUDIT_RETENTION_DAYS; returns how many were deleted."""
    return audit_purge()

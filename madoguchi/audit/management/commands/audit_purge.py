"""``madoguchi audit_purge``: delete audit events past the retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.audit.errors import AuditError
from madoguchi.audit.services import audit_purge
from madoguchi.audit.tasks import audit_purge_task


class Command(BaseCommand):
    help = "保存期間（AUDIT_RETENTION_DAYS、92日以上）を過ぎた監査ログを削除します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="保存日数（既定は設定値）")
        parser.add_argument(
            "--enqueue", action="store_true", help="その場で実行せず、ワーカーに依頼します"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = audit_purge_task.enqueue()
            self.stdout.write(f"ワーカーに依頼しました（{result.id}）。")
            return
        try:
            deleted = audit_purge(retention_days=options["days"])
        except AuditError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{deleted} 件を削除しました。")

"""``madoguchi audit_purge``: delete audit events past the retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.audit.errors import AuditError
from madoguchi.audit.services import audit_purge


class Command(BaseCommand):
    help = "保存期間（AUDIT_RETENTION_DAYS、92日以上）を過ぎた監査ログを削除します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="保存日数（既定は設定値）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            deleted = audit_purge(retention_days=options["days"])
        except AuditError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{deleted} 件を削除しました。")

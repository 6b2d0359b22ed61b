"""``madoguchi audit_verify``: prove the audit log has not been changed or cut."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "監査ログのハッシュ連鎖を検証します（改ざん・削除の検出）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.__dict__, ensure_ascii=False))
        elif report.ok and report.checked:
            self.stdout.write(
                f"OK: {report.checked} 件の監査ログを検証しました"
                f"（seq {report.first_seq}〜{report.last_seq}）。"
            )
        elif report.ok:
            self.stdout.write("OK: 0 件（監査ログはまだありません）。")
        if not report.ok:
            raise CommandError(
                f"監査ログの連鎖が壊れています: seq {report.broken_at}（{report.reason}）。"
                f"{report.checked} 件は正常でした。"
            )

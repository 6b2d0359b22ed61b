"""``madoguchi cdr_import FILE --center SLUG``: call records from another system (KPI.md CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.cdr import cdr_import
from madoguchi.calls.errors import CallsError
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.selectors import center_get


class Command(BaseCommand):
    help = "通話記録CSV（KPI.md の形式）を取り込みます。誤りが1件でもあれば何も取り込みません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--center", required=True)
        parser.add_argument("--dry-run", action="store_true", help="検査だけ行います")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイル {path} がありません。")
        try:
            center = center_get(slug=options["center"])
            report = cdr_import(
                actor=None, center=center, data=path.read_bytes(), dry_run=options["dry_run"]
            )
        except (TenancyError, CallsError) as exc:
            raise CommandError(str(exc.message)) from exc
        if report.errors:
            for error in report.errors[:200]:
                self.stderr.write(str(error))
            more = len(report.errors) - 200
            if more > 0:
                self.stderr.write(f"ほか {more} 件")
            raise CommandError(f"{len(report.errors)} 件の誤りがあるため、取り込みませんでした。")
        if options["dry_run"]:
            self.stdout.write("誤りはありません（--dry-run のため取り込んでいません）。")
            return
        self.stdout.write(f"取り込みました: 新規 {report.created} 件、更新 {report.updated} 件。")

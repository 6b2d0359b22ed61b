"""``madoguchi faq_import --center SLUG FILE [--dry-run]`` (FAQ-3).

Exits with status 1 and prints every problem (row and column) when the file has any;
nothing is changed then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.knowledge.csvio import faq_import
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = (
        "CSV（UTF-8・BOMの有無・CP932）またはExcelからFAQを一括更新します。"
        "変更された行だけが保存され、問題が1件でもあれば何も変更しません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="取り込むファイル")
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして、何も変更しません")

    def handle(self, *args: Any, **options: Any) -> None:
        center = Center.objects.filter(slug=options["center"]).first()
        if center is None:
            raise CommandError(f"センター「{options['center']}」はありません。")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイルを読めません: {exc}") from exc
        report = faq_import(
            actor=None, center=center, data=data, filename=path.name, dry_run=options["dry_run"]
        )
        for problem in report.errors:
            self.stderr.write(str(problem))
        if report.errors:
            raise CommandError(f"{len(report.errors)} 件の問題があるため、何も変更していません。")
        summary = (
            f"新規 {report.created} 件、変更 {report.updated} 件、変更なし {report.unchanged} 件"
        )
        if options["dry_run"]:
            self.stdout.write(f"確認のみ（変更していません）: {summary}")
        else:
            self.stdout.write(f"取り込みました: {summary}")

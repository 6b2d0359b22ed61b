"""``madoguchi faq_export --center SLUG [--format csv|xlsx] --out FILE`` (FAQ-3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.knowledge.csvio import export_csv, export_xlsx
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = "センターのFAQをすべてCSV（UTF-8・BOM付き）またはExcelに書き出します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", required=True, help="出力ファイル")

    def handle(self, *args: Any, **options: Any) -> None:
        center = Center.objects.filter(slug=options["center"]).first()
        if center is None:
            raise CommandError(f"センター「{options['center']}」はありません。")
        fmt = options["format"]
        if fmt == "xlsx":
            data = export_xlsx(actor=None, center=center)
        else:
            data = export_csv(actor=None, center=center)
        Path(options["out"]).write_bytes(data)
        count = center.faqs.count()
        self.stdout.write(f"{count} 件のFAQを {options['out']} に書き出しました。")

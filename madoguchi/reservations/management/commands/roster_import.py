"""``madoguchi roster_import --center SLUG FILE [--dry-run]``: the city's roster CSV (RSV-5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.roster import roster_import
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.selectors import center_get


class Command(BaseCommand):
    help = "対象者名簿（接種券番号・生年月日）のCSVを取り込みます。誤りがあれば何も変更しません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="確認のみ（書き込まない）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            center = center_get(slug=options["center"])
            data = path.read_bytes()
            result = roster_import(
                actor=None,
                center=center,
                data=data,
                dry_run=options["dry_run"],
                filename=path.name,
            )
        except (TenancyError, ReservationsError) as exc:
            raise CommandError(str(exc.message)) from exc
        except OSError as exc:
            raise CommandError(f"ファイルを読めません: {path}") from exc
        if result.errors:
            for error in result.errors[:100]:
                self.stderr.write(str(error))
            if len(result.errors) > 100:
                self.stderr.write(f"…ほか {len(result.errors) - 100} 件")
            raise CommandError(f"{len(result.errors)} 件の誤りがあるため、何も変更していません。")
        verb = "確認しました（書き込みなし）" if options["dry_run"] else "取り込みました"
        self.stdout.write(
            f"{result.rows} 行を{verb}: 追加 {result.created}、更新 {result.updated}、"
            f"変更なし {result.unchanged}、ファイルにない既存 {result.not_in_file}"
        )

"""``madoguchi cdr_export --center SLUG``: call records as the KPI.md CSV."""

from __future__ import annotations

import sys
from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.cdr import cdr_export
from madoguchi.calls.selectors import calls_in_period
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.parsing import parse_date
from madoguchi.tenancy.selectors import center_get


class Command(BaseCommand):
    help = "通話記録をCSV（KPI.md の形式、UTF-8）で出力します。期間は日本時間の日付で指定します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True)
        parser.add_argument("--since", default="", help="開始日（この日を含む）")
        parser.add_argument("--until", default="", help="終了日（この日を含む）")
        parser.add_argument("--output", default="-", help="出力先ファイル（既定は標準出力）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["center"])
            since = parse_date(options["since"], field="since") if options["since"] else None
            until = parse_date(options["until"], field="until") if options["until"] else None
        except TenancyError as exc:
            raise CommandError(str(exc.message)) from exc
        if since and until and since > until:
            raise CommandError("--until は --since 以降の日付にしてください。")
        calls = calls_in_period(
            center=center,
            since=datetime.combine(since, time.min, tzinfo=TOKYO) if since else None,
            until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=TOKYO)
            if until
            else None,
        )
        if options["output"] == "-":
            count = cdr_export(actor=None, center=center, calls=calls, out=sys.stdout)
        else:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                count = cdr_export(actor=None, center=center, calls=calls, out=out)
            self.stderr.write(f"{count} 件を {options['output']} に出力しました。")

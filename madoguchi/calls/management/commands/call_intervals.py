"""``madoguchi call_intervals --center SLUG --since DATE --until DATE``: 15-minute totals."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.intervals import call_intervals_rebuild
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.parsing import parse_date
from madoguchi.tenancy.selectors import center_get


class Command(BaseCommand):
    help = "通話記録から15分ごとの集計を作り直します（期間は日本時間の日付、両端を含む）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True)
        parser.add_argument("--since", required=True)
        parser.add_argument("--until", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["center"])
            since = parse_date(options["since"], field="since")
            until = parse_date(options["until"], field="until")
        except TenancyError as exc:
            raise CommandError(str(exc.message)) from exc
        if since > until:
            raise CommandError("--until は --since 以降の日付にしてください。")
        rows = call_intervals_rebuild(
            center=center,
            since=datetime.combine(since, time.min, tzinfo=TOKYO),
            until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=TOKYO),
        )
        self.stdout.write(f"{rows} 行の15分集計を作りました。")

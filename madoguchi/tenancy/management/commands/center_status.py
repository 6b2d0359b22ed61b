"""``madoguchi center_status SLUG --at ISO-DATETIME``: is the center open, and its hours."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.parsing import parse_datetime_jst
from madoguchi.tenancy.selectors import (
    calendar_day_hours,
    center_get,
    is_open,
    next_business_day,
)


class Command(BaseCommand):
    help = "センターがその日時に受付中かどうかと、その日の受付時間を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="センターの識別子（例: iwaki）")
        parser.add_argument(
            "--at", default=None, help="日時（ISO 8601、省略時は現在。オフセットなしは日本時間）"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["slug"])
            at = parse_datetime_jst(options["at"]) if options["at"] is not None else timezone.now()
            local = at.astimezone(TOKYO)
            hours = calendar_day_hours(calendar=center.calendar, day=local.date())
            interval = hours.interval()
            result = {
                "center": center.slug,
                "at": local.isoformat(),
                "open": is_open(center, at),
                "opens_at": interval[0].isoformat() if interval else None,
                "closes_at": interval[1].isoformat() if interval else None,
                "day_type": hours.reason,
                "next_business_day": next_business_day(center, local.date()).isoformat(),
            }
        except TenancyError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        state = "受付中" if result["open"] else "受付時間外"
        span = f"{interval[0]:%H:%M}〜{interval[1]:%H:%M}" if interval else "終日休業"
        self.stdout.write(f"{center.name}: {local:%Y-%m-%d %H:%M} は{state}（この日の受付 {span}）")

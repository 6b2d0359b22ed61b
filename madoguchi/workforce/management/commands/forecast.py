"""``madoguchi forecast``: forecast calls per interval from history (WFM-2) and save them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.tenancy.calendars import TOKYO
from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.management.commands._common import center_and_range
from madoguchi.workforce.services import forecast_build


class Command(BaseCommand):
    help = (
        "過去の同じ曜日（祝日・休業日・イベント日を除く直近 N 週）の実績から、"
        "時間帯別の入電数と平均処理時間を予測して保存します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--from", dest="first", required=True, help="開始日（2026-05-11）")
        parser.add_argument("--to", dest="last", required=True, help="終了日（含む）")
        parser.add_argument("--weeks", type=int, help="使う週数（既定: センターの設定、8）")
        parser.add_argument("--format", choices=["text", "json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        center, first, last = center_and_range(options["center"], options["first"], options["last"])
        try:
            rows = forecast_build(
                actor=None, center=center, first=first, last=last, weeks=options["weeks"]
            )
        except WorkforceError as exc:
            raise CommandError(str(exc.message)) from exc
        data = {
            "center": center.slug,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "total_calls": round(sum(r.calls for r in rows), 3),
            "intervals": [
                {
                    "date": r.date.isoformat(),
                    "start": r.start.astimezone(TOKYO).isoformat(),
                    "minutes": r.minutes,
                    "calls": round(r.calls, 3),
                    "aht_s": round(r.aht_s, 3),
                    "uplift": float(r.uplift),
                    "history_days": r.history_days,
                }
                for r in rows
            ],
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for r in rows:
            self.stdout.write(
                f"{r.start.astimezone(TOKYO):%Y-%m-%d %H:%M}（{r.minutes}分）"
                f" 入電 {r.calls:.1f} 件 平均処理 {r.aht_s:.0f} 秒"
                f" 係数 {r.uplift} 実績 {r.history_days} 日"
            )
        self.stdout.write(f"合計 {data['total_calls']} 件（{len(rows)} 時間帯）")

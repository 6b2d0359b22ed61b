"""``madoguchi staffing_plan``: required agents per interval from the forecast (WFM-1)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.tenancy.calendars import TOKYO
from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.management.commands._common import center_and_range
from madoguchi.workforce.services import staffing_plan_build


class Command(BaseCommand):
    help = "呼量予測とセンターの目標から時間帯別の必要要員数を計算し、要員計画を作成します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--from", dest="first", required=True, help="開始日")
        parser.add_argument("--to", dest="last", required=True, help="終了日（含む）")

    def handle(self, *args: Any, **options: Any) -> None:
        center, first, last = center_and_range(options["center"], options["first"], options["last"])
        try:
            plans = staffing_plan_build(actor=None, center=center, first=first, last=last)
        except WorkforceError as exc:
            raise CommandError(str(exc.message)) from exc
        rows = [
            {
                "start": p.start.astimezone(TOKYO).isoformat(),
                "minutes": p.minutes,
                "required": p.required_agents,
                "planned": p.planned_agents,
                "target": p.target,
            }
            for p in plans
        ]
        self.stdout.write(
            json.dumps({"center": center.slug, "intervals": rows}, ensure_ascii=False)
        )

"""``madoguchi whatif``: a planned day through the call simulator vs the formula (WFM-4)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.services import queue_ensure_default
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.parsing import parse_date
from madoguchi.tenancy.selectors import center_get
from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.whatif import whatif_run


class Command(BaseCommand):
    help = (
        "要員計画の1日を通話シミュレーターで再現し、応答率・平均応答時間を"
        "計算式（アーラン A / C）と比べて JSON で表示します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--date", required=True, help="日付（2026-05-18）")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["center"])
            day = parse_date(options["date"], field="date")
        except TenancyError as exc:
            raise CommandError(str(exc.message)) from exc
        queue_ensure_default(actor=None, center=center)
        try:
            result = whatif_run(center=center, day=day, seed=options["seed"])
        except WorkforceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))

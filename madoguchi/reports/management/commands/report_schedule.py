"""``madoguchi report_schedule [--enqueue --every 3600]``: deliver the reports that are
due (reports/tasks.py), now or by the worker, repeating every ``--every`` seconds."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.reports.tasks import deliver_due, report_schedule_task


class Command(BaseCommand):
    help = "送付時刻を過ぎた報告書（日報・週報・月報・半期・年報）を送付します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="その場で実行せず、ワーカーに依頼します"
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="--enqueue と併用: この秒数ごとに繰り返します（例: 3600）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["every"] < 0 or (options["every"] and not options["enqueue"]):
            raise CommandError("--every は --enqueue と一緒に、0 以上の秒数で指定してください。")
        if options["enqueue"]:
            result = report_schedule_task.enqueue(every_s=options["every"])
            self.stdout.write(f"ワーカーに依頼しました（{result.id}）。")
            return
        report = deliver_due()
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if report["errors"]:
            raise CommandError(f"{len(report['errors'])} 件の報告書を送付できませんでした。")

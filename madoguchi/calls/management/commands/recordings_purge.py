"""``madoguchi recordings_purge``: delete call recordings past their retention deadline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.recordings import recordings_purge
from madoguchi.calls.tasks import recordings_purge_task


class Command(BaseCommand):
    help = (
        "保存期限（録音終了＋センターの録音保存日数）を過ぎた通話録音を削除し、削除記録を残します。"
        "保全中の録音は削除しません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="その場で実行せず、ワーカーに依頼します"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = recordings_purge_task.enqueue()
            self.stdout.write(f"ワーカーに依頼しました（{result.id}）。")
            return
        report = recordings_purge()
        self.stdout.write(
            f"{report.deleted} 件を削除しました（保全中のため保留 {report.kept_on_hold} 件）。"
        )
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} 件のファイルを削除できませんでした（次回再試行）: "
                + ", ".join(report.failed)
            )

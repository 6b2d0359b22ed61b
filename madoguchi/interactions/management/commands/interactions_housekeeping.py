"""``madoguchi interactions_housekeeping``: the daily jobs of interaction history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.interactions.services import escalation_remind, interaction_expire_personal_data
from madoguchi.interactions.tasks import escalations_remind_task, interactions_expire_task


class Command(BaseCommand):
    help = (
        "保存期間を過ぎた応対履歴の個人情報（発信者番号・折り返し先）を削除し、"
        "期限が来た・過ぎた二次対応を督促します（毎日実行）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="その場で実行せず、ワーカーに依頼します"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            expire = interactions_expire_task.enqueue()
            remind = escalations_remind_task.enqueue()
            self.stdout.write(f"ワーカーに依頼しました（{expire.id}, {remind.id}）。")
            return
        expired = interaction_expire_personal_data()
        reminded = escalation_remind()
        self.stdout.write(
            f"個人情報を削除した応対 {expired} 件、督促した二次対応 {len(reminded)} 件。"
        )

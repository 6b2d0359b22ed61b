"""``madoguchi inbox_fetch``: fetch the IMAP mailboxes into the inbox, flag overdue."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.inbox.tasks import fetch_all, inbox_fetch_task
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = "受信メールボックス（IMAP）から新しいメールを取り込み、回答期限超過を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", default="", help="このセンターのメールボックスだけ")
        parser.add_argument(
            "--enqueue", action="store_true", help="その場で実行せず、ワーカーに依頼します"
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="--enqueue と併用: この秒数ごとに繰り返し取り込みます（例: 300）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["center"]
        if slug and not Center.objects.filter(slug=slug).exists():
            raise CommandError(f"センター「{slug}」はありません。")
        if options["every"] < 0 or (options["every"] and not options["enqueue"]):
            raise CommandError("--every は --enqueue と一緒に、0 以上の秒数で指定してください。")
        if options["enqueue"]:
            result = inbox_fetch_task.enqueue(center_slug=slug, every_s=options["every"])
            self.stdout.write(f"ワーカーに依頼しました（{result.id}）。")
            return
        report = fetch_all(center_slug=slug)
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if report["errors"]:
            raise CommandError(
                f"{len(report['errors'])} 件のメールボックスを取得できませんでした。"
            )

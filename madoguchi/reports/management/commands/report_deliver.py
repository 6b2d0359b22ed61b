"""``madoguchi report_deliver --center SLUG --kind KIND --date YYYY-MM-DD [--format F]``:
deliver one report now (encrypted, password in a separate e-mail), for operations."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.reports.crypto import FORMATS, XLSX
from madoguchi.reports.delivery import period_for, report_deliver
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.models import ReportKind
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = "報告書を作成し、暗号化して送付先へメールで送ります（パスワードは別メール）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターのスラッグ（例: iwaki）")
        parser.add_argument("--kind", required=True, choices=ReportKind.values)
        parser.add_argument("--date", required=True, help="対象期間に含まれる日付（YYYY-MM-DD）")
        parser.add_argument("--format", default=XLSX, choices=FORMATS)
        parser.add_argument(
            "--to",
            action="append",
            default=None,
            help="登録済みの送付先の代わりにこのアドレスへ（複数可）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        center = Center.objects.filter(slug=options["center"]).first()
        if center is None:
            raise CommandError(f"センター「{options['center']}」はありません。")
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date は YYYY-MM-DD で指定してください。") from None
        try:
            period = period_for(options["kind"], day)
            delivery = report_deliver(
                actor=None,
                center=center,
                kind=options["kind"],
                period=period,
                fmt=options["format"],
                recipients=options["to"],
            )
        except ReportsError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "delivery": delivery.pk,
                    "kind": delivery.kind,
                    "first": delivery.period_first.isoformat(),
                    "last": delivery.period_last.isoformat(),
                    "format": delivery.fmt,
                    "recipients": delivery.recipients,
                    "status": delivery.status,
                },
                ensure_ascii=False,
            )
        )

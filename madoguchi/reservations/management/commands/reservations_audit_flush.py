"""``madoguchi reservations_audit_flush``: chain booking audit events still waiting
(normally done right after each commit; run this from cron/the worker every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.reservations.audit_outbox import audit_outbox_flush_all


class Command(BaseCommand):
    help = "予約の監査ログのうち、まだ監査チェーンに追記されていないものを追記します。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{audit_outbox_flush_all()} 件を監査ログに追記しました。")

"""``madoguchi load_demo``: the four reference centers plus one demo user per role."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.accounts.demo import demo_load


class Command(BaseCommand):
    help = (
        "デモ（4つのセンターと役割ごとの利用者）を読み込みます。"
        "パスワードは作成時に一度だけ表示します。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        users = demo_load()
        self.stdout.write("デモのセンター: iwaki, niigata, oita, sapporo を読み込みました。")
        self.stdout.write("ログイン: http://127.0.0.1:8000/console/")
        for user in users:
            shown = user.password or "（既存のため変更なし）"
            self.stdout.write(f"  {user.role.label:<14} {user.username:<12} {shown}")
        if any(user.password for user in users):
            self.stdout.write("パスワードはこの一度だけ表示します。控えてください。")

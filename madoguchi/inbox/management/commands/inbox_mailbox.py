"""``madoguchi inbox_mailbox``: set up (or change) an IMAP mailbox fetched into the inbox."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.models import MailboxPurpose, MailSecurity
from madoguchi.inbox.services import mailbox_save
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = (
        "受信メールボックス（IMAP）を設定します。同じセンター・名称なら上書きします。"
        "パスワードは保存せず、--password-env の環境変数から読みます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--name", required=True, help="名称（センター内で一意）")
        parser.add_argument("--purpose", choices=MailboxPurpose.values, default="general")
        parser.add_argument("--address", default="", help="このメールボックスのアドレス")
        parser.add_argument("--host", required=True)
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--security", choices=MailSecurity.values, default="ssl")
        parser.add_argument("--user", required=True)
        parser.add_argument("--password-env", required=True, help="パスワードの環境変数名")
        parser.add_argument("--folder", default="INBOX")
        parser.add_argument("--inactive", action="store_true", help="取得を止めます")

    def handle(self, *args: Any, **options: Any) -> None:
        center = Center.objects.filter(slug=options["center"]).first()
        if center is None:
            raise CommandError(f"センター「{options['center']}」はありません。")
        try:
            mailbox = mailbox_save(
                actor=None,
                center=center,
                name=options["name"],
                purpose=options["purpose"],
                address=options["address"],
                host=options["host"],
                port=options["port"],
                security=options["security"],
                username=options["user"],
                password_env=options["password_env"],
                folder=options["folder"],
                is_active=not options["inactive"],
            )
        except InboxError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"メールボックス「{mailbox.name}」（{mailbox.host}:{mailbox.port}）を設定しました。"
        )

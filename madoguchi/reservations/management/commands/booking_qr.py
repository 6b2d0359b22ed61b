"""``madoguchi booking_qr SLUG --base-url https://… [--language en] [--channel line]
[--output qr.svg|qr.png] [--scale 10]``: the booking URL and its QR code (RSV-9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.publicity import booking_public_url, booking_qr
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.selectors import center_get


class Command(BaseCommand):
    help = "予約サイトの公開URLを表示し、QRコード（SVGまたはPNG）を保存します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("center", help="センターの識別子")
        parser.add_argument("--base-url", required=True, help="例: https://yoyaku.city.example.jp")
        parser.add_argument("--language", default="ja", choices=["ja", "en", "zh-hans", "ko"])
        parser.add_argument("--channel", default="", choices=["", "line"])
        parser.add_argument("--output", help="保存先（.svg または .png）")
        parser.add_argument("--scale", type=int, default=10, help="1モジュールの大きさ（px）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["center"])
            url = booking_public_url(
                center=center,
                base_url=options["base_url"],
                language=options["language"],
                channel=options["channel"],
            )
        except (TenancyError, ReservationsError) as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(url)
        output = options["output"]
        if not output:
            return
        path = Path(output)
        if path.suffix.lower() not in {".svg", ".png"}:
            raise CommandError("保存先は .svg か .png にしてください。")
        qr = booking_qr(url)
        try:
            qr.save(str(path), scale=max(1, options["scale"]), border=4)
        except OSError as exc:
            raise CommandError(f"保存できません: {path}") from exc
        self.stdout.write(f"QR: {path} ({qr.designator})")

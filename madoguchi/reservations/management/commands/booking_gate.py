"""``madoguchi booking_gate SLUG [--opens-at 2031-05-01T09:00] [--rate-per-minute 600]
[--session-minutes 20] [--closed | --open]``: set up the waiting room of a center's booking
pages for a new window (RSV-7). Without options it prints the current setting."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from madoguchi.reservations.admission import admission_gate_configure, from_us, gate_for
from madoguchi.reservations.errors import ReservationsError
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.selectors import center_get


def _tokyo(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=TOKYO) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "予約サイトの入場制御（受付開始時刻・1分あたりの入場数・停止）を設定します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("center", help="センターの識別子")
        parser.add_argument("--opens-at", help="受付開始（東京時間、例 2031-05-01T09:00）")
        parser.add_argument("--no-opening", action="store_true", help="受付開始時刻なし")
        parser.add_argument("--rate-per-minute", type=int)
        parser.add_argument("--session-minutes", type=int)
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--closed", action="store_true", help="ウェブ受付を停止")
        state.add_argument("--open", action="store_true", help="ウェブ受付を再開")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["center"])
            gate = gate_for(center)
            changing = any(
                options[k] not in (None, False)
                for k in ("opens_at", "no_opening", "rate_per_minute", "session_minutes")
            ) or (options["closed"] or options["open"])
            if changing:
                opens_at = gate.opens_at
                if options["no_opening"]:
                    opens_at = None
                elif options["opens_at"]:
                    opens_at = _tokyo(options["opens_at"])
                closed = gate.closed
                if options["closed"] or options["open"]:
                    closed = bool(options["closed"])
                gate = admission_gate_configure(
                    center=center,
                    actor=None,
                    opens_at=opens_at,
                    rate_per_minute=options["rate_per_minute"] or gate.rate_per_minute,
                    session_minutes=options["session_minutes"] or gate.session_minutes,
                    closed=closed,
                )
        except ValueError as exc:
            raise CommandError(f"日時の形式が正しくありません: {exc}") from exc
        except (TenancyError, ReservationsError) as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "center": center.slug,
                    "opens_at": gate.opens_at.astimezone(TOKYO).isoformat()
                    if gate.opens_at
                    else None,
                    "rate_per_minute": gate.rate_per_minute,
                    "session_minutes": gate.session_minutes,
                    "closed": gate.closed,
                    "prequeue_size": gate.prequeue_size,
                    "next_admission": from_us(gate.next_admit_us).astimezone(TOKYO).isoformat()
                    if gate.next_admit_us
                    else None,
                },
                ensure_ascii=False,
            )
        )

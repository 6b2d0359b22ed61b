"""Benchmark the SIP path with real calls on loopback (make bench-telephony)."""

from __future__ import annotations

import json
import tempfile
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.calls.gateway.sip import bench


class Command(BaseCommand):
    help = "SIP の同時通話ベンチマーク（ループバックのみ）。最後の行に JSON を出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=int, default=70)
        parser.add_argument("--agents", type=int, default=50)
        parser.add_argument("--rate", type=float, default=20.0, help="着信/秒")
        parser.add_argument("--talk", type=float, default=20.0, help="応答後の通話秒数")

    def handle(self, *args: Any, **o: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as workdir:
            result = bench.run(
                calls=o["calls"],
                agents=o["agents"],
                rate=o["rate"],
                talk_s=o["talk"],
                workdir=workdir,
            )
        self.stdout.write(json.dumps(result))

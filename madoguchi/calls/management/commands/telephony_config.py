"""Write kamailio.cfg and rtpengine.conf for the centers' numbers (issue 8).

madoguchi telephony_config --out /etc/madoguchi/sip --trunk 192.0.2.10:5060 --check
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.gateway.sip.config import TelephonySettings, number_routes, write_configs


class Command(BaseCommand):
    help = "kamailio.cfg と rtpengine.conf を各センターの電話番号から生成します。"

    def add_arguments(self, parser: CommandParser) -> None:
        d = TelephonySettings(run_dir="")
        parser.add_argument(
            "--out", required=True, help="出力先ディレクトリ（実行用ソケットも置く）"
        )
        parser.add_argument("--host", default=d.host)
        parser.add_argument("--sip-port", type=int, default=d.sip_port)
        parser.add_argument("--evapi-port", type=int, default=d.evapi_port)
        parser.add_argument("--ng-port", type=int, default=d.ng_port)
        parser.add_argument("--router-port", type=int, default=d.router_port)
        parser.add_argument("--worker-port", type=int, default=d.worker_port)
        parser.add_argument("--trunk", default=d.trunk, help="キャリアSIPトランク host:port")
        parser.add_argument("--rtp-min", type=int, default=d.rtp_min)
        parser.add_argument("--rtp-max", type=int, default=d.rtp_max)
        parser.add_argument("--children", type=int, default=d.children)
        parser.add_argument("--no-rtpengine", action="store_true")
        parser.add_argument("--check", action="store_true", help="kamailio -c で構文を確認")

    def handle(self, *args: Any, **o: Any) -> None:
        settings = TelephonySettings(
            run_dir=o["out"],
            host=o["host"],
            sip_port=o["sip_port"],
            evapi_port=o["evapi_port"],
            ng_port=o["ng_port"],
            router_port=o["router_port"],
            worker_port=o["worker_port"],
            trunk=o["trunk"],
            rtp_min=o["rtp_min"],
            rtp_max=o["rtp_max"],
            children=o["children"],
            rtpengine=not o["no_rtpengine"],
            numbers=number_routes(),
        )
        kamailio_cfg, rtpengine_conf = write_configs(settings)
        self.stdout.write(f"{kamailio_cfg}\n{rtpengine_conf}\n")
        self.stdout.write(f"番号: {len(settings.numbers)}\n")
        if o["check"]:
            kamailio = shutil.which("kamailio")
            if kamailio is None:
                raise CommandError(
                    "kamailio がありません: scripts/ensure-telephony.sh を実行してください"
                )
            result = subprocess.run(  # noqa: S603 (fixed argv)
                [kamailio, "-c", "-f", kamailio_cfg], capture_output=True, text=True, timeout=60
            )
            if result.returncode != 0:
                raise CommandError(f"kamailio -c に失敗しました:\n{result.stderr[-3000:]}")
            self.stdout.write("kamailio -c: OK\n")

"""``madoguchi staffing``: required agents (or the figures for given agents) by Erlang B,
C or A (REQUIREMENTS WFM-1; conventions in docs/staffing.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.staffing import StaffingQuery, StaffingResult, TargetKind, calculate

_TARGETS = {
    "target_answer_rate": TargetKind.ANSWER_RATE,
    "target_service_level": TargetKind.SERVICE_LEVEL,
    "target_asa_s": TargetKind.ASA,
    "agents": TargetKind.AGENTS,
}


class Command(BaseCommand):
    help = (
        "入電数・平均処理時間から必要な要員数と応答率・待ち時間などを計算します"
        "（--patience なし: アーラン C、あり: アーラン A、回線数 = 要員数: アーラン B）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls-per-hour", type=float, required=True, help="1時間の入電数")
        parser.add_argument("--aht", type=float, required=True, help="平均処理時間（秒）")
        parser.add_argument("--patience", type=float, help="平均放棄時間（秒）")
        parser.add_argument("--lines", type=int, help="回線数（通話中＋待ちの上限）")
        parser.add_argument("--target-answer-rate", type=float, help="目標応答率（例 0.9）")
        parser.add_argument("--target-service-level", type=float, help="目標サービスレベル")
        parser.add_argument("--threshold-s", type=float, help="サービスレベルの基準（秒、既定20）")
        parser.add_argument("--target-asa-s", type=float, help="目標平均応答時間（秒）")
        parser.add_argument("--agents", type=int, help="要員数（指定した人数で計算）")
        parser.add_argument("--max-occupancy", type=float, help="稼働率の上限（例 0.85）")
        parser.add_argument("--shrinkage", type=float, default=0.0, help="シュリンケージ（例 0.3）")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = [name for name in _TARGETS if options[name] is not None]
        if len(chosen) != 1:
            raise CommandError(
                "--target-answer-rate、--target-service-level、--target-asa-s、--agents の"
                "いずれか1つを指定してください。"
            )
        target = _TARGETS[chosen[0]]
        if target == TargetKind.SERVICE_LEVEL and options["threshold_s"] is None:
            raise CommandError(
                "--target-service-level には --threshold-s（秒）も指定してください。"
            )
        query = StaffingQuery(
            calls_per_hour=options["calls_per_hour"],
            aht_s=options["aht"],
            patience_s=options["patience"],
            lines=options["lines"],
            target=target,
            target_value=float(options[chosen[0]]),
            threshold_s=20.0 if options["threshold_s"] is None else options["threshold_s"],
            max_occupancy=options["max_occupancy"],
            shrinkage=options["shrinkage"],
        )
        try:
            result = calculate(query)
        except WorkforceError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(text_report(result))


def text_report(r: StaffingResult) -> str:
    asa = "—" if r.asa_answered_s == float("inf") else f"{r.asa_answered_s:.2f} 秒"
    return "\n".join(
        [
            f"計算モデル: {r.model}",
            f"要員数: {r.agents} 名（シュリンケージ込み {r.scheduled_agents} 名）",
            f"負荷: {r.load_erlangs:.4f} アーラン",
            f"待ち発生率: {r.p_wait:.4%}",
            f"放棄率: {r.p_abandon:.4%}",
            f"話中（ブロック）率: {r.p_blocked:.4%}",
            f"応答率: {r.p_answered:.4%}",
            f"平均応答時間（応答呼）: {asa}",
            f"サービスレベル（{r.threshold_s:g} 秒以内に応答 ÷ 着信）: {r.service_level:.4%}",
            f"稼働率: {r.occupancy:.4%}",
        ]
    )

"""``madoguchi simulate``: a simulated stretch of calls through the real routing and ACD."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.audit.services import audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.errors import CallsError
from madoguchi.calls.gateway.simulator import (
    SIMULATED_NUMBER,
    BusinessClock,
    SimulationSpec,
    Simulator,
)
from madoguchi.calls.recording import RecordingSink
from madoguchi.calls.selectors import routing_table
from madoguchi.calls.services import queue_ensure_default, simulated_agents_ensure
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.parsing import parse_date
from madoguchi.tenancy.selectors import center_get


def _positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    if value < 0 or (value == 0 and not allow_zero):
        raise CommandError(f"--{name} は正の数で指定してください（{value}）。")
    return value


class Command(BaseCommand):
    help = (
        "コールセンターの一定時間をシミュレーションし、応答率・平均応答時間などを表示します。"
        "planning はメモリ内だけで計算、recording は通話記録として保存します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子")
        parser.add_argument("--calls-per-hour", type=float, required=True)
        parser.add_argument("--aht", type=float, required=True, help="平均処理時間（秒）")
        parser.add_argument(
            "--patience", type=float, required=True, help="平均放棄までの時間（秒）"
        )
        parser.add_argument("--agents", type=int, required=True)
        parser.add_argument("--hours", type=float, required=True, help="受付時間の合計（時間）")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--mode", choices=["planning", "recording"], default="planning")
        parser.add_argument("--start", default="2026-04-06", help="開始日（既定 2026-04-06）")
        parser.add_argument("--language", default="ja")
        parser.add_argument("--ring-no-answer", type=float, default=0.0, help="不応答の確率")
        parser.add_argument("--handle-times", default="", help="処理時間の実績（秒、1行1件）")
        parser.add_argument("--profile", default="", help="時間帯別の重み24個（カンマ区切り）")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            center = center_get(slug=options["center"])
            start: date = parse_date(options["start"], field="start")
        except TenancyError as exc:
            raise CommandError(str(exc.message)) from exc
        for name in ("calls_per_hour", "aht", "patience", "hours"):
            _positive(name.replace("_", "-"), options[name])
        if options["agents"] < 1:
            raise CommandError("--agents は1以上で指定してください。")
        if not 0 <= options["ring_no_answer"] < 1:
            raise CommandError("--ring-no-answer は0以上1未満で指定してください。")
        queue_ensure_default(actor=None, center=center)
        policy = routing_table().centers[center.pk]
        spec = SimulationSpec(
            center=policy,
            calls_per_hour=options["calls_per_hour"],
            aht_s=options["aht"],
            patience_s=options["patience"],
            agents=options["agents"],
            hours=options["hours"],
            seed=options["seed"],
            start=start,
            language=options["language"],
            ring_no_answer_p=options["ring_no_answer"],
            handle_times=_handle_times(options["handle_times"]),
            hourly_profile=_profile(options["profile"]),
        )
        recording = options["mode"] == "recording"
        clock = BusinessClock(policy.calendar, start)
        sink = None
        if recording:
            spec.agent_ids = [
                a.pk for a in simulated_agents_ensure(center=center, count=spec.agents)
            ]
            sink = RecordingSink(center_id=center.pk, dialed=SIMULATED_NUMBER, clock=clock)
        try:
            started = time.perf_counter()
            result = Simulator(spec, sink=sink, clock=clock).run()
            if sink is not None:
                # Recording mode is measured including the database writes.
                sink.flush()
                result.wall_s = time.perf_counter() - started
                result.calls_per_wall_s = result.calls / result.wall_s
        except CallsError as exc:
            raise CommandError(str(exc.message)) from exc
        if sink is not None:
            audit_log(
                action=audit_actions.SIMULATION_RECORDED,
                actor=None,
                center=center,
                data={"calls": sink.written, "hours": spec.hours, "seed": spec.seed},
            )
        data = {"center": center.slug, "mode": options["mode"], **result.as_dict()}
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(
            f"{center.name}: 入電 {result.offered}、応答 {result.answered}、"
            f"放棄 {result.abandoned}、"
            f"応答率 {result.answer_rate:.1%}、平均応答時間 {result.asa_s:.1f} 秒、"
            f"サービスレベル {result.service_level:.1%}、稼働率 {result.occupancy:.1%}"
            f"（{result.calls_per_wall_s:,.0f} 件/秒）"
        )


def _handle_times(path: str) -> list[float] | None:
    if not path:
        return None
    values = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = float(line)
        except ValueError:
            raise CommandError(f"{path} の {number} 行目が数値ではありません: {line!r}") from None
        if value <= 0:
            raise CommandError(f"{path} の {number} 行目は正の秒数にしてください: {line!r}")
        values.append(value)
    if not values:
        raise CommandError(f"{path} に処理時間がありません。")
    return values


def _profile(text: str) -> list[float] | None:
    if not text:
        return None
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise CommandError("--profile は数値24個をカンマで区切って指定してください。") from None
    if len(weights) != 24 or min(weights) < 0 or max(weights) == 0:
        raise CommandError("--profile は0以上の数値24個（少なくとも1つは正）にしてください。")
    return weights

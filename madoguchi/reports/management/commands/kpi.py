"""``madoguchi kpi --center SLUG --from DATE --to DATE``: the KPI.md figures of a period."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.reports.kpi import DEFINITIONS, KpiOptions, kpi_summary
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.selectors import center_get

# (key, label, kind) of the text format; kind: count / rate / seconds / number
_TEXT_ROWS = [
    ("offered", "総着信呼数", "count"),
    ("answered", "応答数", "count"),
    ("abandoned", "放棄呼数", "count"),
    ("voicemail", "留守番電話", "count"),
    ("blocked", "話中（満杯）", "count"),
    ("short_abandons", "短時間放棄（除外）", "count"),
    ("after_hours", "時間外着信", "count"),
    ("answer_rate", "受電応答率", "rate"),
    ("abandon_rate", "放棄率", "rate"),
    ("service_level", "サービスレベル", "rate"),
    ("asa_s", "平均応答時間", "seconds"),
    ("first_contact_completion_rate", "一次応対完了率", "rate"),
    ("first_answer_rate", "一次回答率", "rate"),
    ("avg_abandon_wait_s", "平均放棄呼時間", "seconds"),
    ("avg_talk_s", "平均通話時間", "seconds"),
    ("avg_wrap_s", "平均後処理時間", "seconds"),
    ("avg_handle_s", "平均処理時間", "seconds"),
    ("long_calls", "長時間対応", "count"),
    ("transfers", "転送・取次ぎ", "count"),
    ("switchboard_transfers", "電話交換", "count"),
    ("operating_hours", "受付時間（時間）", "number"),
    ("answered_per_operating_hour", "時間当たり応答数", "number"),
]


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{name} の日付「{value}」が読めません。2026-10-01 の形式で入力してください。"
        ) from None


def _format(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "seconds":
        return f"{value:.1f}秒"
    if kind == "number":
        return f"{value:.2f}"
    return f"{value:,}"


class Command(BaseCommand):
    help = "KPI.md の定義で、センターの期間中の応答率などの指標を出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="センターの識別子（例: iwaki）")
        parser.add_argument("--from", dest="first", required=True, help="開始日 2026-10-01")
        parser.add_argument("--to", dest="last", required=True, help="終了日（含む）2026-10-31")
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument(
            "--short-abandon-s",
            type=int,
            default=None,
            help="待ち時間がこの秒数以下の放棄を着信数・放棄数から除きます（既定: センター設定）",
        )
        parser.add_argument(
            "--exclude-blocked", action="store_true", help="話中（満杯）を着信数に含めません"
        )
        parser.add_argument(
            "--exclude-voicemail", action="store_true", help="留守番電話を着信数に含めません"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        first = _date(options["first"], "--from")
        last = _date(options["last"], "--to")
        if last < first:
            raise CommandError(
                f"終了日 {last} が開始日 {first} より前です。--from と --to を確認してください。"
            )
        short = options["short_abandon_s"]
        if short is not None and short < 0:
            raise CommandError("--short-abandon-s には 0 以上の秒数を指定してください。")
        try:
            center = center_get(slug=options["center"])
        except TenancyError as exc:
            raise CommandError(str(exc.message)) from exc
        overrides: dict[str, Any] = {}
        if short is not None:
            overrides["short_abandon_s"] = short
        if options["exclude_blocked"]:
            overrides["include_blocked"] = False
        if options["exclude_voicemail"]:
            overrides["include_voicemail"] = False
        kpi_options = KpiOptions.for_center(center, **overrides)
        summary = kpi_summary(center=center, first=first, last=last, options=kpi_options)
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        self._text(center.name, summary)

    def _text(self, name: str, summary: dict[str, Any]) -> None:
        self.stdout.write(f"{name}  {summary['from']}〜{summary['to']}")
        for key, label, kind in _TEXT_ROWS:
            self.stdout.write(f"  {label}: {_format(summary[key], kind)}")
        for title, groups in (
            ("着信番号別", summary["by_line"]),
            ("時間帯別", summary["by_hour"]),
            ("分類別", summary["by_category"]),
        ):
            self.stdout.write(title)
            for group, figures in groups.items():
                self.stdout.write(
                    f"  {group or '（なし）'}: 着信 {figures['offered']:,} 応答 "
                    f"{figures['answered']:,} 応答率 {_format(figures['answer_rate'], 'rate')}"
                )
        if summary["faq_use"]:
            self.stdout.write("FAQ使用数")
            for faq, count in summary["faq_use"].items():
                self.stdout.write(f"  {faq}: {count:,}")
        self.stdout.write("定義")
        for definition in DEFINITIONS:
            self.stdout.write(f"  {definition.name}: {definition.text}")

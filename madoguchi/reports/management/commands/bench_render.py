"""``madoguchi bench_render --format json``: how fast the renderers are on an annual-size
report made up here (no database): 20 tables — 365 daily rows, 12 months, 24 hours,
lines, categories, operators… — and 15 charts, plus 20,000 records for the CSV.
Prints seconds per format (encrypted, as delivered), pages and bytes, and the peak
resident memory of the process. The figures are for people and CI logs; no test times
them."""

from __future__ import annotations

import json
import random
import resource
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.filecrypto import password_new
from madoguchi.reports.crypto import FORMATS, render_file
from madoguchi.reports.documents import (
    Cell,
    Chart,
    Definition,
    Report,
    Section,
    Series,
    Table,
)
from madoguchi.tenancy.calendars import TOKYO


def annual_report(seed: int = 7) -> Report:
    rng = random.Random(seed)  # noqa: S311 - made-up figures, not security
    first = date(2026, 4, 1)
    days = [first + timedelta(days=i) for i in range(365)]
    months = [f"{(first.month + i - 1) % 12 + 1}月" for i in range(12)]
    d_offered = [rng.randint(200, 900) for _d in days]
    d_answered = [int(o * rng.uniform(0.8, 0.99)) for o in d_offered]
    d_rate: list[float | None] = [a / o for a, o in zip(d_answered, d_offered, strict=True)]
    m_offered = [rng.randint(8000, 20000) for _m in months]
    m_answered = [int(o * rng.uniform(0.85, 0.97)) for o in m_offered]
    m_level: list[float | None] = [rng.uniform(0.6, 0.9) for _m in months]
    m_wait: list[float | None] = [rng.uniform(10, 40) for _m in months]
    daily: list[list[Cell]] = [
        [f"{d:%Y-%m-%d}", o, a, r, rng.uniform(5, 60), rng.uniform(180, 420)]
        for d, o, a, r in zip(days, d_offered, d_answered, d_rate, strict=True)
    ]
    monthly: list[list[Cell]] = [
        [m, o, a, a / o, lv, w]
        for m, o, a, lv, w in zip(months, m_offered, m_answered, m_level, m_wait, strict=True)
    ]
    hours: list[list[Cell]] = [
        [f"{h:02d}", rng.randint(500, 9000), rng.uniform(0.8, 0.99)] for h in range(8, 20)
    ]
    cols = ["日付", "着信数", "応答数", "応答率", "平均待ち時間（秒）", "平均通話時間（秒）"]
    mcols = ["月", "着信数", "応答数", "応答率", "サービスレベル", "平均待ち時間（秒）"]
    sections = [
        Section(
            "年間の受電状況",
            text="年間を通じて応答率は目標を上回りました。\n繁忙期は4月と3月です。",
            tables=[
                Table(mcols, monthly, "月別", frozenset({3, 4})),
                Table(cols, daily, "日別", frozenset({3})),
                Table(["時間帯", "着信数", "応答率"], hours, "時間帯別", frozenset({2})),
            ],
            charts=[
                Chart(
                    "bar",
                    "月別の着信数と応答数",
                    months,
                    [
                        Series("着信数", [float(v) for v in m_offered]),
                        Series("応答数", [float(v) for v in m_answered]),
                    ],
                ),
                Chart(
                    "line",
                    "日別の応答率",
                    [f"{d:%m-%d}" for d in days],
                    [Series("応答率", d_rate)],
                    percent=True,
                ),
                Chart(
                    "line",
                    "月別のサービスレベル",
                    months,
                    [Series("サービスレベル", m_level)],
                    percent=True,
                ),
            ],
        )
    ]
    for n in range(1, 9):
        labels = [f"区分{n}-{i}" for i in range(40)]
        counts = [rng.randint(10, 5000) for _i in labels]
        rows: list[list[Cell]] = [
            [label, count, count / sum(counts)] for label, count in zip(labels, counts, strict=True)
        ]
        sections.append(
            Section(
                f"内訳{n}",
                tables=[
                    Table(["区分", "件数", "割合"], rows, f"内訳{n}", frozenset({2})),
                    Table(["区分", "件数", "割合"], rows[:12], f"内訳{n}（上位）", frozenset({2})),
                ],
                charts=[
                    Chart(
                        "pie" if n % 2 else "bar",
                        f"内訳{n}のグラフ",
                        labels[:8],
                        [Series("件数", [float(c) for c in counts[:8]])],
                    )
                ],
            )
        )
    operators: list[list[Cell]] = [
        [f"OP{i:03d}", rng.randint(500, 4000), rng.uniform(200, 500)] for i in range(60)
    ]
    sections.append(
        Section(
            "オペレーター別",
            tables=[
                Table(["オペレーター", "応答数", "平均処理時間（秒）"], operators, "オペレーター別")
            ],
            charts=[
                Chart(
                    "line",
                    "月別の平均待ち時間",
                    months,
                    [Series("平均待ち時間", m_wait)],
                    y_title="秒",
                )
            ],
        )
    )
    records: list[list[Cell]] = [["受付日時", "分類", "内容"]]
    records += [
        [f"2026-{4 + i % 9:02d}-{1 + i % 28:02d} 10:00", "税", f"問い合わせ {i}"]
        for i in range(20000)
    ]
    return Report(
        kind="annual",
        title="年報 2026年度 ベンチマーク市コールセンター",
        center_name="ベンチマーク市コールセンター",
        period_label="2026年度",
        generated_at=datetime(2027, 4, 1, 7, 0, tzinfo=TOKYO),
        sections=sections,
        definitions=[Definition(f"指標{i}", "分子 ÷ 分母（受付時間内）" * 3) for i in range(30)],
        records={"interactions": records},
    )


class Command(BaseCommand):
    help = "年報規模の報告書を Excel・PDF・CSV（暗号化）に出力する時間を測ります。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        report = annual_report()
        tables = sum(len(s.tables) for s in report.sections)
        charts = sum(len(s.charts) for s in report.sections)
        result: dict[str, Any] = {"tables": tables, "charts": charts, "formats": {}}
        for fmt in FORMATS:
            started = time.perf_counter()
            built = render_file(report, fmt=fmt, filename_stem="bench", password=password_new())
            entry: dict[str, Any] = {
                "seconds": round(time.perf_counter() - started, 3),
                "bytes": len(built.content),
            }
            if fmt == "pdf":
                entry["pages"] = built.content.count(b"/Type /Page\n") or None
            result["formats"][fmt] = entry
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

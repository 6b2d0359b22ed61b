"""``madoguchi bench_interactions``: export rate/memory and search p95 (CON-6).

Run it on a throwaway database (``make bench-interactions`` starts a PostgreSQL): it
inserts generated records. Prints one JSON object with the figures and the limits.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from madoguchi.interactions import bench
from madoguchi.interactions.models import Interaction

EXPORT_MEMORY_LIMIT_MB = 200
SEARCH_P95_LIMIT_MS = 300


class Command(BaseCommand):
    help = (
        "応対履歴の性能を測ります: 10万件の出力速度（件/秒）とピークメモリ、"
        "100万件での検索の95パーセンタイル。空のデータベースで実行してください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--export-rows", type=int, default=100_000)
        parser.add_argument("--search-rows", type=int, default=1_000_000)
        parser.add_argument("--queries", type=int, default=300)
        parser.add_argument("--skip-xlsx", action="store_true", help="Excel出力を測りません")
        parser.add_argument(
            "--trace-xlsx",
            action="store_true",
            help="Excel出力も tracemalloc で測ります（時間が倍以上かかります）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        export_rows, search_rows = options["export_rows"], options["search_rows"]
        if search_rows < export_rows:
            raise CommandError("--search-rows は --export-rows 以上にしてください。")
        if Interaction.objects.exists():
            raise CommandError("応対履歴が既にあります。空のデータベースで実行してください。")
        fixture = bench.fixture_ensure()
        insert_s = bench.interactions_insert(fixture, export_rows, seed=1)
        records = Interaction.objects.all()
        results: dict[str, Any] = {
            "database": connection.vendor,
            "export": [bench.measure_export("csv", lambda: bench.export_csv(records))],
        }
        if not options["skip_xlsx"]:
            results["export"].append(
                bench.measure_export(
                    "xlsx", lambda: bench.export_xlsx(records), traced=options["trace_xlsx"]
                )
            )
        self.stderr.write(json.dumps({"export": results["export"]}, ensure_ascii=False))
        insert_s += bench.interactions_insert(fixture, search_rows - export_rows, seed=2)
        results["insert"] = {
            "rows": search_rows,
            "seconds": round(insert_s, 1),
            "rows_per_s": round(search_rows / insert_s) if insert_s else None,
        }
        results["search"] = {
            "rows": Interaction.objects.count(),
            **bench.search_workload(fixture, options["queries"], seed=3),
        }
        peak = max(max(e["peak_traced_mb"] or 0, e["rss_growth_mb"]) for e in results["export"])
        results["limits"] = {
            "export_peak_memory_mb": EXPORT_MEMORY_LIMIT_MB,
            "search_p95_ms": SEARCH_P95_LIMIT_MS,
            "export_memory_ok": peak <= EXPORT_MEMORY_LIMIT_MB,
            "search_p95_ok": results["search"]["p95_ms"] <= SEARCH_P95_LIMIT_MS,
        }
        self.stdout.write(json.dumps(results, ensure_ascii=False))

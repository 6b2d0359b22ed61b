"""``madoguchi bench_reports``: build the monthly and the annual report over a year of
simulated Iwaki calls (≥ 500,000) and time building plus Excel and PDF rendering.

Run it on a throwaway PostgreSQL (``make bench-reports`` starts one): it writes the data.
The last line of output is one JSON object with the figures; targets: monthly total
≤ 10 s, annual total ≤ 60 s.
"""

from __future__ import annotations

import importlib
import json
import resource
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from madoguchi.calls.models import Call
from madoguchi.reports import bench_data
from madoguchi.reports.builders import monthly
from madoguchi.reports.documents import Report
from madoguchi.reports.periods import fiscal_year_period, month_period

MONTHLY_TARGET_S = 10.0
ANNUAL_TARGET_S = 60.0
FIRST_DAY = date(2025, 4, 1)  # fiscal year 2025 (April–March)


def _renderer(module: str, name: str) -> Callable[[Report], bytes] | None:
    """The renderer of the ``render`` work, when it is installed."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    result = work()
    return result, round(time.perf_counter() - began, 2)


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Command(BaseCommand):
    help = (
        "報告書の性能を測ります: いわき市の1年分の模擬通話（既定 52万件）を作り、月報と年報の"
        "作成（集計・Excel・PDF）にかかる時間とピークメモリをJSONで出力します。"
        "PostgreSQLの空のデータベースで実行してください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--calls", type=int, default=520_000, help="模擬通話の件数")
        parser.add_argument("--days", type=int, default=365, help="模擬データの日数")
        parser.add_argument("--month", default="2025-10", help="計測する月報の月（YYYY-MM）")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_reports は PostgreSQL 専用です（COPY で模擬データを書き込みます）。"
                "make bench-reports で一時的な PostgreSQL 上で実行してください。"
            )
        if Call.objects.exists():
            raise CommandError("通話データが既にあります。空のデータベースで実行してください。")
        try:
            year, month_number = (int(p) for p in options["month"].split("-"))
            month_day = date(year, month_number, 1)
        except ValueError:
            raise CommandError("--month は YYYY-MM の形式で指定してください。") from None

        fixture = bench_data.fixture_ensure()
        generated = bench_data.generate(
            fixture=fixture, first=FIRST_DAY, days=options["days"], total_calls=options["calls"]
        )
        self.stderr.write(
            f"generated {generated.calls} calls, {generated.interactions} interactions "
            f"in {generated.seconds:.1f} s"
        )
        xlsx = _renderer("madoguchi.reports.render_xlsx", "render_xlsx")
        pdf = _renderer("madoguchi.reports.render_pdf", "render_pdf")
        center = fixture.center
        results: dict[str, Any] = {
            "database": connection.vendor,
            "calls": generated.calls,
            "interactions": generated.interactions,
            "generate_s": round(generated.seconds, 1),
            "renderers": xlsx is not None and pdf is not None,
        }
        for name, build in (
            (
                "monthly",
                lambda: monthly.build_monthly(center=center, period=month_period(month_day)),
            ),
            (
                "annual",
                lambda: monthly.build_annual(center=center, period=fiscal_year_period(FIRST_DAY)),
            ),
        ):
            report, build_s = _timed(build)
            xlsx_bytes, xlsx_s = _timed(partial(xlsx, report)) if xlsx else (b"", None)
            pdf_bytes, pdf_s = _timed(partial(pdf, report)) if pdf else (b"", None)
            results[f"{name}_build_s"] = build_s
            results[f"{name}_xlsx_s"] = xlsx_s
            results[f"{name}_pdf_s"] = pdf_s
            results[f"{name}_total_s"] = round(build_s + (xlsx_s or 0) + (pdf_s or 0), 2)
            results[f"{name}_xlsx_bytes"] = len(xlsx_bytes)
            results[f"{name}_pdf_bytes"] = len(pdf_bytes)
            results[f"{name}_sections"] = len(report.sections)
            self.stderr.write(f"{name}: {results[f'{name}_total_s']} s")
        results["peak_rss_mb"] = peak_rss_mb()
        results["targets"] = {
            "monthly_total_s": MONTHLY_TARGET_S,
            "annual_total_s": ANNUAL_TARGET_S,
            "monthly_ok": results["monthly_total_s"] <= MONTHLY_TARGET_S,
            "annual_ok": results["annual_total_s"] <= ANNUAL_TARGET_S,
        }
        self.stdout.write(json.dumps(results, ensure_ascii=False))

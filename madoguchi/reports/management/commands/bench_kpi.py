"""``madoguchi bench_kpi``: how long the KPI engine takes over a month and a year of calls.

Run it on a throwaway database (``scripts/bench-kpi.sh`` starts a PostgreSQL): it loads the
いわき scenario and inserts ``--calls`` synthetic calls over fiscal year 2026 (April 2026 –
March 2027), then times the engine. Prints one JSON object.
"""

from __future__ import annotations

import json
import random
import resource
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from madoguchi.calls.models import Agent, Call, CallSource, Disposition, Queue
from madoguchi.reports.kpi import (
    BREAKDOWN_KEYS,
    KpiOptions,
    OpeningHours,
    breakdown_hours,
    breakdowns,
    calls_in_period,
    kpi_summary,
    operating_hours,
)
from madoguchi.reports.periods import Period, fiscal_year_period, month_period
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

CATEGORIES = [
    "ごみ",
    "税金",
    "住民票",
    "国民健康保険",
    "子育て",
    "福祉",
    "道路",
    "上下水道",
    "電話交換",
    "その他",
]


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return round(time.perf_counter() - started, 3), result


def _insert(center: Center, count: int, seed: int) -> float:
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not security)
    opening = OpeningHours(center.calendar)
    lines = list(center.numbers.values_list("e164", flat=True))
    queues = [
        Queue.objects.get_or_create(center=center, name=name)[0] for name in ("総合", "電話交換")
    ]
    agents = [
        Agent.objects.get_or_create(
            center=center, name=f"ベンチ{n:02d}", defaults={"is_simulated": True}
        )[0]
        for n in range(24)
    ]
    first = date(2026, 4, 1)
    started = time.perf_counter()
    batch: list[Call] = []
    for n in range(count):
        day = first + timedelta(days=rng.randrange(365))
        arrived = datetime(day.year, day.month, day.day, 8, tzinfo=TOKYO) + timedelta(
            seconds=rng.uniform(0, 12 * 3600)
        )
        pick = rng.random()
        queue = queues[1] if rng.random() < 0.3 else queues[0]
        answered = ended = wrap_end = None
        agent = None
        if not opening.is_open(arrived):
            disposition = Disposition.AFTER_HOURS
        elif pick < 0.85:
            disposition = Disposition.ANSWERED
            answered = arrived + timedelta(seconds=rng.expovariate(1 / 12))
            ended = answered + timedelta(seconds=rng.expovariate(1 / 240))
            wrap_end = ended + timedelta(seconds=rng.uniform(0, 120))
            agent = rng.choice(agents)
        elif pick < 0.95:
            disposition = Disposition.ABANDONED
            ended = arrived + timedelta(seconds=rng.expovariate(1 / 30))
        elif pick < 0.98:
            disposition = Disposition.VOICEMAIL
            ended = arrived + timedelta(seconds=60)
        else:
            disposition = Disposition.BLOCKED
            ended = arrived
        switchboard = queue is queues[1]
        batch.append(
            Call(
                center=center,
                source=CallSource.SIMULATED,
                external_id=f"bench-kpi-{n}",
                dialed_number=rng.choice(lines),
                queue=queue,
                agent=agent,
                arrived_at=arrived,
                in_hours=disposition != Disposition.AFTER_HOURS,
                answered_at=answered,
                ended_at=ended,
                wrap_end_at=wrap_end,
                disposition=disposition,
                transferred_to="市民課" if switchboard else "",
                resolved_in_center=(switchboard or rng.random() < 0.9) if answered else None,
                is_switchboard_transfer=switchboard if answered else None,
                category="電話交換" if switchboard else rng.choice(CATEGORIES),
                faq_ids=[f"FAQ-{rng.randrange(200):04d}" for _ in range(rng.randrange(3))],
            )
        )
        if len(batch) == 5000:
            Call.objects.bulk_create(batch)
            batch = []
    Call.objects.bulk_create(batch)
    return time.perf_counter() - started


class Command(BaseCommand):
    help = (
        "KPI集計の性能を測ります（1か月分と1年分）。空のデータベースで実行してください: "
        "いわきのシナリオと合成した通話を書き込みます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--calls", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if Call.objects.exists():
            raise CommandError("通話が既にあります。空のデータベースで実行してください。")
        center = Center.objects.filter(slug="iwaki").first()
        if center is None:
            call_command("load_scenario", "iwaki", stdout=self.stderr)
            center = Center.objects.select_related("calendar").get(slug="iwaki")
        insert_s = _insert(center, options["calls"], options["seed"])
        kpi_options = KpiOptions.for_center(center)
        month = month_period(date(2026, 10, 1))
        year = fiscal_year_period(date(2026, 10, 1))
        results: dict[str, Any] = {
            "database": connection.vendor,
            "calls": Call.objects.count(),
            "insert_s": round(insert_s, 1),
        }
        stream_s, streamed = _timed(
            lambda: sum(
                1 for _ in calls_in_period(center=center, since=year.since, until=year.until)
            )
        )
        results["stream_year"] = {"seconds": stream_s, "records": streamed}
        for label, period in (("month", month), ("year", year)):

            def summarize(period: Period = period) -> dict[str, Any]:
                return kpi_summary(
                    center=center, first=period.first, last=period.last, options=kpi_options
                )

            seconds, summary = _timed(summarize)
            results[f"kpi_summary_{label}"] = {
                "seconds": seconds,
                "offered": summary["offered"],
                "answer_rate": summary["answer_rate"],
            }

        def every_breakdown() -> int:
            names = list(BREAKDOWN_KEYS)
            hours = {
                name: breakdown_hours(center=center, first=year.first, last=year.last, by=name)
                for name in names
            }
            _total, groups = breakdowns(
                calls_in_period(center=center, since=year.since, until=year.until),
                names,
                options=kpi_options,
                total_hours=operating_hours(center=center, first=year.first, last=year.last),
                hours=hours,
            )
            return sum(len(g) for g in groups.values())

        seconds, group_count = _timed(every_breakdown)
        results["all_breakdowns_year"] = {
            "seconds": seconds,
            "breakdowns": len(BREAKDOWN_KEYS),
            "groups": group_count,
        }
        results["peak_rss_mb"] = _peak_rss_mb()
        self.stdout.write(json.dumps(results, ensure_ascii=False))

"""Benchmark of interaction history (CON-6): export rate and memory, search latency.

Used by ``madoguchi bench_interactions``. Rows are generated deterministically (seeded)
and written with COPY on PostgreSQL (``bulk_create`` in batches elsewhere); timings use
``time.perf_counter``. The search workload is what the history screen does for one page:
a count and the first 50 rows, for a random mix of conditions, always within a period
(the screen always sends one; it opens on the last 7 days).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from madoguchi.accounts.models import User
from madoguchi.interactions import exports, selectors
from madoguchi.interactions.models import Category, Channel, Interaction, InteractionKind, Outcome
from madoguchi.tenancy.models import Center, Department
from madoguchi.tenancy.scenarios import scenario_load

TOPICS = [
    "粗大ごみの出し方",
    "住民票の写しの請求",
    "市県民税の納付",
    "国民健康保険の加入",
    "児童手当の申請",
    "マイナンバーカードの受取",
    "犬の登録",
    "道路の陥没",
    "街灯の故障",
    "ワクチン接種の予約",
    "保育園の入園",
    "水道料金の支払い",
    "選挙の投票所",
    "図書館の開館時間",
    "市営住宅の申込み",
    "介護保険の認定",
    "印鑑登録",
    "転入届の手続き",
    "ごみ収集日",
    "公園の利用",
]
ASPECTS = ["について", "の期限", "の手数料", "の必要書類", "の窓口", "の方法", "の変更", "の確認"]
WORDS = ["住民票", "粗大ごみ", "納付", "保険", "手当", "陥没", "予約", "保育園", "期限", "窓口"]
BATCH = 10_000
START = datetime(2024, 12, 1, tzinfo=UTC)
SPAN_DAYS = 730


@dataclass
class Fixture:
    centers: list[Center]
    categories: dict[int, list[int]]
    departments: dict[int, list[int]]
    operators: list[int]


def fixture_ensure() -> Fixture:
    """The four reference centers, 20 categories each and 10 operators."""
    centers = [scenario_load(slug=slug) for slug in ("iwaki", "niigata", "oita", "sapporo")]
    categories: dict[int, list[int]] = {}
    for center in centers:
        for order, topic in enumerate(TOPICS):
            Category.objects.get_or_create(center=center, parent=None, name=topic, order=order)
        categories[center.pk] = list(
            Category.objects.filter(center=center).values_list("pk", flat=True)
        )
    departments = {
        c.pk: list(Department.objects.filter(center=c).values_list("pk", flat=True))
        for c in centers
    }
    operators = []
    for n in range(10):
        user, _ = User.objects.get_or_create(username=f"bench-operator-{n}")
        operators.append(user.pk)
    return Fixture(centers, categories, departments, operators)


def _rows(fixture: Fixture, count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)  # noqa: S311  (benchmark data, not security)
    weights = [70, 10, 10, 10]
    kinds = InteractionKind.values
    channels = Channel.values
    outcomes = Outcome.values
    now = datetime.now(UTC)
    for _ in range(count):
        center = rng.choices(fixture.centers, weights)[0]
        started = START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        ended = started + timedelta(seconds=rng.randrange(30, 1800))
        outcome = rng.choices(outcomes, [80, 5, 10, 5, 2])[0]
        departments = fixture.departments[center.pk]
        department = (
            rng.choice(departments)
            if departments and outcome in ("handed_to_department", "escalated")
            else None
        )
        topic = rng.choice(TOPICS)
        yield (
            center.pk,
            rng.choices(channels, [80, 2, 8, 5, 3, 2])[0],
            "+81246221111",
            f"+8190{rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
            rng.choices(kinds, [70, 5, 8, 5, 2, 4, 3, 1, 1, 1])[0],
            False,
            rng.choice(fixture.categories[center.pk]),
            f"{topic}{rng.choice(ASPECTS)}の問合せ",
            f"{topic}の担当窓口と手続きを案内した",
            "[]",
            outcome,
            department,
            rng.choice(fixture.operators),
            started,
            ended,
            ended,
            "ja",
            now,
        )


_COLUMNS = (
    "center_id",
    "channel",
    "dialed_number",
    "caller_number",
    "kind",
    "urgent",
    "category_id",
    "summary",
    "answer",
    "faq_ids",
    "outcome",
    "department_id",
    "operator_id",
    "started_at",
    "ended_at",
    "wrap_up_ended_at",
    "language",
    "created_at",
)


def interactions_insert(fixture: Fixture, count: int, *, seed: int) -> float:
    """Insert ``count`` generated records; returns the seconds it took."""
    began = time.perf_counter()
    rows = _rows(fixture, count, seed)
    if connection.vendor == "postgresql":
        table = Interaction._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {table}")
    else:
        batch: list[Interaction] = []
        for row in rows:
            values = dict(zip(_COLUMNS, row, strict=True))
            values["faq_ids"] = []
            batch.append(Interaction(**values))
            if len(batch) >= BATCH:
                Interaction.objects.bulk_create(batch)
                batch = []
        if batch:
            Interaction.objects.bulk_create(batch)
    return time.perf_counter() - began


class RssSampler:
    """Samples the process's resident memory every 10 ms (Linux /proc) in a thread."""

    def __init__(self) -> None:
        self.peak = self.base = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * 4096
        except OSError:
            return 0

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _mb(value: float) -> float:
    return round(value / 1_000_000, 1)


def measure_export(kind: str, produce: Callable[[], int], *, traced: bool = True) -> dict[str, Any]:
    """Run one export timed alone (rate) while sampling resident memory growth; with
    ``traced`` run it again under tracemalloc (peak Python memory; tracemalloc slows the
    run, so the rate comes from the first run)."""
    with RssSampler() as rss:
        began = time.perf_counter()
        rows = produce()
        seconds = time.perf_counter() - began
    peak = None
    if traced:
        tracemalloc.start()
        produce()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "format": kind,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "peak_traced_mb": _mb(peak) if peak is not None else None,
        "rss_growth_mb": _mb(rss.peak - rss.base),
    }


def export_csv(records: Any) -> int:
    lines = -1  # the header
    for chunk in exports.csv_stream(records):
        lines += chunk.count(b"\r\n")
    return lines


def export_xlsx(records: Any) -> int:
    out = exports.xlsx_file(records)
    try:
        while out.read(1 << 16):
            pass
    finally:
        out.close()
    return records.count()  # type: ignore[no-any-return]


def search_workload(fixture: Fixture, queries: int, *, seed: int) -> dict[str, Any]:
    """p50/p95/max of one history page (count + 50 rows) over random conditions."""
    rng = random.Random(seed)  # noqa: S311
    main = fixture.centers[0]
    all_ids = [c.pk for c in fixture.centers]
    timings: list[float] = []
    for _ in range(queries):
        center = main if rng.random() < 0.8 else rng.choice(fixture.centers)
        days = rng.choice([1, 7, 7, 31, 92])
        since = START + timedelta(days=rng.randrange(SPAN_DAYS - days))
        conditions: dict[str, Any] = {
            "center_ids": all_ids if rng.random() < 0.1 else [center.pk],
            "since": since,
            "until": since + timedelta(days=days),
        }
        for name in rng.sample(
            ["channel", "kind", "outcome", "category", "operator", "department", "text"],
            rng.randrange(0, 4),
        ):
            if name == "channel":
                conditions["channel"] = rng.choice(Channel.values)
            elif name == "kind":
                conditions["kind"] = rng.choice(InteractionKind.values)
            elif name == "outcome":
                conditions["outcome"] = rng.choice(Outcome.values)
            elif name == "category":
                conditions["category"] = Category(pk=rng.choice(fixture.categories[center.pk]))
            elif name == "operator":
                conditions["operator"] = User(pk=rng.choice(fixture.operators))
            elif name == "department" and fixture.departments[center.pk]:
                conditions["department"] = Department(pk=rng.choice(fixture.departments[center.pk]))
            elif name == "text":
                conditions["text"] = rng.choice(WORDS)
        began = time.perf_counter()
        qs = selectors.interaction_search(**conditions)
        qs.count()
        list(qs[:50])
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return {
        "queries": queries,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "max_ms": round(timings[-1], 1),
    }

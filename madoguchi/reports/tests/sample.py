"""A small report made by hand for the renderer, delivery and screen tests, and a
fixture registering it as the builder of a report kind (restored afterwards), so these
tests do not depend on the real builders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from madoguchi.reports import registry
from madoguchi.reports.documents import Chart, Definition, Report, Section, Series, Table
from madoguchi.reports.periods import Period
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

HOURS = [f"{h:02d}" for h in range(8, 20)]


def sample_report(
    *,
    center_name: str = "いわき市総合コールセンター",
    period_label: str = "2026年10月",
    kind: str = "monthly",
    long_rows: int = 5,
    tables: int = 1,
) -> Report:
    offered = [40, 55, 61, 58, 47, 52, 60, 44, 39, 30, 21, 12]
    answered = [38, 50, 55, 50, 45, 50, 57, 42, 38, 29, 20, 12]
    rates: list[float | None] = [a / o for a, o in zip(answered, offered, strict=True)]
    summary = Table(
        title="受電状況",
        columns=["時間帯", "着信数", "応答数", "応答率"],
        rows=[[h, o, a, r] for h, o, a, r in zip(HOURS, offered, answered, rates, strict=True)],
        percent_columns=frozenset({3}),
    )
    records = Table(
        title="応対一覧",
        columns=["受付日時", "分類", "内容"],
        rows=[
            [f"2026-10-{1 + i % 28:02d} 09:{i % 60:02d}", "税", f"=SUM(A1) 住民税の納付方法 {i}"]
            for i in range(long_rows)
        ],
    )
    extra = [
        Table(
            title=f"集計表{n}",
            columns=["区分", "件数", "割合"],
            rows=[["電話", 120 + n, 0.75], ["メール", 40, 0.25]],
            percent_columns=frozenset({2}),
        )
        for n in range(1, tables)
    ]
    return Report(
        kind=kind,
        title=f"月報 {period_label} {center_name}",
        center_name=center_name,
        period_label=period_label,
        generated_at=datetime(2026, 11, 2, 7, 0, tzinfo=TOKYO),
        sections=[
            Section(
                title="受電状況",
                text="10月は税の問い合わせが増えました。",
                tables=[summary],
                charts=[
                    Chart(
                        kind="bar",
                        title="時間帯別の着信数と応答数",
                        categories=HOURS,
                        series=[
                            Series("着信数", list(map(float, offered))),
                            Series("応答数", list(map(float, answered))),
                        ],
                        y_title="件",
                    ),
                    Chart(
                        kind="line",
                        title="応答率の推移",
                        categories=HOURS,
                        series=[Series("応答率", rates)],
                        percent=True,
                    ),
                ],
            ),
            Section(
                title="応対記録[詳細]/一覧:全件*?",
                tables=[records, *extra],
                charts=[
                    Chart(
                        kind="pie",
                        title="分類の内訳",
                        categories=["税", "福祉", "ごみ"],
                        series=[Series("件数", [50.0, 30.0, 20.0])],
                    )
                ],
            ),
        ],
        definitions=[
            Definition("受電応答率", "応答数 ÷ 総着信呼数（受付時間内）"),
            Definition("放棄呼率", "放棄呼数 ÷ 総着信呼数"),
        ],
        records={
            "interactions": [["受付日時", "内容"], ["2026-10-01 09:00", "+81 電話番号の確認"]]
        },
    )


@pytest.fixture(name="sample_builder")
def sample_builder_fixture() -> Iterator[Any]:
    """Registers a builder of the sample report for ``monthly`` (and ``daily``,
    ``personal_data``), restoring whatever was registered before. Yields the list of
    (center, period) calls."""
    calls: list[tuple[Center, Period]] = []

    def build(*, center: Center, period: Period) -> Report:
        calls.append((center, period))
        return sample_report(center_name=center.name, period_label=period.label)

    kinds = ["monthly", "daily", "weekly", "personal_data"]
    saved = {kind: registry._BUILDERS.get(kind) for kind in kinds}
    for kind in kinds:
        registry.register_builder(kind)(build)
    try:
        yield calls
    finally:
        for kind, builder in saved.items():
            if builder is None:
                registry._BUILDERS.pop(kind, None)
            else:
                registry._BUILDERS[kind] = builder


@pytest.fixture(name="no_annual_builder")
def no_annual_builder_fixture() -> Iterator[None]:
    """No builder for ``annual`` during the test (restored afterwards), whatever the real
    builders register: the screens and delivery must say it cannot be made yet."""
    saved = registry._BUILDERS.pop("annual", None)
    try:
        yield
    finally:
        if saved is not None:
            registry._BUILDERS["annual"] = saved

"""月報 (RPT-3) and, in the same format over a longer period, the half-year and annual
reports (RPT-4, with a by-month trend).

Every RPT-3 figure: answer rate per number type, first-contact completion, first-answer
rate, average abandon wait, ASA, average talk, offered, answered per operating hour,
AHT, counts by hour, weekday and day, by category, FAQ use, long calls, transfers,
complaints, bookings, staffing, trends against the previous period and the same period a
year before (when there are calls), observations generated from the figures (labelled as
such), FAQ changes, CSAT, and — monthly only — every contact of the month as CSV rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from madoguchi.interactions.models import Channel, InteractionKind, Outcome
from madoguchi.interactions.selectors import long_calls
from madoguchi.knowledge.selectors import faq_changes
from madoguchi.reports import kpi
from madoguchi.reports.builders import common
from madoguchi.reports.builders import selectors as s
from madoguchi.reports.documents import Cell, Chart, Report, Section, Series, Table
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period, month_period
from madoguchi.reports.registry import register_builder
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

LIST_LIMIT = 100  # rows of the long-call and complaint lists (all contacts are in the records CSV)
FAQ_TOP = 20

RECORD_COLUMNS = [
    "ID",
    "開始",
    "終了",
    "チャネル",
    "着信番号",
    "種別",
    "分類",
    "問合せ内容",
    "回答内容",
    "使用FAQ",
    "結果",
    "所管課",
    "対応者",
]


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def previous_period(period: Period) -> Period:
    """The period just before: the previous month, half year or fiscal year."""
    if period.kind == "month":
        return month_period(period.first - timedelta(days=1))
    length = period.last - period.first
    last = period.first - timedelta(days=1)
    if period.kind in ("half_year", "fiscal_year"):
        months = 6 if period.kind == "half_year" else 12
        first = period.first
        for _ in range(months):
            first = (first - timedelta(days=1)).replace(day=1)
        return Period(period.kind, first, last)
    return Period(period.kind, last - length, last)


def year_before(period: Period) -> Period:
    last = _shift_year(period.last + timedelta(days=1), -1) - timedelta(days=1)
    return Period(period.kind, _shift_year(period.first, -1), last)


def _target(value: Decimal | None) -> float | None:
    return None if value is None else float(value) / 100


TREND_COLUMNS = [
    common.COUNT_COLUMNS[0],
    common.COUNT_COLUMNS[1],
    common.COUNT_COLUMNS[2],
    *common.RATE_COLUMNS,
    *common.TIME_COLUMNS,
    common.OTHER_COLUMNS[0],
    common.OTHER_COLUMNS[3],
]


def trend_table(current: kpi.Kpis, others: Sequence[tuple[str, kpi.Kpis | None]]) -> Table:
    """当期 beside each comparison period and the difference (rates in points)."""
    columns = ["指標", "当期"]
    for name, _ in others:
        columns += [name, f"差（{name}比）"]
    rows: list[list[Cell]] = []
    for c in TREND_COLUMNS:
        value = getattr(current, c.attr)
        row: list[Cell] = [c.label, common.rounded(value, c.kind)]
        for _, other in others:
            before = None if other is None else getattr(other, c.attr)
            row.append(common.rounded(before, c.kind))
            diff = None if value is None or before is None else value - before
            row.append(common.rounded(diff, c.kind))
        rows.append(row)
    return Table(
        title="前期・前年同期との比較（率は比率、差はポイント）", columns=columns, rows=rows
    )


def observations(
    *,
    center: Center,
    figures: kpi.Kpis,
    days: Sequence[tuple[str, kpi.Kpis]],
    hours: Sequence[tuple[str, kpi.Kpis]],
    categories: dict[str, int],
    previous_categories: dict[str, int] | None,
) -> list[str]:
    """Plain observations computed from the figures, for the 提案 section."""
    notes: list[str] = []
    target = _target(center.target_answer_rate)
    if target is not None:
        below = [
            k for k, f in days if f.offered and f.answer_rate is not None and f.answer_rate < target
        ]
        if below:
            notes.append(
                f"受電応答率が目標（{target:.0%}）を下回った日が {len(below)} 日ありました"
                f"（{'、'.join(below[:10])}{'ほか' if len(below) > 10 else ''}）。"
                "該当日の時間帯別の着信と席数を確認し、配置の見直しを提案します。"
            )
        else:
            notes.append(f"受電応答率はすべての受付日で目標（{target:.0%}）以上でした。")
    if center.target_asa_seconds is not None and figures.asa_s is not None:
        if figures.asa_s > center.target_asa_seconds:
            notes.append(
                f"平均応答時間 {figures.asa_s:.1f} 秒が"
                f"目標 {center.target_asa_seconds} 秒を超えました。"
            )
    for attr, label, goal in (
        ("first_contact_completion_rate", "一次応対完了率", center.target_first_contact_completion),
        ("first_answer_rate", "一次回答率", center.target_first_answer_rate),
    ):
        value, wanted = getattr(figures, attr), _target(goal)
        if value is not None and wanted is not None and value < wanted:
            notes.append(
                f"{label} {value:.1%} が目標 {wanted:.0%} を下回りました。FAQの整備を提案します。"
            )
    busy = [(k, f) for k, f in hours if f.offered >= 10 and f.answer_rate is not None]
    if busy:
        worst_key, worst = min(busy, key=lambda kf: (kf[1].answer_rate or 0.0, kf[0]))
        notes.append(
            f"受電応答率が最も低い時間帯は {worst_key}時台"
            f"（{worst.answer_rate:.1%}、着信 {worst.offered} 件）です。"
        )
    if categories:
        top, count = max(categories.items(), key=lambda kv: (kv[1], kv[0]))
        line = f"最も多い問合せ分類は「{top or '未分類'}」（{count} 件）"
        if previous_categories and previous_categories.get(top):
            before = previous_categories[top]
            line += f"、前期 {before} 件から {count - before:+d} 件"
        notes.append(line + "。")
    if figures.long_calls:
        notes.append(f"長時間対応（閾値超え）が {figures.long_calls} 件ありました。")
    return notes


def _records(center: Center, period: Period) -> list[list[Cell]]:
    """Every contact of the period as CSV rows (header first), without the caller's
    number; times in Tokyo, labels in Japanese."""
    rows: list[list[Cell]] = [list(RECORD_COLUMNS)]
    channel = {k: str(v) for k, v in Channel.choices}
    kind = {k: str(v) for k, v in InteractionKind.choices}
    outcome = {k: str(v) for k, v in Outcome.choices}
    line_name = common.LineNames()
    for (
        pk,
        started,
        ended,
        channel_value,
        dialed,
        kind_value,
        category,
        summary,
        answer,
        faq_ids,
        outcome_value,
        department,
        operator,
    ) in s.interaction_rows(center=center, since=period.since, until=period.until):
        rows.append(
            [
                pk,
                f"{started.astimezone(TOKYO):%Y-%m-%d %H:%M:%S}",
                f"{ended.astimezone(TOKYO):%Y-%m-%d %H:%M:%S}",
                channel.get(channel_value, channel_value),
                line_name(dialed) if dialed else "",
                kind.get(kind_value, kind_value),
                category or "",
                summary,
                answer,
                ";".join(str(f) for f in faq_ids or []),
                outcome.get(outcome_value, outcome_value),
                department or "",
                operator or "",
            ]
        )
    return rows


def build_periodic(*, center: Center, period: Period, kind: str, name: str) -> Report:
    calls = common.load_calls(center=center, period=period)
    multi_month = period.kind in ("half_year", "fiscal_year") or period.days > 31
    calls.analyse("hour", "day", "line", *(["month"] if multi_month else []))
    figures = calls.figures
    since, until = period.since, period.until
    sections: list[Section] = []

    # Trends: previous period and the same period a year before, when they have calls.
    comparisons: list[tuple[str, kpi.Kpis | None]] = []
    compared: dict[Period, kpi.Kpis | None] = {}
    for label, other in (("前期", previous_period(period)), ("前年同期", year_before(period))):
        if other not in compared:  # a fiscal year's previous period is the year before
            compared[other] = common.period_figures(center=center, period=other)
        comparisons.append((label, compared[other]))
    previous = previous_period(period)
    previous_categories = s.category_counts(
        center=center, since=previous.since, until=previous.until
    )
    summary = Section(
        title="概況",
        text="前期・前年同期に通話データがない場合は空欄です。",
        tables=[common.figures_table(figures), trend_table(figures, comparisons)],
    )
    sections.append(summary)

    # Answer rate per number type and per number.
    kinds = s.number_kinds(center)
    own = calls.grouped(
        {
            "kind": lambda r: kinds.get(r.line, ("その他", ""))[0],
            "weekday": lambda r: str(r.arrived_at.astimezone(TOKYO).weekday()),
        }
    )
    by_kind = own["kind"]
    by_line = calls.named("line")
    sections.append(
        Section(
            title="番号別",
            tables=[
                common.kpi_table("番号種別ごとの受電応答率", "番号種別", by_kind),
                common.kpi_table("着信番号別", "着信番号", by_line),
            ],
            charts=[common.rate_chart("番号種別ごとの受電応答率", by_kind)],
        )
    )

    hours = calls.named("hour")
    hour_rows = [(f"{k}時", v) for k, v in hours]
    sections.append(
        Section(
            title="時間帯別",
            tables=[common.kpi_table("時間帯別の件数", "時間帯", hour_rows)],
            charts=[
                common.volume_chart("時間帯別の着信・応答・放棄", hour_rows),
                common.rate_chart("時間帯別の受電応答率", hour_rows),
            ],
        )
    )

    weekday = own["weekday"]
    weekday_rows = [(common.WEEKDAYS[int(k)] + "曜日", v) for k, v in weekday]
    days = calls.by_day()
    sections.append(
        Section(
            title="曜日別・日別",
            tables=[
                common.kpi_table("曜日別の件数", "曜日", weekday_rows),
                common.kpi_table("日別の件数", "日", days),
            ],
            charts=[common.volume_chart("日別の着信・応答・放棄", days)],
        )
    )

    if multi_month:
        months = calls.named("month")
        sections.append(
            Section(
                title="月別推移",
                tables=[common.kpi_table("月別の推移", "月", months, common.ALL_COLUMNS)],
                charts=[
                    common.volume_chart("月別の着信・応答・放棄", months),
                    common.rate_chart("月別の受電応答率", months),
                ],
            )
        )

    categories = s.category_counts(center=center, since=since, until=until)
    call_categories = Counter(r.category for r in calls.records if r.outcome == "answered")
    sections.append(
        Section(
            title="分類別",
            tables=[
                common.count_table("分類別の応対件数（全チャネル）", "分類", categories),
                common.count_table("分類別の応答件数（電話）", "分類", call_categories),
            ],
            charts=[common.count_chart("分類別の応対件数（上位10）", categories)],
        )
    )

    uses = calls.faq_use()
    top = sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))[:FAQ_TOP]
    titles = s.faq_titles(center=center, codes=[code for code, _ in top])
    sections.append(
        Section(
            title="FAQ利用",
            text=f"利用されたFAQ {len(uses)} 件、延べ {sum(uses.values())} 回"
            f"（上位{FAQ_TOP}件を表示）",
            tables=[
                Table(
                    title="FAQ利用の上位",
                    columns=["順位", "FAQ-ID", "質問", "利用件数"],
                    rows=[
                        [n, code, titles.get(code, ""), count]
                        for n, (code, count) in enumerate(top, 1)
                    ],
                )
            ],
            charts=[
                Chart(
                    kind="bar",
                    title="FAQ利用の上位10件",
                    categories=[code for code, _ in top[:10]],
                    series=[Series("利用件数", [float(c) for _, c in top[:10]])],
                    y_title="件数",
                )
            ],
        )
    )

    long_list = list(
        long_calls(center=center, since=since, until=until, threshold_s=calls.options.long_call_s)[
            :LIST_LIMIT
        ]
    )
    sections.append(
        Section(
            title="長時間対応",
            text=f"通話時間が {calls.options.long_call_s} 秒を超えた応答: {figures.long_calls} 件",
            tables=[
                Table(
                    title=f"長時間対応の一覧（長い順、最大{LIST_LIMIT}件）",
                    columns=["開始", "分類", "問合せ内容", "通話時間（分）"],
                    rows=[
                        [
                            common.tokyo(i.started_at),
                            i.category.name if i.category else "",
                            i.summary,
                            round(i.talk_seconds / 60, 1),
                        ]
                        for i in long_list
                    ],
                )
            ],
        )
    )

    transferred = Counter(r.transferred_to for r in calls.records if r.transferred_to)
    interaction_figures = kpi.interaction_figures(center=center, since=since, until=until)
    sections.append(
        Section(
            title="転送・取次ぎ",
            text=f"転送・取次ぎ {figures.transfers} 件"
            f"（うち電話交換 {figures.switchboard_transfers} 件）",
            tables=[common.count_table("転送先別", "転送先", transferred)],
        )
    )

    complaints = list(s.complaints_in(center=center, since=since, until=until)[:LIST_LIMIT])
    complaint_total = s.complaints_in(center=center, since=since, until=until).count()
    sections.append(
        Section(
            title="苦情",
            text=f"苦情 {complaint_total} 件",
            tables=[
                Table(
                    title=f"苦情の一覧（最大{LIST_LIMIT}件）",
                    columns=["日時", "分類", "内容", "対応"],
                    rows=[
                        [
                            common.tokyo(i.started_at),
                            i.category.name if i.category else "",
                            i.summary,
                            i.answer,
                        ]
                        for i in complaints
                    ],
                )
            ],
        )
    )

    sections.append(
        Section(
            title="応対・予約・文書問合せ",
            tables=[
                common.mapping_table("応対の内訳", interaction_figures),
                common.mapping_table(
                    "予約", kpi.booking_figures(center=center, since=since, until=until)
                ),
                common.mapping_table(
                    "メール・FAX・Webフォーム",
                    kpi.inbox_figures(center=center, since=since, until=until),
                ),
            ],
        )
    )

    staffed = s.agents_logged_in_per_day(center=center, first=period.first, last=period.last)
    staff_days = common.days_of(period)
    sections.append(
        Section(
            title="体制",
            text="ログイン人数 = その日に一度でもログインしたオペレーター席の数",
            tables=[
                Table(
                    title="日別のログイン人数",
                    columns=["日", "ログイン人数", "応答数"],
                    rows=[
                        [common.day_label(d), staffed.get(d, 0), f.answered]
                        for d, (_, f) in zip(staff_days, days, strict=True)
                    ],
                )
            ],
            charts=[
                Chart(
                    kind="line",
                    title="日別のログイン人数",
                    categories=[common.day_label(d) for d in staff_days],
                    series=[Series("ログイン人数", [float(staffed.get(d, 0)) for d in staff_days])],
                    y_title="人数",
                )
            ],
        )
    )

    satisfaction = kpi.csat(center=center, since=since, until=until)
    sections.append(
        Section(title="満足度", tables=[common.mapping_table("満足度調査（5段階）", satisfaction)])
    )

    changes = faq_changes(center=center, since=since, until=until)
    sections.append(
        Section(
            title="FAQの追加・変更",
            text=f"追加 {sum(c.kind == 'added' for c in changes)} 件、"
            f"変更 {sum(c.kind == 'changed' for c in changes)} 件",
            tables=[
                Table(
                    title="FAQの追加・変更",
                    columns=["日時", "FAQ-ID", "版", "区分", "変更内容"],
                    rows=[
                        [
                            common.tokyo(c.at),
                            c.faq.code,
                            c.number,
                            "追加" if c.kind == "added" else "変更",
                            c.comment,
                        ]
                        for c in changes
                    ],
                )
            ],
        )
    )

    notes = observations(
        center=center,
        figures=figures,
        days=days,
        hours=hours,
        categories=categories,
        previous_categories=previous_categories,
    )
    sections.append(
        Section(
            title="傾向と提案（自動生成）",
            text="以下は集計値から自動生成した所見です（担当者による提案ではありません）。\n"
            + "\n".join(f"・{n}" for n in notes),
        )
    )

    records: dict[str, list[list[Cell]]] = {}
    if period.kind == "month":
        records["応対記録"] = _records(center, period)
    return Report(
        kind=kind,
        title=common.report_title(name, period, center),
        center_name=center.name,
        period_label=period.label,
        generated_at=common.generated_at(),
        sections=sections,
        definitions=list(kpi.DEFINITIONS),
        records=records,
    )


@register_builder(ReportKind.MONTHLY)
@common.in_japanese
def build_monthly(*, center: Center, period: Period) -> Report:
    return build_periodic(center=center, period=period, kind=ReportKind.MONTHLY, name="月報")


@register_builder(ReportKind.HALF_YEAR)
@common.in_japanese
def build_half_year(*, center: Center, period: Period) -> Report:
    return build_periodic(center=center, period=period, kind=ReportKind.HALF_YEAR, name="半期報告")


@register_builder(ReportKind.ANNUAL)
@common.in_japanese
def build_annual(*, center: Center, period: Period) -> Report:
    return build_periodic(center=center, period=period, kind=ReportKind.ANNUAL, name="年報")

"""個人情報取扱状況報告 (RPT-7): from the audit log, who viewed, exported, changed and
deleted data in the center during the period — counts by user and kind, by action, the
exports and deletions one by one, and the deletions made by the retention jobs.

Log-ins are not listed (they are in the audit search). An event without an acting user
was written by a scheduled job; a deletion by a job is a retention-period deletion.
"""

from __future__ import annotations

from collections import Counter

from madoguchi.audit import registry
from madoguchi.audit.models import AuditEvent
from madoguchi.audit.registry import ActionKind
from madoguchi.reports.builders import common
from madoguchi.reports.builders import selectors as s
from madoguchi.reports.documents import Cell, Chart, Definition, Report, Section, Series, Table
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period
from madoguchi.reports.registry import register_builder
from madoguchi.tenancy.models import Center

KINDS = [ActionKind.ACCESS, ActionKind.EXPORT, ActionKind.CHANGE, ActionKind.DELETION]
SYSTEM = "（自動処理）"
DETAIL_LIMIT = 500
# What each count means (printed under the report like the KPI definitions).
DEFINITIONS = [
    Definition(
        "閲覧",
        "個人情報を含む記録（録音、予約、照会など）を職員が画面で見た操作（監査ログの閲覧区分）",
    ),
    Definition(
        "出力", "個人情報を含むファイル（応対履歴、名簿など）を出力した操作（監査ログの出力区分）"
    ),
    Definition("変更", "センターのデータを変更した操作（監査ログの変更区分）"),
    Definition(
        "削除",
        "データを削除した操作。操作者のない削除は保存期間満了による自動削除"
        "（センターの保存期間設定に基づく）。",
    ),
]


def _who(event: AuditEvent) -> str:
    """The acting user's name; jobs (no user) are shown as 自動処理."""
    if event.actor_id is None and event.actor_label in ("", "system"):
        return SYSTEM
    if event.actor_label == "anonymous":
        return "（未ログイン）"
    return event.actor_label


def _action_label(code: str) -> str:
    try:
        return str(registry.get(code).label)
    except Exception:  # noqa: BLE001  (a code of a removed feature still shows as itself)
        return code


@register_builder(ReportKind.PERSONAL_DATA)
@common.in_japanese
def build_personal_data(*, center: Center, period: Period) -> Report:
    events = list(s.audit_events(center=center, since=period.since, until=period.until))
    by_user: dict[str, Counter[str]] = {}
    by_action: Counter[tuple[str, str]] = Counter()
    for e in events:
        who = _who(e)
        by_user.setdefault(who, Counter())[e.kind] += 1
        by_action[(e.action, e.kind)] += 1

    kind_labels = [str(ActionKind(k).label) for k in KINDS]
    user_rows: list[list[Cell]] = []
    for who in sorted(by_user):
        counts = by_user[who]
        user_rows.append([who, *[counts.get(k, 0) for k in KINDS], sum(counts.values())])
    totals = [sum(by_user[w].get(k, 0) for w in by_user) for k in KINDS]
    user_rows.append(["合計", *totals, sum(totals)])

    action_rows: list[list[Cell]] = [
        [_action_label(code), str(ActionKind(kind).label), code, n]
        for (code, kind), n in sorted(by_action.items(), key=lambda kv: (-kv[1], kv[0]))
    ]

    def detail(kind: str) -> list[list[Cell]]:
        rows: list[list[Cell]] = [
            [
                common.tokyo(e.occurred_at),
                _who(e),
                _action_label(e.action),
                e.object_repr or f"{e.object_type} {e.object_id}".strip(),
            ]
            for e in events
            if e.kind == kind
        ]
        return rows[:DETAIL_LIMIT]

    deletions = [e for e in events if e.kind == ActionKind.DELETION]
    retention = [e for e in deletions if e.actor_id is None]
    retention_by_action = Counter(_action_label(e.action) for e in retention)
    detail_columns = ["日時", "操作者", "操作", "対象"]

    sections = [
        Section(
            title="概況",
            text=(
                f"閲覧 {totals[0]} 件、出力 {totals[1]} 件、"
                f"変更 {totals[2]} 件、削除 {totals[3]} 件"
                f"（うち保存期間満了による自動削除 {len(retention)} 件）。"
                "操作者が空欄の記録は自動処理（保存期間満了の削除など）です。"
            ),
            tables=[
                Table(
                    title="操作者別・区分別の件数",
                    columns=["操作者", *kind_labels, "合計"],
                    rows=user_rows,
                ),
                Table(
                    title="操作別の件数",
                    columns=["操作", "区分", "コード", "件数"],
                    rows=action_rows,
                ),
            ],
            charts=[
                Chart(
                    kind="bar",
                    title="区分別の件数",
                    categories=kind_labels,
                    series=[Series("件数", [float(t) for t in totals])],
                    y_title="件数",
                )
            ],
        ),
        Section(
            title="出力",
            text=f"{totals[1]} 件（最大{DETAIL_LIMIT}件を表示）",
            tables=[
                Table(
                    title="個人情報を含む出力",
                    columns=detail_columns,
                    rows=detail(ActionKind.EXPORT),
                )
            ],
        ),
        Section(
            title="削除",
            text=f"{totals[3]} 件（保存期間満了による自動削除 {len(retention)} 件）",
            tables=[
                Table(
                    title="保存期間満了による自動削除",
                    columns=["操作", "件数"],
                    rows=[[a, n] for a, n in sorted(retention_by_action.items())],
                ),
                Table(title="削除の一覧", columns=detail_columns, rows=detail(ActionKind.DELETION)),
            ],
        ),
        Section(
            title="閲覧",
            text=f"{totals[0]} 件（最大{DETAIL_LIMIT}件を表示）",
            tables=[
                Table(
                    title="個人情報の閲覧", columns=detail_columns, rows=detail(ActionKind.ACCESS)
                )
            ],
        ),
    ]
    return Report(
        kind=ReportKind.PERSONAL_DATA,
        title=common.report_title("個人情報取扱状況報告", period, center),
        center_name=center.name,
        period_label=period.label,
        generated_at=common.generated_at(),
        sections=sections,
        definitions=list(DEFINITIONS),
    )

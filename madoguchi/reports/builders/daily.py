"""日報 (RPT-1): the day's calls, escalations and their city confirmation, every contact
of the day with its content and answer, complaints, and the calls by hour."""

from __future__ import annotations

from django.db.models import TextChoices

from madoguchi.interactions.models import (
    Channel,
    Escalation,
    EscalationStatus,
    InteractionKind,
    Outcome,
)
from madoguchi.reports.builders import common
from madoguchi.reports.builders import selectors as s
from madoguchi.reports.documents import Cell, Report, Section, Table
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period
from madoguchi.reports.registry import register_builder
from madoguchi.tenancy.models import Center

USED = ("受付時間内", "総着信呼数", "応答数", "放棄呼", "受電応答率", "時間帯別")

SUMMARY_COLUMNS = [
    common.COUNT_COLUMNS[0],  # offered
    common.COUNT_COLUMNS[1],  # answered
    common.RATE_COLUMNS[0],  # answer rate
    common.COUNT_COLUMNS[2],  # abandoned
    common.COUNT_COLUMNS[5],  # after hours
]


def _label(choices: type[TextChoices], value: str) -> str:
    """The Japanese label of a stored choice (the value itself if it is no longer one)."""
    return str(dict(choices.choices).get(value, value))


def _escalation_row(e: Escalation) -> list[Cell]:
    return [
        common.tokyo(e.created_at),
        e.department.name,
        e.request,
        f"{e.due_on:%Y-%m-%d}",
        _label(EscalationStatus, e.status),
        common.tokyo(e.reported_at),
        "確認済み" if e.status == EscalationStatus.CONFIRMED else "未確認",
        common.tokyo(e.confirmed_at),
    ]


@register_builder(ReportKind.DAILY)
@common.in_japanese
def build_daily(*, center: Center, period: Period) -> Report:
    calls = common.load_calls(center=center, period=period)
    figures = calls.figures
    summary = Section(
        title="概況",
        tables=[
            Table(
                title="着信の概況",
                columns=["指標", "値", "率"],
                rows=[
                    [c.label, None, common.rounded(getattr(figures, c.attr), c.kind)]
                    if c.kind == "rate"
                    else [c.label, common.rounded(getattr(figures, c.attr), c.kind), None]
                    for c in SUMMARY_COLUMNS
                ],
                percent_columns=frozenset({2}),
            )
        ],
    )

    hours = calls.named("hour")
    by_hour = Section(
        title="時間帯別",
        tables=[common.kpi_table("時間帯別の着信", "時間帯", [(f"{k}時", v) for k, v in hours])],
        charts=[common.volume_chart("時間帯別の着信", [(f"{k}時", v) for k, v in hours])],
    )

    escalations = list(s.escalations_created(center=center, since=period.since, until=period.until))
    waiting = list(s.escalations_unconfirmed_before(center=center, before=period.since))

    escalation_columns = [
        "依頼日時",
        "担当課",
        "依頼内容",
        "回答期限",
        "状態",
        "完了報告",
        "市の確認",
        "確認日時",
    ]
    escalation_section = Section(
        title="二次対応",
        text=f"本日の依頼 {len(escalations)} 件、前日以前の未確認 {len(waiting)} 件",
        tables=[
            Table(
                title="本日の二次対応",
                columns=escalation_columns,
                rows=[_escalation_row(e) for e in escalations],
            ),
            Table(
                title="市の確認待ち（前日以前）",
                columns=escalation_columns,
                rows=[_escalation_row(e) for e in waiting],
            ),
        ],
    )

    contacts = list(s.interactions_in(center=center, since=period.since, until=period.until))
    contact_rows: list[list[Cell]] = [
        [
            common.tokyo(i.started_at, "%H:%M"),
            _label(Channel, i.channel),
            i.category.name if i.category else "",
            i.summary,
            i.answer,
            _label(Outcome, i.outcome),
        ]
        for i in contacts
    ]
    contact_section = Section(
        title="応対一覧",
        text=f"{len(contacts)} 件",
        tables=[
            Table(
                title="応対一覧",
                columns=["時刻", "チャネル", "分類", "問合せ内容", "回答内容", "結果"],
                rows=contact_rows,
            )
        ],
    )

    complaints = [i for i in contacts if i.kind == InteractionKind.COMPLAINT]
    complaint_section = Section(
        title="苦情",
        text=f"{len(complaints)} 件",
        tables=[
            Table(
                title="苦情一覧",
                columns=["時刻", "チャネル", "分類", "内容", "対応", "所管課"],
                rows=[
                    [
                        common.tokyo(i.started_at, "%H:%M"),
                        _label(Channel, i.channel),
                        i.category.name if i.category else "",
                        i.summary,
                        i.answer,
                        i.department.name if i.department else "",
                    ]
                    for i in complaints
                ],
            )
        ],
    )
    return Report(
        kind=ReportKind.DAILY,
        title=common.report_title("日報", period, center),
        center_name=center.name,
        period_label=period.label,
        generated_at=common.generated_at(),
        sections=[summary, by_hour, escalation_section, contact_section, complaint_section],
        definitions=common.definitions(*USED),
    )

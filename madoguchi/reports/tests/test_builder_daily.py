from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from madoguchi.calls.models import Disposition as D
from madoguchi.interactions.models import (
    Channel,
    Escalation,
    EscalationStatus,
    InteractionKind,
    Outcome,
)
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import day_period
from madoguchi.reports.registry import builder_for
from madoguchi.reports.tests.factories import calls, tokyo
from madoguchi.reports.tests.helpers import chart, rows_by_key, section, table

DAY = date(2026, 10, 6)  # a Tuesday: いわき is open 08:30–19:00


@pytest.fixture
def day_data(iwaki):
    calls(
        iwaki,
        [
            (tokyo(2026, 10, 6, 8, 29, 59), D.AFTER_HOURS),  # a second before opening
            (tokyo(2026, 10, 6, 9, 10), D.ANSWERED),
            (tokyo(2026, 10, 6, 9, 40), D.ANSWERED),
            (tokyo(2026, 10, 6, 10, 5), D.ABANDONED),
            (tokyo(2026, 10, 6, 10, 20), D.BLOCKED),
            (tokyo(2026, 10, 6, 18, 59, 59), D.ANSWERED),  # in hours: arrival decides
            (tokyo(2026, 10, 6, 20, 0), D.AFTER_HOURS),
            (tokyo(2026, 10, 7, 9, 0), D.ANSWERED),  # the next day: not in this report
        ],
    )
    category = CategoryFactory(center=iwaki, name="ごみ・リサイクル")
    department = iwaki.departments.get(name="ごみ減量推進課")
    first = InteractionFactory.create(
        center=iwaki,
        category=category,
        summary="粗大ごみの出し方",
        answer="申込み方法を案内した",
        started_at=tokyo(2026, 10, 6, 9, 10, 5),
        ended_at=tokyo(2026, 10, 6, 9, 12),
        caller_number="+819012345678",
    )
    complaint = InteractionFactory.create(
        center=iwaki,
        category=category,
        kind=InteractionKind.COMPLAINT,
        channel=Channel.EMAIL,
        outcome=Outcome.ESCALATED,
        department=department,
        summary="収集車の運転が荒い",
        answer="所管課へ連絡した",
        started_at=tokyo(2026, 10, 6, 9, 40, 5),
        ended_at=tokyo(2026, 10, 6, 9, 45),
    )
    InteractionFactory(
        center=iwaki, started_at=tokyo(2026, 10, 7, 9, 0), ended_at=tokyo(2026, 10, 7, 9, 5)
    )
    Escalation.objects.create(
        interaction=complaint,
        center=iwaki,
        department=department,
        status=EscalationStatus.CONFIRMED,
        request="運転手への指導",
        due_on=DAY + timedelta(days=3),
        created_at=tokyo(2026, 10, 6, 9, 46),
        reported_at=tokyo(2026, 10, 6, 15, 0),
        confirmed_at=tokyo(2026, 10, 6, 17, 0),
    )
    Escalation.objects.create(
        interaction=first,
        center=iwaki,
        department=department,
        status=EscalationStatus.REPORTED,
        request="以前の依頼",
        due_on=DAY,
        created_at=tokyo(2026, 10, 2, 11, 0),
        reported_at=tokyo(2026, 10, 5, 10, 0),
    )
    return iwaki


def test_daily_report_counts_the_day_by_kpi_md(day_data):
    report = builder_for(ReportKind.DAILY)(center=day_data, period=day_period(DAY))

    summary = rows_by_key(table(report, "概況", "着信の概況"))
    assert summary["総着信呼数"]["値"] == 5  # 3 answered + 1 abandoned + 1 blocked
    assert summary["応答数"]["値"] == 3
    assert summary["受電応答率"]["率"] == pytest.approx(0.6)
    assert summary["放棄呼数"]["値"] == 1
    assert summary["時間外着信"]["値"] == 2
    assert report.title == "日報 2026-10-06 いわき市総合コールセンター"
    assert [d.name for d in report.definitions] == [
        "受付時間内",
        "総着信呼数",
        "応答数",
        "放棄呼",
        "受電応答率",
        "時間帯別",
    ]


def test_daily_report_has_the_calls_by_hour_as_table_and_chart(day_data):
    report = builder_for(ReportKind.DAILY)(center=day_data, period=day_period(DAY))

    hours = rows_by_key(table(report, "時間帯別", "時間帯別の着信"))
    assert hours["09時"]["総着信呼数"] == 2
    assert hours["09時"]["応答数"] == 2
    assert hours["10時"]["総着信呼数"] == 2
    assert hours["10時"]["受電応答率"] == 0.0
    assert hours["18時"]["応答数"] == 1
    assert hours["20時"]["総着信呼数"] == 0  # after hours: never offered
    bars = chart(report, "時間帯別", "時間帯別の着信")
    offered = dict(zip(bars.categories, bars.series[0].values, strict=True))
    assert offered["09時"] == 2.0 and offered["10時"] == 2.0


def test_daily_report_lists_contacts_complaints_and_escalations(day_data):
    report = builder_for(ReportKind.DAILY)(center=day_data, period=day_period(DAY))

    contacts = table(report, "応対一覧", "応対一覧")
    assert contacts.rows == [
        [
            "09:10",
            "電話",
            "ごみ・リサイクル",
            "粗大ごみの出し方",
            "申込み方法を案内した",
            "センターで完了",
        ],
        [
            "09:40",
            "メール",
            "ごみ・リサイクル",
            "収集車の運転が荒い",
            "所管課へ連絡した",
            "エスカレーション・未解決",
        ],
    ]
    # The caller's number never reaches a report.
    assert all("+819012345678" not in str(cell) for row in contacts.rows for cell in row)

    complaints = table(report, "苦情", "苦情一覧")
    assert complaints.rows == [
        [
            "09:40",
            "メール",
            "ごみ・リサイクル",
            "収集車の運転が荒い",
            "所管課へ連絡した",
            "ごみ減量推進課",
        ]
    ]
    assert section(report, "苦情").text == "1 件"

    today = table(report, "二次対応", "本日の二次対応")
    assert today.rows == [
        [
            "2026-10-06 09:46",
            "ごみ減量推進課",
            "運転手への指導",
            "2026-10-09",
            "確認済み",
            "2026-10-06 15:00",
            "確認済み",
            "2026-10-06 17:00",
        ]
    ]
    waiting = table(report, "二次対応", "市の確認待ち（前日以前）")
    assert [(r[2], r[4], r[6]) for r in waiting.rows] == [
        ("以前の依頼", "所管課完了報告済み", "未確認")
    ]


def test_reports_are_japanese_whatever_language_is_active(day_data):
    with translation.override("en"):
        report = builder_for(ReportKind.DAILY)(center=day_data, period=day_period(DAY))

    assert [row[1] for row in table(report, "応対一覧", "応対一覧").rows] == ["電話", "メール"]

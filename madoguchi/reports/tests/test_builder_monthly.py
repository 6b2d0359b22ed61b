from __future__ import annotations

from datetime import date

import pytest

from madoguchi.calls.models import Disposition as D
from madoguchi.interactions.models import InteractionKind
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.knowledge.tests.factories import FaqFactory, FaqTextFactory
from madoguchi.reports import kpi
from madoguchi.reports.builders import common, monthly
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period, fiscal_year_period, month_period
from madoguchi.reports.registry import builder_for
from madoguchi.reports.tests.factories import MAIN_LINE, agent_login, call, calls, tokyo
from madoguchi.reports.tests.helpers import chart, rows_by_key, section, table
from madoguchi.tenancy.models import InboundNumber, NumberKind

OCTOBER = month_period(date(2026, 10, 1))
INQUIRY_LINE = "+81246220000"


@pytest.fixture
def month_data(iwaki):
    InboundNumber.objects.create(
        center=iwaki, e164=INQUIRY_LINE, display="0246-22-0000", kind=NumberKind.INQUIRY
    )
    calls(
        iwaki,
        [
            (tokyo(2026, 10, 6, 9, 0), D.ANSWERED),
            (tokyo(2026, 10, 6, 9, 10), D.ANSWERED),
            (tokyo(2026, 10, 6, 9, 20), D.ABANDONED),
            (tokyo(2026, 10, 7, 10, 0), D.ANSWERED),
        ],
        wait=10,
        talk=100,
        wrap=20,
        category="税金",
    )
    # The inquiry line: one answered (a 1,201 s long call), one abandoned after 30 s.
    call(iwaki, tokyo(2026, 10, 6, 14, 0), line=INQUIRY_LINE, wait=4, talk=1201, wrap=20)
    call(iwaki, tokyo(2026, 10, 6, 14, 5), D.ABANDONED, line=INQUIRY_LINE, wait=30)
    # A switchboard transfer, and a call handed over to a department.
    call(iwaki, tokyo(2026, 10, 8, 9, 0), switchboard=True, transferred_to="市民課", wait=2)
    call(iwaki, tokyo(2026, 10, 8, 9, 5), resolved=False, wait=2, faq_ids=["FAQ-9"])
    call(iwaki, tokyo(2026, 10, 8, 9, 6), wait=2, faq_ids=["FAQ-1", "FAQ-9"])
    # September (the previous month): 2 offered, 1 answered.
    calls(iwaki, [(tokyo(2026, 9, 30, 9, 0), D.ANSWERED), (tokyo(2026, 9, 30, 9, 5), D.ABANDONED)])
    faq = FaqFactory.create(center=iwaki, code="FAQ-1")
    FaqTextFactory.create(faq=faq, question="住民票の写しはどこで取れますか")
    tax = CategoryFactory.create(center=iwaki, name="税金")
    InteractionFactory.create(
        center=iwaki,
        category=tax,
        summary="納付期限の確認",
        answer="10月31日と案内",
        caller_number="+819011112222",
        started_at=tokyo(2026, 10, 6, 9, 0, 10),
        ended_at=tokyo(2026, 10, 6, 9, 2),
    )
    InteractionFactory.create(
        center=iwaki,
        category=tax,
        kind=InteractionKind.COMPLAINT,
        summary="窓口の待ち時間が長い",
        answer="お詫びし所管課へ伝達",
        started_at=tokyo(2026, 10, 7, 10, 0, 10),
        ended_at=tokyo(2026, 10, 7, 10, 5),
    )
    agent_login(iwaki, "席01", tokyo(2026, 10, 6, 8, 30), tokyo(2026, 10, 6, 19, 0))
    agent_login(iwaki, "席02", tokyo(2026, 10, 6, 8, 30), tokyo(2026, 10, 6, 12, 0))
    agent_login(iwaki, "席01", tokyo(2026, 10, 7, 8, 30), tokyo(2026, 10, 7, 19, 0))
    return iwaki


def test_monthly_summary_matches_the_kpi_engine(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    summary = rows_by_key(table(report, "概況", "主要指標"))
    assert summary["総着信呼数"]["値"] == 9
    assert summary["応答数"]["値"] == 7
    assert summary["受電応答率"]["率"] == pytest.approx(7 / 9, abs=1e-4)
    # ASA: waits 10, 10, 10, 4, 2, 2, 2 → 40 / 7
    assert summary["平均応答時間（秒）"]["値"] == pytest.approx(40 / 7, abs=0.05)
    assert summary["平均放棄呼時間（秒）"]["値"] == pytest.approx(20.0)  # (10 + 30) / 2
    assert summary["長時間対応"]["値"] == 1
    # First contact: 6 of 7 completed; first answer: 5 of the 6 non-switchboard calls.
    assert summary["一次応対完了率"]["率"] == pytest.approx(6 / 7, abs=1e-4)
    assert summary["一次回答率"]["率"] == pytest.approx(5 / 6, abs=1e-4)
    assert summary["電話交換"]["値"] == 1
    hours = kpi.operating_hours(center=month_data, first=OCTOBER.first, last=OCTOBER.last)
    assert summary["受付1時間あたり応答数"]["値"] == pytest.approx(round(7 / hours, 1))
    assert [d.name for d in report.definitions] == [d.name for d in kpi.DEFINITIONS]


def test_answer_rate_per_number_type(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    kinds = rows_by_key(table(report, "番号別", "番号種別ごとの受電応答率"))
    assert kinds["代表電話"]["総着信呼数"] == 7
    assert kinds["代表電話"]["受電応答率"] == pytest.approx(6 / 7, abs=1e-4)
    assert kinds["問合せ専用"]["総着信呼数"] == 2
    assert kinds["問合せ専用"]["受電応答率"] == 0.5
    lines = rows_by_key(table(report, "番号別", "着信番号別"))
    assert set(lines) == {"0246-22-1111", "0246-22-0000"}


def test_counts_by_hour_weekday_and_day(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    hours = rows_by_key(table(report, "時間帯別", "時間帯別の件数"))
    assert hours["09時"]["総着信呼数"] == 6 and hours["14時"]["総着信呼数"] == 2
    weekdays = rows_by_key(table(report, "曜日別・日別", "曜日別の件数"))
    assert weekdays["火曜日"]["総着信呼数"] == 5  # 6 October
    assert weekdays["木曜日"]["応答数"] == 3  # 8 October
    days = table(report, "曜日別・日別", "日別の件数")
    assert len(days.rows) == 31
    assert rows_by_key(days)["2026-10-06（火）"]["応答数"] == 3
    assert "月別推移" not in [s.title for s in report.sections]


def test_trends_compare_with_the_previous_month_and_leave_last_year_empty(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    trend = rows_by_key(table(report, "概況", "前期・前年同期との比較（率は比率、差はポイント）"))
    rate = trend["受電応答率"]
    assert rate["前期"] == 0.5
    assert rate["差（前期比）"] == pytest.approx(7 / 9 - 0.5, abs=1e-4)
    assert rate["前年同期"] is None and rate["差（前年同期比）"] is None
    assert trend["総着信呼数"]["前期"] == 2


def test_faq_use_with_titles_categories_transfers_and_complaints(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    faqs = table(report, "FAQ利用", "FAQ利用の上位")
    assert faqs.rows == [[1, "FAQ-9", "", 2], [2, "FAQ-1", "住民票の写しはどこで取れますか", 1]]
    loaded = common.load_calls(center=month_data, period=OCTOBER)
    assert loaded.faq_use() == kpi.faq_use(
        center=month_data, since=OCTOBER.since, until=OCTOBER.until
    )
    by_category = table(report, "分類別", "分類別の応答件数（電話）")
    assert by_category.rows == [
        ["（未分類）", 4, pytest.approx(4 / 7, abs=1e-4)],
        ["税金", 3, pytest.approx(3 / 7, abs=1e-4)],
    ]
    transfers = table(report, "転送・取次ぎ", "転送先別")
    assert transfers.rows == [["市民課", 1, 1.0]]
    assert section(report, "苦情").text == "苦情 1 件"
    assert table(report, "苦情", "苦情の一覧（最大100件）").rows[0][2] == "窓口の待ち時間が長い"


def test_staffing_counts_agents_logged_in_per_day(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    staffing = rows_by_key(table(report, "体制", "日別のログイン人数"))
    assert staffing["2026-10-06（火）"]["ログイン人数"] == 2
    assert staffing["2026-10-07（水）"]["ログイン人数"] == 1
    assert staffing["2026-10-08（木）"]["ログイン人数"] == 0


def test_proposals_are_labelled_and_count_days_below_target(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    text = section(report, "傾向と提案（自動生成）").text
    assert text.startswith("以下は集計値から自動生成した所見です")
    # 6 Oct: 3 of 5 answered (60 %), below いわき's 90 % target; 7 and 8 Oct: all answered.
    assert "目標（90%）を下回った日が 1 日" in text
    assert "2026-10-06（火）" in text
    assert "長時間対応（閾値超え）が 1 件" in text


def test_records_are_every_contact_without_the_callers_number(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    records = report.records["応対記録"]
    assert records[0] == monthly.RECORD_COLUMNS
    assert len(records) == 3
    assert records[1][1] == "2026-10-06 09:00:10"
    assert records[1][6:9] == ["税金", "納付期限の確認", "10月31日と案内"]
    assert records[1][4] == "0246-22-1111"
    assert all("+819011112222" not in str(cell) for row in records for cell in row)


def test_annual_report_is_the_monthly_format_with_a_trend_by_month(month_data):
    year = fiscal_year_period(date(2026, 10, 1))
    report = builder_for(ReportKind.ANNUAL)(center=month_data, period=year)

    assert report.title == "年報 2026年度 いわき市総合コールセンター"
    months = rows_by_key(table(report, "月別推移", "月別の推移"))
    assert months["2026-09"]["総着信呼数"] == 2
    assert months["2026-10"]["総着信呼数"] == 9
    assert months["2026-10"]["応答数"] == 7
    bars = chart(report, "月別推移", "月別の着信・応答・放棄")
    assert bars.categories == ["2026-09", "2026-10"]
    assert table(report, "概況", "主要指標").rows[0] == ["総着信呼数", 11, None]
    assert report.records == {}  # the contact list is a monthly attachment


def test_half_year_and_previous_periods():
    half = Period("half_year", date(2026, 10, 1), date(2027, 3, 31))
    assert monthly.previous_period(half) == Period("half_year", date(2026, 4, 1), date(2026, 9, 30))
    assert monthly.previous_period(OCTOBER) == month_period(date(2026, 9, 1))
    assert monthly.year_before(OCTOBER) == Period("month", date(2025, 10, 1), date(2025, 10, 31))
    leap = month_period(date(2028, 2, 1))
    assert monthly.year_before(leap).last == date(2027, 2, 28)


def test_half_year_report_is_registered(month_data):
    half = Period("half_year", date(2026, 10, 1), date(2027, 3, 31))
    report = builder_for(ReportKind.HALF_YEAR)(center=month_data, period=half)
    assert report.title == "半期報告 2026年度下半期 いわき市総合コールセンター"
    assert rows_by_key(table(report, "月別推移", "月別の推移"))["2026-10"]["総着信呼数"] == 9
    assert MAIN_LINE  # the factories' default line is the representative number


def test_contact_figures_are_labelled_in_japanese(month_data):
    report = builder_for(ReportKind.MONTHLY)(center=month_data, period=OCTOBER)

    contacts = rows_by_key(table(report, "応対・予約・文書問合せ", "応対の内訳"))
    assert contacts["合計"]["値"] == 2
    assert contacts["種別別 / 苦情"]["値"] == 1
    assert contacts["種別別 / 問合せ"]["値"] == 1
    assert contacts["チャネル別 / 電話"]["値"] == 2
    satisfaction = rows_by_key(table(report, "満足度", "満足度調査（5段階）"))
    assert satisfaction["回答数"]["値"] == 0 and satisfaction["割合"]["率"] is None

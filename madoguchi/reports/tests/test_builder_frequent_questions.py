from __future__ import annotations

from datetime import date

import pytest

from madoguchi.calls.models import Disposition as D
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.knowledge.models import FaqView, FaqVote, SearchLog
from madoguchi.knowledge.tests.factories import FaqFactory, FaqTextFactory
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import month_period
from madoguchi.reports.registry import builder_for
from madoguchi.reports.tests.factories import call, tokyo
from madoguchi.reports.tests.helpers import section, table

OCTOBER = month_period(date(2026, 10, 1))


@pytest.fixture
def faq_data(iwaki):
    faqs = {}
    for code, question in [
        ("FAQ-1", "ごみの出し方"),
        ("FAQ-2", "住民票の請求"),
        ("FAQ-3", "税の納付"),
    ]:
        faqs[code] = FaqFactory.create(center=iwaki, code=code)
        FaqTextFactory.create(faq=faqs[code], question=question)
    call(iwaki, tokyo(2026, 10, 6, 9, 0), faq_ids=["FAQ-2"])
    call(iwaki, tokyo(2026, 10, 6, 9, 5), faq_ids=["FAQ-2", "FAQ-1"])
    call(iwaki, tokyo(2026, 10, 6, 9, 7), D.ABANDONED, faq_ids=["FAQ-3"])  # not answered
    call(iwaki, tokyo(2026, 11, 2, 9, 0), faq_ids=["FAQ-3"])  # November
    garbage = CategoryFactory.create(center=iwaki, name="ごみ")
    resident = CategoryFactory.create(center=iwaki, name="住民票")
    for n, category in enumerate([garbage, garbage, resident]):
        InteractionFactory.create(
            center=iwaki,
            category=category,
            started_at=tokyo(2026, 10, 7, 10, n),
            ended_at=tokyo(2026, 10, 7, 10, n, 30),
        )
    # Views: the weeks of 28 Sep (overlaps 1 Oct) and 5 Oct count; 2 Nov does not.
    for n in range(3):
        FaqView.objects.create(
            faq=faqs["FAQ-1"],
            week_start=date(2026, 9, 28),
            channel="public",
            session_hash=f"a{n}",
            first_viewed_at=tokyo(2026, 10, 1, 12),
        )
    FaqView.objects.create(
        faq=faqs["FAQ-3"],
        week_start=date(2026, 10, 5),
        channel="public",
        session_hash="b",
        first_viewed_at=tokyo(2026, 10, 5, 12),
    )
    FaqView.objects.create(
        faq=faqs["FAQ-3"],
        week_start=date(2026, 10, 5),
        channel="staff",
        session_hash="c",
        first_viewed_at=tokyo(2026, 10, 5, 12),
    )
    FaqView.objects.create(
        faq=faqs["FAQ-2"],
        week_start=date(2026, 11, 2),
        channel="public",
        session_hash="d",
        first_viewed_at=tokyo(2026, 11, 2, 12),
    )
    for week, query, count, results in [
        (date(2026, 10, 5), "粗大ごみ", 5, True),
        (date(2026, 10, 12), "粗大ごみ", 2, True),
        (date(2026, 10, 12), "犬の登録", 4, False),
        (date(2026, 11, 2), "選挙", 9, False),
    ]:
        SearchLog.objects.create(
            center=iwaki,
            week_start=week,
            language="ja",
            channel="public",
            query=query,
            count=count,
            had_results=results,
            strict_hit=results,
            last_searched_at=tokyo(week.year, week.month, week.day, 12),
        )
    for n, helpful in enumerate([True, True, False]):
        FaqVote.objects.create(
            faq=faqs["FAQ-1"],
            session_hash=f"v{n}",
            helpful=helpful,
            language="ja",
            voted_at=tokyo(2026, 10, 8, 12),
        )
    FaqVote.objects.create(
        faq=faqs["FAQ-2"],
        session_hash="w",
        helpful=True,
        language="ja",
        voted_at=tokyo(2026, 11, 8, 12),
    )
    return iwaki


def test_frequent_questions_report(faq_data):
    report = builder_for(ReportKind.FREQUENT_QUESTIONS)(center=faq_data, period=OCTOBER)

    assert table(report, "問合せの多い分類", "分類別の応対件数（上位20）").rows == [
        ["ごみ", 2, pytest.approx(0.6667, abs=1e-4)],
        ["住民票", 1, pytest.approx(0.3333, abs=1e-4)],
    ]
    assert table(report, "応対で使われたFAQ", "応対で使われたFAQ（上位20）").rows == [
        [1, "FAQ-2", "住民票の請求", 2],
        [2, "FAQ-1", "ごみの出し方", 1],
    ]
    assert table(
        report, "公開サイトでよく見られたFAQ", "閲覧数の多いFAQ（上位20、セッション数）"
    ).rows == [
        [1, "FAQ-1", "ごみの出し方", 3],
        [2, "FAQ-3", "税の納付", 1],
    ]
    queries = table(report, "検索語", "よく検索された語（上位20）")
    assert queries.rows == [[1, "粗大ごみ", 7, "あり"], [2, "犬の登録", 4, "なし"]]
    zero = table(report, "検索語", "結果がなかった検索語（FAQ追加の候補）")
    assert zero.rows == [["犬の登録", 4]]
    votes = table(report, "役に立ったかの評価", "FAQ別の評価")
    assert votes.rows == [["FAQ-1", "ごみの出し方", 2, 3, pytest.approx(0.6667, abs=1e-4)]]
    assert (
        section(report, "役に立ったかの評価").text == "評価 3 件、うち「役に立った」2 件（66.7%）"
    )
    assert [d.name for d in report.definitions] == ["FAQ使用数"]

"""Reads: who sees which FAQ when, search through the index cache, suggest, reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from madoguchi.accounts.models import Role
from madoguchi.accounts.tests.factories import MembershipFactory
from madoguchi.knowledge import selectors, services
from madoguchi.knowledge.content import FaqContent, TextInput
from madoguchi.knowledge.models import FaqStatus, SearchChannel, SearchLog
from madoguchi.knowledge.search import index_cache
from madoguchi.knowledge.tests.factories import (
    FaqCategoryFactory,
    FaqFactory,
    FaqTextFactory,
    FaqUseFactory,
    PublishedFaqFactory,
    SearchLogFactory,
)
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _faq(center, code, question, answer, **kwargs):
    faq = PublishedFaqFactory.create(center=center, code=code, text_ja=None, **kwargs)
    FaqTextFactory.create(faq=faq, language="ja", question=question, answer=answer)
    return faq


@pytest.fixture
def base():
    index_cache.invalidate()
    center = CenterFactory.create()
    faqs = {
        "juminhyo": _faq(
            center,
            "K-1",
            "住民票の写しはどこで取れますか",
            "市民課の窓口と各支所で請求できます。本人確認書類をお持ちください。",
        ),
        "dog": _faq(center, "K-2", "犬の登録はどこでしますか", "保健所で登録してください。"),
        "internal": _faq(
            center,
            "K-3",
            "職員向け：住民票の交付手数料の扱い",
            "内部の取扱いです。",
            is_public=False,
        ),
        "expired": _faq(
            center,
            "K-4",
            "去年の住民票の臨時窓口",
            "終了しました。",
            publish_end=NOW - timedelta(days=1),
        ),
        "future": _faq(
            center,
            "K-5",
            "来年の住民票の臨時窓口",
            "準備中。",
            publish_start=NOW + timedelta(days=1),
        ),
    }
    draft = FaqFactory.create(center=center, code="K-6", status=FaqStatus.DRAFT)
    FaqTextFactory.create(faq=draft, question="下書きの住民票", answer="未公開")
    _faq(CenterFactory.create(), "K-1", "住民票の写し（他センター）", "別のセンター")
    return center, faqs


def test_public_sees_only_public_faqs_inside_their_window(base) -> None:
    center, faqs = base
    public = selectors.published_faqs(center=center, at=NOW)
    assert [f.code for f in public] == ["K-1", "K-2"]
    staff = selectors.published_faqs(center=center, audience="staff", at=NOW)
    assert [f.code for f in staff] == ["K-1", "K-2", "K-3"]
    later = selectors.published_faqs(center=center, at=NOW + timedelta(days=2))
    assert [f.code for f in later] == ["K-1", "K-2", "K-5"]
    assert selectors.published_faqs(center=center, language="en", at=NOW).count() == 0
    faq = selectors.published_faq(center=center, code="K-3", at=NOW)
    assert faq is None
    assert selectors.published_faq(center=center, code="K-3", audience="staff", at=NOW)


def test_categories_filter_the_published_list(base) -> None:
    center, faqs = base
    category = FaqCategoryFactory.create(center=center)
    faqs["dog"].categories.add(category)
    listed = selectors.published_faqs(center=center, category=category, at=NOW)
    assert [f.code for f in listed] == ["K-2"]


def test_search_ranks_and_logs_without_user_identifiers(base) -> None:
    center, faqs = base
    result = selectors.faq_search(
        center=center, language="ja", query="住民票を取りたい 090-1111-2222", at=NOW
    )
    assert [h.faq.code for h in result.hits][:1] == ["K-1"]
    assert "K-3" not in [h.faq.code for h in result.hits]  # internal: staff only
    assert "K-4" not in [h.faq.code for h in result.hits]  # window closed
    assert result.strict_hit
    log = SearchLog.objects.get()
    assert log.query == "住民票を取りたい ###-####-####"
    assert (log.count, log.strict_hit, log.channel, log.week_start) == (
        1,
        True,
        "public",
        date(2026, 6, 1),
    )
    staff = selectors.faq_search(
        center=center, language="ja", query="住民票", channel=SearchChannel.STAFF, at=NOW
    )
    assert "K-3" in [h.faq.code for h in staff.hits]


def test_a_query_without_strict_hit_goes_to_the_report(base) -> None:
    center, _faqs = base
    result = selectors.faq_search(center=center, language="ja", query="ワンちゃんの手続き", at=NOW)
    assert not result.strict_hit
    report = selectors.zero_hit_report(center=center, week=date(2026, 6, 3))
    assert [(r.query, r.count) for r in report] == [("ワンちゃんの手続き", 1)]


def test_a_new_synonym_and_an_edit_are_seen_by_the_next_search(base) -> None:
    center, faqs = base
    editor = MembershipFactory.create(center=center, role=Role.FAQ_EDITOR).user
    before = selectors.faq_search(center=center, language="ja", query="ワンちゃん", at=NOW)
    assert not before.strict_hit
    builds = index_cache.builds
    services.synonym_add(actor=editor, center=center, term="ワンちゃん", alternatives=["犬"])
    after = selectors.faq_search(center=center, language="ja", query="ワンちゃん", at=NOW)
    assert after.strict_hit
    assert after.hits[0].faq.code == "K-2"
    assert index_cache.builds == builds + 1
    # Same stamp: served from the cache.
    selectors.faq_search(center=center, language="ja", query="犬", at=NOW)
    assert index_cache.builds == builds + 1
    services.faq_update(
        actor=editor,
        faq=faqs["dog"],
        content=FaqContent(texts={"ja": TextInput("猫の迷子はどこに相談しますか", "保健所へ。")}),
    )
    cats = selectors.faq_search(center=center, language="ja", query="猫 迷子", at=NOW)
    assert cats.hits[0].faq.code == "K-2"
    assert cats.hits[0].question == "猫の迷子はどこに相談しますか"


def test_suggest_matches_reading_and_gives_top_three(base) -> None:
    center, _faqs = base
    found = selectors.faq_suggest(center=center, language="ja", prefix="じゅうみん", at=NOW)
    assert [h.faq.code for h in found.questions] == ["K-1"]
    assert any(term.startswith("住民") for term in found.terms)
    typed = selectors.faq_suggest(center=center, language="ja", prefix="住民票の写し", at=NOW)
    assert [h.faq.code for h in typed.top][:1] == ["K-1"]
    assert not SearchLog.objects.exists()  # suggestions are not counted


def test_overdue_reviews_and_use_counts(base) -> None:
    center, faqs = base
    faqs["dog"].review_due = date(2026, 5, 1)
    faqs["dog"].save()
    faqs["juminhyo"].review_due = date(2027, 5, 1)
    faqs["juminhyo"].save()
    assert [f.code for f in selectors.overdue_reviews(center=center, today=date(2026, 6, 1))] == [
        "K-2"
    ]
    FaqUseFactory.create(faq=faqs["dog"])
    FaqUseFactory.create(faq=faqs["dog"])
    FaqUseFactory.create(faq=faqs["juminhyo"])
    counts = selectors.faq_use_counts(center=center)
    assert [(f.code, n) for f, n in counts] == [("K-2", 2), ("K-1", 1)]
    listed = selectors.faq_list(center=center, text="犬")
    assert [f.use_count for f in listed] == [2]  # type: ignore[attr-defined]


def test_zero_hit_report_is_per_week_and_ordered(base) -> None:
    center, _faqs = base
    monday = date(2026, 6, 1)
    SearchLogFactory.create(center=center, week_start=monday, query="a", count=2)
    SearchLogFactory.create(center=center, week_start=monday, query="b", count=5)
    SearchLogFactory.create(center=center, week_start=monday, query="c", strict_hit=True)
    SearchLogFactory.create(center=center, week_start=monday - timedelta(days=7), query="d")
    report = selectors.zero_hit_report(center=center, week=monday + timedelta(days=6))
    assert [r.query for r in report] == ["b", "a"]
    assert timezone.is_aware(NOW)


def test_faq_changes_for_the_monthly_report() -> None:
    from madoguchi.knowledge.models import FaqVersion

    center = CenterFactory.create()
    editor = MembershipFactory.create(center=center, role=Role.FAQ_EDITOR).user
    faq = services.faq_create(
        actor=editor,
        center=center,
        code="M-1",
        content=FaqContent(texts={"ja": TextInput("質問", "回答")}),
    )
    services.faq_update(
        actor=editor,
        faq=faq,
        content=FaqContent(texts={"ja": TextInput("質問", "新しい回答")}),
        comment="回答を更新",
    )
    FaqVersion.objects.filter(number=1).update(created_at=datetime(2026, 4, 30, 15, tzinfo=UTC))
    FaqVersion.objects.filter(number=2).update(created_at=datetime(2026, 5, 10, 1, tzinfo=UTC))
    may = selectors.faq_changes(
        center=center,
        since=datetime(2026, 4, 30, 15, tzinfo=UTC),  # May 1 00:00 in Tokyo
        until=datetime(2026, 5, 31, 15, tzinfo=UTC),
    )
    assert [(c.faq.code, c.number, c.kind, c.comment) for c in may] == [
        ("M-1", 1, "added", "作成"),
        ("M-1", 2, "changed", "回答を更新"),
    ]
    april = selectors.faq_changes(
        center=center,
        since=datetime(2026, 3, 31, 15, tzinfo=UTC),
        until=datetime(2026, 4, 30, 15, tzinfo=UTC),
    )
    assert april == []

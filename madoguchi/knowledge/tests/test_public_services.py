"""Votes and weekly views of the public FAQ site: one per session, weeks in Tokyo."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from madoguchi.knowledge import services_public
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.models import FaqView, FaqVote, ViewChannel
from madoguchi.knowledge.selectors_public import (
    feedback_statistics,
    weekly_ranking,
)
from madoguchi.knowledge.tests.factories import PublishedFaqFactory
from madoguchi.tenancy.calendars import TOKYO

pytestmark = pytest.mark.django_db

SUNDAY_LATE = datetime(2026, 1, 11, 23, 59, tzinfo=TOKYO)
MONDAY_MIDNIGHT = datetime(2026, 1, 12, 0, 0, tzinfo=TOKYO)


def test_one_vote_per_session_per_faq():
    faq = PublishedFaqFactory.create()
    other = PublishedFaqFactory.create(center=faq.center)

    services_public.faq_vote_record(faq=faq, session_key="s1", helpful=True)
    with pytest.raises(KnowledgeError, match="すでに評価"):
        services_public.faq_vote_record(faq=faq, session_key="s1", helpful=False)
    # Another session, and the same session on another FAQ, may vote.
    services_public.faq_vote_record(faq=faq, session_key="s2", helpful=False, reason="古い情報")
    services_public.faq_vote_record(faq=other, session_key="s1", helpful=True)

    votes = sorted(FaqVote.objects.filter(faq=faq).values_list("helpful", "reason"))
    assert votes == [(False, "古い情報"), (True, "")]


def test_the_session_is_stored_only_as_a_keyed_hash():
    faq = PublishedFaqFactory.create()
    vote = services_public.faq_vote_record(faq=faq, session_key="abcdefgh12345678", helpful=True)
    assert "abcdefgh12345678" not in vote.session_hash
    assert len(vote.session_hash) == 64
    assert vote.session_hash == services_public.session_hash("abcdefgh12345678")
    assert vote.session_hash != services_public.session_hash("abcdefgh12345679")


def test_a_reason_with_a_my_number_is_refused_and_nothing_is_stored():
    faq = PublishedFaqFactory.create()
    with pytest.raises(KnowledgeError) as refused:
        # 123456789018 has a valid My Number check digit.
        services_public.faq_vote_record(
            faq=faq, session_key="s1", helpful=False, reason="番号は1234 5678 9018です"
        )
    assert refused.value.field == "reason"
    assert FaqVote.objects.count() == 0


def test_an_overlong_reason_is_refused():
    faq = PublishedFaqFactory.create()
    with pytest.raises(KnowledgeError, match="500文字以内") as refused:
        services_public.faq_vote_record(faq=faq, session_key="s1", helpful=True, reason="あ" * 501)
    assert refused.value.field == "reason"


def test_a_view_counts_once_per_session_and_week():
    faq = PublishedFaqFactory.create()
    assert services_public.faq_view_record(faq=faq, session_key="s1", at=SUNDAY_LATE) is True
    assert services_public.faq_view_record(faq=faq, session_key="s1", at=SUNDAY_LATE) is False
    # One minute later it is Monday 00:00 in Tokyo: a new ISO week, counted again.
    assert services_public.faq_view_record(faq=faq, session_key="s1", at=MONDAY_MIDNIGHT) is True

    weeks = sorted(FaqView.objects.values_list("week_start", flat=True))
    assert [w.isoformat() for w in weeks] == ["2026-01-05", "2026-01-12"]


def test_ranking_week_boundaries_follow_tokyo_time():
    faq_a = PublishedFaqFactory.create(code="A")
    faq_b = PublishedFaqFactory.create(center=faq_a.center, code="B")
    center = faq_a.center
    # Sunday 23:59: three sessions see A; Monday 00:00: two sessions see B.
    for session in ("s1", "s2", "s3"):
        services_public.faq_view_record(faq=faq_a, session_key=session, at=SUNDAY_LATE)
    for session in ("s1", "s2"):
        services_public.faq_view_record(faq=faq_b, session_key=session, at=MONDAY_MIDNIGHT)

    ending = weekly_ranking(center=center, week_start=date(2026, 1, 5))
    starting = weekly_ranking(center=center, week_start=MONDAY_MIDNIGHT.date())
    assert [(r.rank, r.faq.code, r.views) for r in ending] == [(1, "A", 3)]
    assert [(r.rank, r.faq.code, r.views) for r in starting] == [(1, "B", 2)]


def test_staff_views_are_counted_apart_and_not_in_the_public_ranking():
    faq_a = PublishedFaqFactory.create(code="A")
    faq_b = PublishedFaqFactory.create(center=faq_a.center, code="B")
    center = faq_a.center
    for session in ("op1", "op2", "op3", "op4"):
        services_public.faq_view_record(
            faq=faq_b, session_key=session, channel=ViewChannel.STAFF, at=MONDAY_MIDNIGHT
        )
    services_public.faq_view_record(faq=faq_a, session_key="citizen", at=MONDAY_MIDNIGHT)
    week = MONDAY_MIDNIGHT.date()

    public = weekly_ranking(center=center, week_start=week)
    staff = weekly_ranking(center=center, week_start=week, channel=ViewChannel.STAFF)
    assert [(r.faq.code, r.views) for r in public] == [("A", 1)]
    assert [(r.faq.code, r.views) for r in staff] == [("B", 4)]


def test_ranking_shares_ranks_on_ties_and_hides_faqs_no_longer_public():
    first = PublishedFaqFactory.create(code="A")
    center = first.center
    second = PublishedFaqFactory.create(center=center, code="B")
    third = PublishedFaqFactory.create(center=center, code="C")
    withdrawn = PublishedFaqFactory.create(center=center, code="D")
    views = {first: 3, second: 2, third: 2, withdrawn: 9}
    for faq, count in views.items():
        for n in range(count):
            services_public.faq_view_record(faq=faq, session_key=f"s{n}", at=MONDAY_MIDNIGHT)
    withdrawn.is_public = False
    withdrawn.save()

    ranking = weekly_ranking(center=center, week_start=MONDAY_MIDNIGHT.date())
    assert [(r.rank, r.faq.code, r.views) for r in ranking] == [
        (1, "A", 3),
        (2, "B", 2),
        (2, "C", 2),
    ]


def test_statistics_order_by_the_wilson_lower_bound():
    lucky = PublishedFaqFactory.create(code="LUCKY")
    center = lucky.center
    proven = PublishedFaqFactory.create(center=center, code="PROVEN")
    services_public.faq_vote_record(faq=lucky, session_key="x", helpful=True)
    for n in range(50):
        services_public.faq_vote_record(faq=proven, session_key=f"s{n}", helpful=n < 45)

    summary = feedback_statistics(center=center)
    assert [(r.faq.code, r.helpful, r.total) for r in summary.rows] == [
        ("PROVEN", 45, 50),
        ("LUCKY", 1, 1),
    ]
    assert summary.rows[0].rate == pytest.approx(0.9)
    assert summary.rows[0].lower_bound == pytest.approx(0.78640, abs=5e-5)
    assert summary.rows[1].lower_bound == pytest.approx(0.20654, abs=5e-5)
    assert (summary.helpful, summary.total) == (46, 51)

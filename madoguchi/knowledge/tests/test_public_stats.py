"""Pure rules of the public FAQ statistics: ISO weeks in Asia/Tokyo and the Wilson bound."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from madoguchi.knowledge.selectors_public import week_start_of, wilson_lower_bound
from madoguchi.tenancy.calendars import TOKYO


@pytest.mark.parametrize(
    ("at", "monday"),
    [
        # Sunday 2026-01-11 23:59 JST still belongs to the week of Monday 2026-01-05 …
        (datetime(2026, 1, 11, 23, 59, 59, tzinfo=TOKYO), date(2026, 1, 5)),
        # … and Monday 00:00 JST starts the next one.
        (datetime(2026, 1, 12, 0, 0, tzinfo=TOKYO), date(2026, 1, 12)),
        # The same instants in UTC: Sunday 15:00 UTC is already Monday in Tokyo.
        (datetime(2026, 1, 11, 14, 59, tzinfo=UTC), date(2026, 1, 5)),
        (datetime(2026, 1, 11, 15, 0, tzinfo=UTC), date(2026, 1, 12)),
        # ISO week 1 of 2026 starts on Monday 2025-12-29 (week crosses the year).
        (datetime(2026, 1, 1, 12, 0, tzinfo=TOKYO), date(2025, 12, 29)),
    ],
)
def test_week_start_is_the_tokyo_monday(at, monday):
    assert week_start_of(at) == monday
    assert monday.isoweekday() == 1


def test_week_start_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        week_start_of(datetime(2026, 1, 12))  # noqa: DTZ001  (the point of the test)


@pytest.mark.parametrize(
    ("helpful", "total", "expected"),
    [
        # Hand-computed with z = 1.96 (formula in the docstring):
        # 1/1: (1 + 1.9208 − 1.96·√0.9604) / (1 + 3.8416) = 1 / 4.8416 = 0.20654
        (1, 1, 0.20654),
        # 45/50: (0.9 + 0.038416 − 1.96·√(0.0018 + 0.00038416)) / 1.076832 = 0.78639
        (45, 50, 0.78639),
        # 0/10: (0 + 0.19208 − 1.96·√0.009604) / 1.38416 = 0 (numerically ~1e-17)
        (0, 10, 0.0),
        # 5/10: (0.5 + 0.19208 − 1.96·√(0.025 + 0.009604)) / 1.38416 = 0.23659
        (5, 10, 0.23659),
    ],
)
def test_wilson_lower_bound_matches_hand_computed_values(helpful, total, expected):
    assert wilson_lower_bound(helpful, total) == pytest.approx(expected, abs=5e-5)


def test_one_lucky_vote_does_not_outrank_a_proven_answer():
    assert wilson_lower_bound(1, 1) < wilson_lower_bound(45, 50)


def test_wilson_without_votes_is_zero_and_bad_counts_are_refused():
    assert wilson_lower_bound(0, 0) == 0.0
    with pytest.raises(ValueError):
        wilson_lower_bound(3, 2)

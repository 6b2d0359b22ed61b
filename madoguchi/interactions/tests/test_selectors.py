"""Reads of the interactions context: search by several conditions (CON-6), complaints of
a day and long calls (CON-9). Another center's rows never leak into a result."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from madoguchi.accounts.tests.factories import UserFactory
from madoguchi.interactions.models import Channel, InteractionKind, Outcome
from madoguchi.interactions.selectors import (
    complaints_for_report,
    interaction_search,
    long_calls,
)
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.tests.factories import CenterFactory, DepartmentFactory

DAY = datetime(2026, 1, 5, 0, 0, tzinfo=TOKYO)


@pytest.fixture
def world(db):
    """Two centers with records differing in one condition each from ``base``."""
    center, other = CenterFactory.create(), CenterFactory.create()
    taxes = CategoryFactory.create(center=center, name="税金")
    waste = CategoryFactory.create(center=center, name="ごみ")
    alice, bob = UserFactory.create(), UserFactory.create()
    dept = DepartmentFactory.create(center=center)
    at = DAY + timedelta(hours=10)

    def make(**fields):
        values = {
            "center": center,
            "category": taxes,
            "operator": alice,
            "started_at": at,
            "ended_at": at + timedelta(minutes=3),
            "summary": "住民税の納付方法",
            "answer": "コンビニ納付を案内",
        }
        values.update(fields)
        return InteractionFactory.create(**values)

    rows = {
        "base": make(),
        "fax": make(channel=Channel.FAX),
        "waste": make(category=waste, summary="粗大ごみの出し方"),
        "complaint": make(kind=InteractionKind.COMPLAINT, summary="窓口の対応への苦情"),
        "escalated": make(outcome=Outcome.ESCALATED, department=dept),
        "bob": make(operator=bob),
        "yesterday": make(
            started_at=at - timedelta(days=1), ended_at=at - timedelta(days=1, minutes=-3)
        ),
        "other_center": make(center=other, category=CategoryFactory.create(center=other)),
    }
    return {
        "center": center,
        "other": other,
        "taxes": taxes,
        "waste": waste,
        "alice": alice,
        "bob": bob,
        "dept": dept,
        "rows": rows,
    }


def names(world, qs):
    by_pk = {row.pk: name for name, row in world["rows"].items()}
    return sorted(by_pk[row.pk] for row in qs)


def test_search_one_condition_at_a_time(world):
    c = [world["center"].pk]
    everything_here = sorted(set(world["rows"]) - {"other_center"})
    assert names(world, interaction_search(center_ids=c)) == everything_here
    assert names(world, interaction_search(center_ids=c, channel=Channel.FAX)) == ["fax"]
    assert names(world, interaction_search(center_ids=c, category=world["waste"])) == ["waste"]
    assert names(world, interaction_search(center_ids=c, kind="complaint")) == ["complaint"]
    assert names(world, interaction_search(center_ids=c, outcome="escalated")) == ["escalated"]
    assert names(world, interaction_search(center_ids=c, operator=world["bob"])) == ["bob"]
    assert names(world, interaction_search(center_ids=c, department=world["dept"])) == ["escalated"]
    assert names(world, interaction_search(center_ids=c, until=DAY)) == ["yesterday"]
    assert "yesterday" not in names(world, interaction_search(center_ids=c, since=DAY))
    # Full-width input finds half-width text (NFKC); every word must match.
    assert names(world, interaction_search(center_ids=c, text="粗大ごみ　出し方")) == ["waste"]
    assert names(world, interaction_search(center_ids=c, text="苦情")) == ["complaint"]
    assert names(world, interaction_search(center_ids=c, text="コンビニ 苦情")) == ["complaint"]


def test_search_combines_conditions(world):
    c = [world["center"].pk]
    assert names(
        world,
        interaction_search(
            center_ids=c,
            since=DAY,
            until=DAY + timedelta(days=1),
            channel=Channel.PHONE,
            category=world["taxes"],
            kind=InteractionKind.INQUIRY,
            outcome=Outcome.COMPLETED,
            operator=world["alice"],
            text="住民税",
        ),
    ) == ["base"]
    assert list(interaction_search(center_ids=c, channel=Channel.FAX, operator=world["bob"])) == []


def test_search_never_returns_another_centers_rows(world):
    other_category = world["rows"]["other_center"].category
    assert names(world, interaction_search(center_ids=[world["other"].pk])) == ["other_center"]
    assert list(interaction_search(center_ids=[world["center"].pk], category=other_category)) == []
    assert list(interaction_search(center_ids=[])) == []
    assert len(interaction_search(center_ids=None)) == len(world["rows"])


def test_search_is_newest_first_with_related_rows_loaded(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(interaction_search(center_ids=[world["center"].pk]))
        labels = [
            (r.center.name, r.category.name if r.category else "", str(r.operator)) for r in rows
        ]
    assert len(labels) == 7
    assert [r.started_at for r in rows] == sorted((r.started_at for r in rows), reverse=True)


def test_complaints_for_report_are_that_days_complaints_of_that_center(world):
    center = world["center"]
    late = InteractionFactory.create(
        center=center,
        kind=InteractionKind.COMPLAINT,
        started_at=DAY + timedelta(hours=23, minutes=59),
        ended_at=DAY + timedelta(days=1, minutes=5),
    )
    InteractionFactory.create(  # the next day in Tokyo
        center=center,
        kind=InteractionKind.COMPLAINT,
        started_at=DAY + timedelta(days=1),
        ended_at=DAY + timedelta(days=1, minutes=5),
    )
    InteractionFactory.create(
        center=world["other"],
        kind=InteractionKind.COMPLAINT,
        started_at=DAY + timedelta(hours=11),
        ended_at=DAY + timedelta(hours=11, minutes=2),
    )
    found = list(complaints_for_report(center=center, day=DAY.date()))
    assert found == [world["rows"]["complaint"], late]


def test_long_calls_exceed_the_threshold_on_the_phone_only(world):
    center = world["center"]
    start = DAY + timedelta(hours=13)

    def talk(minutes, seconds=0, **fields):
        return InteractionFactory.create(
            center=center,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes, seconds=seconds),
            **fields,
        )

    exactly = talk(20)
    just_over = talk(20, 1)
    longest = talk(45)
    talk(30, channel=Channel.WALK_IN)
    InteractionFactory.create(
        center=world["other"], started_at=start, ended_at=start + timedelta(minutes=50)
    )
    until = DAY + timedelta(days=1)
    found = list(long_calls(center=center, since=DAY, until=until))
    assert found == [longest, just_over]
    assert exactly not in found
    assert found[0].talk == timedelta(minutes=45)  # type: ignore[attr-defined]
    assert list(long_calls(center=center, since=DAY, until=until, threshold_s=44 * 60)) == [longest]
    assert (
        list(
            long_calls(center=center, since=DAY + timedelta(days=1), until=DAY + timedelta(days=2))
        )
        == []
    )

"""factory_boy factories for interaction history (Japanese-looking values via Faker ja_JP).

These write rows directly, without timeline rows or audit events: use them for the
*context* of a test (another center's records, rows to search) and the services for
what is under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factory.declarations import LazyAttribute, SelfAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker

from madoguchi.interactions.models import (
    Category,
    Channel,
    Interaction,
    InteractionKind,
    Outcome,
)
from madoguchi.tenancy.tests.factories import CenterFactory

_BASE = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo, a Monday


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category

    center = SubFactory(CenterFactory)
    parent = None
    name = Sequence(lambda n: f"住民票・戸籍{n}")
    order = Sequence(lambda n: n)
    is_active = True


class InteractionFactory(DjangoModelFactory[Interaction]):
    class Meta:
        model = Interaction

    class Params:
        n = Sequence(lambda n: n)

    center = SubFactory(CenterFactory)
    channel = Channel.PHONE
    dialed_number = "+81246221111"
    caller_number = ""
    kind = InteractionKind.INQUIRY
    category = SubFactory(CategoryFactory, center=SelfAttribute("..center"))
    summary = Faker("sentence", locale="ja_JP")
    answer = Faker("sentence", locale="ja_JP")
    outcome = Outcome.COMPLETED
    started_at = LazyAttribute(lambda o: _BASE + timedelta(minutes=10 * o.n))
    ended_at = LazyAttribute(lambda o: o.started_at + timedelta(minutes=3))
    language = "ja"

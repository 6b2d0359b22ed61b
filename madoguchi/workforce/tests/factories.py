"""factory_boy factories for the workforce context and the call history it reads.

They write rows directly (no audit): use them for the *context* of a test (history,
logged-in agents, plans) and the services for what is under test.
"""

from __future__ import annotations

from decimal import Decimal

from factory.declarations import LazyAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker

from madoguchi.calls.models import Agent, AgentState, AgentStateEvent, CallInterval
from madoguchi.tenancy.tests.factories import CenterFactory
from madoguchi.workforce.models import ForecastEvent, StaffingPlan


class AgentFactory(DjangoModelFactory[Agent]):
    class Meta:
        model = Agent

    center = SubFactory(CenterFactory)
    name = Faker("name", locale="ja_JP")
    extension = Sequence(lambda n: f"{3000 + n}")


class AgentStateEventFactory(DjangoModelFactory[AgentStateEvent]):
    class Meta:
        model = AgentStateEvent

    agent = SubFactory(AgentFactory)
    state = AgentState.AVAILABLE


class CallIntervalFactory(DjangoModelFactory[CallInterval]):
    """15-minute call totals; ``answered`` calls of 300 s handle time each by default."""

    class Meta:
        model = CallInterval

    center = SubFactory(CenterFactory)
    dialed_number = "+81246221111"
    offered = 10
    answered = 9
    abandoned = LazyAttribute(lambda o: o.offered - o.answered)
    talk_s = LazyAttribute(lambda o: 240.0 * o.answered)
    wrap_s = LazyAttribute(lambda o: 60.0 * o.answered)


class ForecastEventFactory(DjangoModelFactory[ForecastEvent]):
    class Meta:
        model = ForecastEvent

    center = SubFactory(CenterFactory)
    label = "プレミアム商品券 発送日"
    uplift = Decimal("1.5")


class StaffingPlanFactory(DjangoModelFactory[StaffingPlan]):
    class Meta:
        model = StaffingPlan

    center = SubFactory(CenterFactory)
    minutes = 60
    required_agents = 4
    planned_agents = 5
    target = "応答率 90% 以上"
    date = LazyAttribute(lambda o: o.start.date())

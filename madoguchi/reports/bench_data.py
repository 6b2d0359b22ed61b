"""Simulated call data for ``madoguchi bench_reports``: a year (or any span) of calls of
the Iwaki scenario with a realistic day and hour profile, written with COPY.

Calls arrive mostly in opening hours (weekday profile with morning and early-afternoon
peaks; weekends and holidays quieter; a few arrive after hours and are counted apart).
In-hours calls are answered (waits exponential), abandoned while waiting, or get the
busy signal (Iwaki overflows to a congestion message). Answered calls on the
representative numbers are often switchboard transfers (電話交換); the rest are answered
in the center, handed to the owning department or escalated. Every answered call gets
its interaction record (category, content, FAQ-IDs, outcome), linked to the call, and
operators log in at opening and out at closing each day.

PostgreSQL only (COPY through psycopg 3): the command refuses SQLite.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from madoguchi.accounts.models import User
from madoguchi.calls.models import Agent, AgentStateEvent, Call, Queue
from madoguchi.interactions.models import Category, Interaction
from madoguchi.knowledge.models import Faq
from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.scenarios import scenario_load

TOPICS = [
    ("住民票・戸籍", "住民票の写しの請求方法", "本庁舎1階市民課またはコンビニ交付を案内した"),
    ("税金", "市県民税の納付期限", "納付書の期限と口座振替を案内した"),
    ("国民健康保険", "国民健康保険の加入手続き", "必要書類と窓口を案内した"),
    ("ごみ・リサイクル", "粗大ごみの出し方", "申込み方法と手数料を案内した"),
    ("子育て", "児童手当の申請", "申請書と必要書類を案内した"),
    ("マイナンバーカード", "マイナンバーカードの受取", "受取の予約方法を案内した"),
    ("福祉・介護", "介護保険の認定申請", "地域包括支援センターを案内した"),
    ("道路・公園", "道路の陥没の連絡", "担当課へ取り次いだ"),
    ("上下水道", "水道料金の支払い", "支払い方法を案内した"),
    ("施設案内", "図書館の開館時間", "開館時間と休館日を案内した"),
    ("選挙", "期日前投票の場所", "期日前投票所を案内した"),
    ("防災", "避難所の場所", "最寄りの避難所を案内した"),
]
# Relative share of each clock hour of arrival on an open day (weekday profile).
HOUR_WEIGHTS = {8: 4, 9: 12, 10: 13, 11: 11, 12: 7, 13: 11, 14: 10, 15: 9, 16: 8, 17: 6, 18: 4}
DAY_WEIGHTS = {"weekday": 10.0, "saturday": 3.0, "sunday": 2.5, "holiday": 2.5, "closed": 0.15}
AFTER_HOURS_SHARE = 0.03
AGENTS = 24
BATCH_DAYS = 31

CALL_COLUMNS = (
    "id",
    "center_id",
    "source",
    "external_id",
    "dialed_number",
    "caller_number",
    "caller_withheld",
    "language",
    "queue_id",
    "agent_id",
    "arrived_at",
    "in_hours",
    "enqueued_at",
    "offered_at",
    "answered_at",
    "ended_at",
    "wrap_end_at",
    "disposition",
    "ring_no_answer_count",
    "transferred_to",
    "resolved_in_center",
    "is_switchboard_transfer",
    "category",
    "faq_ids",
)
INTERACTION_COLUMNS = (
    "center_id",
    "channel",
    "dialed_number",
    "caller_number",
    "kind",
    "urgent",
    "category_id",
    "summary",
    "answer",
    "faq_ids",
    "outcome",
    "department_id",
    "operator_id",
    "started_at",
    "ended_at",
    "wrap_up_ended_at",
    "language",
    "call_id",
    "created_at",
)


@dataclass
class Fixture:
    center: Center
    queue: Queue
    agents: list[int]
    operators: list[int]
    categories: list[tuple[int, str, str, str]]  # (pk, name, summary, answer)
    faq_codes: list[str]
    departments: list[tuple[int, str]]
    numbers: list[str]


@dataclass
class Generated:
    calls: int
    interactions: int
    agent_events: int
    seconds: float


def fixture_ensure(*, with_faqs: bool = True) -> Fixture:
    """The Iwaki center with its demo FAQs, a queue, simulated agents and categories."""
    center = scenario_load(slug="iwaki")
    if with_faqs and not Faq.objects.filter(center=center).exists():
        from madoguchi.knowledge.demo import knowledge_demo_load

        knowledge_demo_load(center=center)
    queue, _ = Queue.objects.get_or_create(
        center=center, name="代表", defaults={"is_default": True}
    )
    agents, operators = [], []
    for n in range(AGENTS):
        user, _ = User.objects.get_or_create(username=f"bench-report-operator-{n:02d}")
        agent, _ = Agent.objects.get_or_create(
            center=center, name=f"席{n + 1:02d}", defaults={"user": user, "is_simulated": True}
        )
        agents.append(agent.pk)
        operators.append(user.pk)
    categories = []
    for order, (name, summary, answer) in enumerate(TOPICS):
        category, _ = Category.objects.get_or_create(
            center=center, parent=None, name=name, defaults={"order": order}
        )
        categories.append((category.pk, name, summary, answer))
    return Fixture(
        center=center,
        queue=queue,
        agents=agents,
        operators=operators,
        categories=categories,
        faq_codes=sorted(Faq.objects.filter(center=center).values_list("code", flat=True)),
        departments=list(center.departments.values_list("pk", "name")),
        numbers=list(center.numbers.order_by("display").values_list("e164", flat=True)),
    )


def _day_kind(rules: CalendarRules, day: date) -> tuple[str, datetime | None, datetime | None]:
    hours = rules.day_hours(day)
    interval = hours.interval()
    if interval is None:
        return "closed", None, None
    kind = hours.reason if hours.reason in DAY_WEIGHTS else "weekday"
    return kind, interval[0], interval[1]


def daily_volumes(rules: CalendarRules, first: date, days: int, total: int) -> list[int]:
    """Calls per day in proportion to the day type's weight, summing to ``total``."""
    weights = [DAY_WEIGHTS[_day_kind(rules, first + timedelta(days=n))[0]] for n in range(days)]
    scale = total / sum(weights)
    volumes = [int(w * scale) for w in weights]
    for n in range(total - sum(volumes)):
        volumes[n % days] += 1
    return volumes


def _arrival(
    rng: random.Random, day: date, opens: datetime | None, closes: datetime | None
) -> datetime:
    if opens is None or closes is None or rng.random() < AFTER_HOURS_SHARE:
        # After hours: evening or early morning of the same day.
        if rng.random() < 0.7:
            start = datetime.combine(day, datetime.min.time(), tzinfo=TOKYO).replace(hour=19)
            return start + timedelta(seconds=rng.randrange(4 * 3600))
        start = datetime.combine(day, datetime.min.time(), tzinfo=TOKYO).replace(hour=6)
        return start + timedelta(seconds=rng.randrange(2 * 3600 + 1800))
    hours = [h for h in HOUR_WEIGHTS if opens.hour <= h < closes.hour or h == opens.hour]
    hour = rng.choices(hours, [HOUR_WEIGHTS[h] for h in hours])[0]
    start = max(opens, opens.replace(hour=hour, minute=0))
    end = min(closes, opens.replace(hour=hour, minute=0) + timedelta(hours=1))
    return start + timedelta(seconds=rng.random() * (end - start).total_seconds())


def _rows(
    fx: Fixture, rules: CalendarRules, first: date, volumes: list[int], rng: random.Random
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...] | None]]:
    now = datetime.now(UTC)
    representative = set(fx.numbers)
    number_weights = [60] + [10] * (len(fx.numbers) - 1)
    dept_names = [name for _, name in fx.departments]
    for offset, volume in enumerate(volumes):
        day = first + timedelta(days=offset)
        _, opens, closes = _day_kind(rules, day)
        arrivals = sorted(_arrival(rng, day, opens, closes) for _ in range(volume))
        for arrived in arrivals:
            in_hours = opens is not None and closes is not None and opens <= arrived < closes
            line = rng.choices(fx.numbers, number_weights)[0]
            category = rng.choice(fx.categories)
            answered_at = ended = wrap_end = None
            agent = transferred = None
            resolved = switchboard = None
            faq_ids: list[str] = []
            if not in_hours:
                disposition = "after_hours"
                ended = arrived + timedelta(seconds=rng.randrange(10, 40))
            else:
                roll = rng.random()
                if roll < 0.04:
                    disposition = "blocked"
                    ended = arrived + timedelta(seconds=rng.randrange(2, 8))
                elif roll < 0.12:
                    disposition = "abandoned"
                    ended = arrived + timedelta(seconds=rng.expovariate(1 / 35) + 1)
                else:
                    disposition = "answered"
                    answered_at = arrived + timedelta(seconds=min(rng.expovariate(1 / 8), 300))
                    talk = math.exp(rng.gauss(5.0, 0.7))
                    if rng.random() < 0.01:
                        talk = rng.uniform(1201, 2400)
                    ended = answered_at + timedelta(seconds=talk)
                    wrap_end = ended + timedelta(seconds=rng.uniform(20, 120))
                    agent = rng.randrange(len(fx.agents))
                    if line in representative and rng.random() < 0.35:
                        switchboard, resolved = True, True
                        transferred = rng.choice(dept_names) if dept_names else ""
                    else:
                        switchboard = False
                        outcome_roll = rng.random()
                        resolved = outcome_roll < 0.92
                        if 0.80 <= outcome_roll < 0.92 or outcome_roll >= 0.92:
                            transferred = rng.choice(dept_names) if dept_names else ""
                        if fx.faq_codes and rng.random() < 0.6:
                            faq_ids = rng.sample(
                                fx.faq_codes, k=min(len(fx.faq_codes), rng.choice((1, 1, 2)))
                            )
            call_id = uuid.uuid4()
            call = (
                call_id,
                fx.center.pk,
                "simulated",
                "",
                line,
                "",
                False,
                "ja",
                fx.queue.pk if in_hours else None,
                fx.agents[agent] if agent is not None else None,
                arrived,
                in_hours,
                arrived if in_hours else None,
                arrived if in_hours else None,
                answered_at,
                ended,
                wrap_end,
                disposition,
                0,
                transferred or "",
                resolved,
                switchboard,
                category[1] if disposition == "answered" else "",
                json.dumps(faq_ids),
            )
            interaction = None
            if disposition == "answered" and answered_at is not None and ended is not None:
                if switchboard:
                    kind, outcome = "switchboard_transfer", "switchboard_transfer"
                elif resolved and transferred:
                    kind, outcome = "inquiry", "handed_to_department"
                elif resolved:
                    kind, outcome = ("complaint" if rng.random() < 0.01 else "inquiry"), "completed"
                else:
                    kind, outcome = "inquiry", "escalated"
                department = None
                if transferred:
                    department = next(
                        (pk for pk, name in fx.departments if name == transferred), None
                    )
                interaction = (
                    fx.center.pk,
                    "phone",
                    line,
                    "",
                    kind,
                    False,
                    category[0],
                    category[2],
                    category[3],
                    json.dumps(faq_ids),
                    outcome,
                    department,
                    fx.operators[agent] if agent is not None else None,
                    answered_at,
                    ended,
                    wrap_end,
                    "ja",
                    call_id,
                    now,
                )
            yield call, interaction


def _agent_events(
    fx: Fixture, rules: CalendarRules, first: date, days: int, seed: int
) -> list[AgentStateEvent]:
    """Each open day, a day-type share of the agents log in at opening and out at closing."""
    rng = random.Random(seed)  # noqa: S311
    events = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        kind, opens, closes = _day_kind(rules, day)
        if opens is None or closes is None:
            continue
        staffed = max(
            2,
            round(
                len(fx.agents) * DAY_WEIGHTS[kind] / DAY_WEIGHTS["weekday"] * rng.uniform(0.8, 1.0)
            ),
        )
        for agent in fx.agents[:staffed]:
            events.append(AgentStateEvent(agent_id=agent, at=opens, state="available"))
            events.append(AgentStateEvent(agent_id=agent, at=closes, state="logged_out"))
    return events


def generate(
    *, fixture: Fixture, first: date, days: int, total_calls: int, seed: int = 7
) -> Generated:
    """Write ``total_calls`` calls over ``days`` days from ``first`` (and their
    interactions and the agents' log-ins); returns counts and the seconds it took."""
    if connection.vendor != "postgresql":
        raise RuntimeError("bench data is written with COPY: PostgreSQL only")
    began = time.perf_counter()
    rules = CalendarRules(fixture.center.calendar)
    volumes = daily_volumes(rules, first, days, total_calls)
    calls = interactions = 0
    call_table, interaction_table = Call._meta.db_table, Interaction._meta.db_table
    rng = random.Random(seed)  # noqa: S311  (benchmark data, not security)
    call_sql = f"COPY {call_table} ({', '.join(CALL_COLUMNS)}) FROM STDIN"
    interaction_sql = f"COPY {interaction_table} ({', '.join(INTERACTION_COLUMNS)}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        # A month at a time: both tables' rows of the chunk, then two COPYs (bounded memory).
        for start in range(0, days, BATCH_DAYS):
            chunk = volumes[start : start + BATCH_DAYS]
            pending: list[tuple[Any, ...]] = []
            with raw.copy(call_sql) as copy:
                for call, interaction in _rows(
                    fixture, rules, first + timedelta(days=start), chunk, rng
                ):
                    copy.write_row(call)
                    calls += 1
                    if interaction is not None:
                        pending.append(interaction)
            with raw.copy(interaction_sql) as copy:
                for row in pending:
                    copy.write_row(row)
            interactions += len(pending)
        events = _agent_events(fixture, rules, first, days, seed)
        AgentStateEvent.objects.bulk_create(events, batch_size=5000)
        cursor.execute(f"ANALYZE {call_table}")
        cursor.execute(f"ANALYZE {interaction_table}")
    return Generated(calls, interactions, len(events), time.perf_counter() - began)

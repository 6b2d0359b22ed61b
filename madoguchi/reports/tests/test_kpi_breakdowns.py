"""Breakdowns by time bucket, queue and operator, and the non-call figures (interactions,
FAQ use, bookings, inbox, CSAT), each with hand-computed expectations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from madoguchi.calls.models import Agent, Call, Disposition, Queue
from madoguchi.inbox.models import InboxChannel, InboxMessage, Reply, ReplyChannel, SurveyResponse
from madoguchi.interactions.models import (
    Channel,
    Escalation,
    EscalationStatus,
    InteractionKind,
    Outcome,
)
from madoguchi.interactions.tests.factories import CategoryFactory, InteractionFactory
from madoguchi.reports.kpi import (
    KpiOptions,
    booking_figures,
    breakdown,
    breakdown_hours,
    breakdowns,
    calls_in_period,
    csat,
    faq_use,
    inbox_figures,
    interaction_figures,
    line_display,
    operating_hours,
)
from madoguchi.reports.periods import custom_period
from madoguchi.reports.tests.test_kpi_boundaries import imported  # noqa: F401
from madoguchi.reservations.models import BookingChannel, BookingStatus
from madoguchi.reservations.tests.factories import BookingFactory
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

pytestmark = pytest.mark.django_db

PERIOD = custom_period(date(2026, 10, 1), date(2026, 10, 12))
SINCE, UNTIL = PERIOD.since, PERIOD.until


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, second, tzinfo=TOKYO)


def test_time_breakdowns_in_one_pass(imported: Center) -> None:  # noqa: F811
    records = calls_in_period(center=imported, since=SINCE, until=UNTIL)
    names = ["interval_15", "interval_30", "day", "week", "month", "half_year", "fiscal_year"]
    hours = {
        name: breakdown_hours(center=imported, first=PERIOD.first, last=PERIOD.last, by=name)
        for name in names
    }
    total, groups = breakdowns(records, names, options=KpiOptions(), total_hours=116.0, hours=hours)
    assert (total.offered, total.answered, total.answered_per_operating_hour) == (15, 8, 8 / 116)
    days = {day: (k.offered, k.after_hours) for day, k in groups["day"].items()}
    # 10-01: 13 offered (15 − h01 − h03), after hours a01 a04 a05; 10-12: h01 h03, h02 after
    assert days == {"2026-10-01": (13, 3), "2026-10-12": (2, 1)}
    assert groups["day"]["2026-10-12"].operating_hours == pytest.approx(8.5)  # holiday hours
    assert groups["day"]["2026-10-01"].operating_hours == pytest.approx(10.5)
    # ISO weeks: 10-01 is in 2026-W40, 10-12 (Monday) starts 2026-W42
    assert {w: k.offered for w, k in groups["week"].items()} == {"2026-W40": 13, "2026-W42": 2}
    assert list(groups["month"]) == ["2026-10"]
    assert list(groups["half_year"]) == ["2026H2"]
    assert list(groups["fiscal_year"]) == ["FY2026"]
    assert groups["fiscal_year"]["FY2026"].offered == 15
    # 15-minute intervals: a06 10:00 and a07 10:10 share "10:00"; a02 08:30 in "08:30"
    assert groups["interval_15"]["10:00"].abandoned == 2
    assert groups["interval_15"]["08:30"].answered == 1
    assert groups["interval_15"]["08:15"].after_hours == 1  # a01 08:29:59
    # 08:30–08:45 is open on all 12 days → 12 × 0.25 h = 3 h
    assert groups["interval_15"]["08:30"].operating_hours == pytest.approx(3.0)
    # 18:30–19:00 on the 7 weekdays → 3.5 h; a03 (18:59:59) is its only call
    assert groups["interval_30"]["18:30"].operating_hours == pytest.approx(3.5)
    assert groups["interval_30"]["18:30"].answered == 1


def test_breakdown_hours_per_period_key(iwaki: Center) -> None:
    fy = breakdown_hours(
        center=iwaki, first=date(2026, 4, 1), last=date(2027, 3, 31), by="fiscal_year"
    )
    total = operating_hours(center=iwaki, first=date(2026, 4, 1), last=date(2027, 3, 31))
    assert fy("FY2026") == pytest.approx(total)
    halves = breakdown_hours(
        center=iwaki, first=date(2026, 4, 1), last=date(2027, 3, 31), by="half_year"
    )
    assert halves("2026H1") + halves("2026H2") == pytest.approx(total)
    assert halves("2026H1") > 0 and halves("2026H2") > 0
    line = breakdown_hours(
        center=iwaki, first=date(2026, 10, 1), last=date(2026, 10, 12), by="line"
    )
    assert line("0246-22-1111") == pytest.approx(116.0)


def test_unknown_breakdown_is_refused() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        breakdowns([], ["nonsense"], options=KpiOptions())


def test_queue_and_operator_of_live_calls(iwaki: Center) -> None:
    general = Queue.objects.create(center=iwaki, name="総合")
    english = Queue.objects.create(center=iwaki, name="英語")
    sato = Agent.objects.create(center=iwaki, name="佐藤")
    suzuki = Agent.objects.create(center=iwaki, name="鈴木")

    def live(
        queue: Queue | None, agent: Agent | None, start: datetime, wait: int, **kw: object
    ) -> None:
        answered = start + timedelta(seconds=wait) if agent else None
        Call.objects.create(
            center=iwaki,
            dialed_number="+81246221111",
            queue=queue,
            agent=agent,
            arrived_at=start,
            answered_at=answered,
            ended_at=(answered or start) + timedelta(seconds=100),
            **{"disposition": Disposition.ANSWERED if agent else Disposition.ABANDONED, **kw},
        )

    live(general, sato, at(1, 9), 4)
    live(general, sato, at(1, 10), 8)
    live(english, suzuki, at(1, 11), 30)
    live(english, None, at(1, 12), 50)
    # still in progress and unknown numbers are in no figure
    live(general, None, at(1, 13), 0, disposition=Disposition.IN_PROGRESS)
    live(None, None, at(1, 14), 0, disposition=Disposition.UNKNOWN_NUMBER)
    records = list(calls_in_period(center=iwaki, since=SINCE, until=UNTIL))
    assert len(records) == 4
    by_queue = breakdown(records, lambda r: r.queue, options=KpiOptions())
    assert {q: (k.offered, k.answered) for q, k in by_queue.items()} == {
        "総合": (2, 2),
        "英語": (2, 1),
    }
    assert by_queue["総合"].asa_s == pytest.approx((4 + 8) / 2)
    _total, groups = breakdowns(records, ["operator", "queue"], options=KpiOptions())
    assert {o: k.answered for o, k in groups["operator"].items()} == {"": 0, "佐藤": 2, "鈴木": 1}
    assert groups["queue"]["英語"].abandon_rate == pytest.approx(1 / 2)


def test_line_display() -> None:
    assert line_display("+81246221111") == "0246-22-1111"  # no InboundNumber: from the number
    assert line_display("+819012345678") == "090-1234-5678"
    assert line_display("not a number") == "not a number"


def test_interaction_figures(iwaki: Center) -> None:
    gomi = CategoryFactory(center=iwaki, name="ごみ")
    tax = CategoryFactory(center=iwaki, name="税金")
    department = iwaki.departments.get(name="市民課")
    InteractionFactory(center=iwaki, category=gomi, started_at=at(1, 9), ended_at=at(1, 9, 5))
    InteractionFactory(
        center=iwaki,
        category=gomi,
        kind=InteractionKind.COMPLAINT,
        started_at=at(2, 9),
        ended_at=at(2, 9, 20, 1),  # 1,201 s: long
    )
    handed = InteractionFactory.create(
        center=iwaki,
        category=tax,
        channel=Channel.EMAIL,
        outcome=Outcome.HANDED_TO_DEPARTMENT,
        department=department,
        started_at=at(5, 9),
        ended_at=at(5, 9, 20),  # exactly 1,200 s: not long
    )
    InteractionFactory(center=iwaki, category=tax, started_at=at(13, 9), ended_at=at(13, 9, 1))
    for status in (EscalationStatus.OPEN, EscalationStatus.REPORTED, EscalationStatus.CONFIRMED):
        Escalation.objects.create(
            interaction=handed,
            center=iwaki,
            department=department,
            status=status,
            request="回答をお願いします",
            due_on=date(2026, 10, 9),
            created_at=at(5, 10),
        )
    figures = interaction_figures(center=iwaki, since=SINCE, until=UNTIL)
    assert figures["total"] == 3  # the 10-13 one is outside
    assert figures["by_channel"] == {"email": 1, "phone": 2}
    assert figures["by_kind"] == {"complaint": 1, "inquiry": 2}
    assert figures["by_category"] == {"ごみ": 2, "税金": 1}
    assert figures["by_outcome"] == {"completed": 2, "handed_to_department": 1}
    assert figures["complaints"] == 1
    assert figures["escalations"] == {"count": 3, "completed": 2, "confirmed": 1}
    assert figures["long_interactions"] == 1
    assert figures["transfers_by_department"] == {"市民課": 1}


def test_faq_use_counts_calls_and_written_contacts_once(imported: Center) -> None:  # noqa: F811
    category = CategoryFactory(center=imported)
    # an e-mail answered with FAQ-0002 (listed twice) and FAQ-0005: once each
    InteractionFactory(
        center=imported,
        category=category,
        channel=Channel.EMAIL,
        faq_ids=["FAQ-0002", "FAQ-0002", "FAQ-0005"],
        started_at=at(2, 10),
        ended_at=at(2, 10, 5),
    )
    # still pending (not answered): not counted
    InteractionFactory(
        center=imported,
        category=category,
        channel=Channel.WEB_FORM,
        outcome=Outcome.PENDING,
        faq_ids=["FAQ-0007"],
        started_at=at(2, 11),
        ended_at=at(2, 11, 5),
    )
    # calls: FAQ-0001 a02 a03 = 2, FAQ-0002 a02 b01 = 2; plus the e-mail
    assert faq_use(center=imported, since=SINCE, until=UNTIL) == {
        "FAQ-0001": 2,
        "FAQ-0002": 3,
        "FAQ-0005": 1,
    }


def test_booking_figures(iwaki: Center) -> None:
    web = BookingFactory.create(
        slot__venue__center=iwaki, slot__service__center=iwaki, created_at=at(1, 10)
    )
    slot = web.slot
    BookingFactory(slot=slot, channel=BookingChannel.OPERATOR, created_at=at(2, 10))
    cancelled = BookingFactory.create(
        slot=slot,
        channel=BookingChannel.LINE,
        created_at=at(3, 10),
        status=BookingStatus.CANCELLED,
        cancelled_at=at(4, 10),
    )
    # a change: the old web booking ends as changed, the new one made by an operator
    new = BookingFactory.create(
        slot=slot, person=web.person, dose=2, channel=BookingChannel.OPERATOR, created_at=at(6, 10)
    )
    web.status, web.replaced_by = BookingStatus.CHANGED, new
    web.save()
    BookingFactory(slot=slot, created_at=at(20, 10))  # outside
    figures = booking_figures(center=iwaki, since=SINCE, until=UNTIL)
    # created: web (10-01), operator (10-02), line (10-03); the change's new row is "changed"
    assert figures["created"] == 3
    assert figures["created_by_channel"] == {"line": 1, "operator": 1, "web": 1}
    assert figures["cancelled"] == 1
    assert figures["cancelled_by_channel"] == {"line": 1}
    assert figures["changed"] == 1
    assert figures["changed_by_channel"] == {"operator": 1}
    assert cancelled.pk


def test_inbox_figures_and_csat(iwaki: Center) -> None:
    def message(day: int, channel: str, *, overdue: bool = False) -> InboxMessage:
        return InboxMessage.objects.create(
            center=iwaki,
            channel=channel,
            body="問い合わせ",
            received_at=at(day, 9),
            reply_due_on=date(2026, 10, day + 1),
            overdue=overdue,
        )

    replied = message(1, InboxChannel.EMAIL)
    for n in range(2):  # two replies to one message: replied once
        Reply.objects.create(
            message=replied, channel=ReplyChannel.EMAIL, body="回答", sent_at=at(1, 10 + n)
        )
    message(2, InboxChannel.WEB_FORM, overdue=True)
    message(3, InboxChannel.FAX)
    message(14, InboxChannel.EMAIL)  # outside
    figures = inbox_figures(center=iwaki, since=SINCE, until=UNTIL)
    assert figures == {
        "received": 3,
        "received_by_channel": {"email": 1, "fax": 1, "web_form": 1},
        "replied": 1,
        "overdue": 1,
    }
    for score, day in ((5, 1), (4, 2), (3, 3), (1, 4), (5, 20)):
        response = SurveyResponse.objects.create(center=iwaki, score=score)
        SurveyResponse.objects.filter(pk=response.pk).update(created_at=at(day, 12))
    # in the period: 5, 4, 3, 1 → satisfied (4–5) 2 of 4
    assert csat(center=iwaki, since=SINCE, until=UNTIL) == {
        "responses": 4,
        "satisfied": 2,
        "rate": 0.5,
    }
    assert csat(center=iwaki, since=at(25, 0), until=at(26, 0))["rate"] is None


def test_streamed_times_are_exact_to_the_microsecond(iwaki: Center) -> None:
    arrived = datetime(2026, 10, 1, 10, 0, 0, 123456, tzinfo=TOKYO)
    call = Call.objects.create(
        center=iwaki,
        dialed_number="+81246221111",
        arrived_at=arrived,
        answered_at=arrived + timedelta(seconds=4, microseconds=876544),  # 10:00:05.000000
        ended_at=arrived + timedelta(seconds=65),
        wrap_end_at=None,
        disposition=Disposition.ANSWERED,
        faq_ids=["FAQ-0001", "FAQ-0001", "FAQ-0002"],
    )
    (record,) = calls_in_period(center=iwaki, since=SINCE, until=UNTIL)
    assert record.call_id == str(call.pk)
    assert record.arrived_at == arrived
    assert record.answered_at == datetime(2026, 10, 1, 10, 0, 5, tzinfo=TOKYO)
    assert record.wrap_end_at is None
    assert record.faq_ids == ("FAQ-0001", "FAQ-0002")
    assert (record.queue, record.operator, record.in_hours) == ("", "", True)
    kpis = breakdown([record], lambda r: r.line, options=KpiOptions(service_level_s=4))
    assert kpis["+81246221111"].asa_s == pytest.approx(4.876544)
    assert kpis["+81246221111"].service_level == 0  # 4.876544 s > 4 s

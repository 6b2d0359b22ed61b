"""The KPI engine: every figure of docs KPI.md as code, over any center and period.

Calls are read once as :class:`CallRecord` tuples (live, simulated and imported calls
alike, no model instances) and fed to :class:`KpiAccumulator`, which keeps running sums
for every figure; :func:`compute` and :func:`breakdown` are thin wrappers over it, so an
annual report makes one pass over its calls for the totals and all breakdowns.

Each figure is one small function below whose docstring quotes KPI.md. The counting
options (short-abandon threshold, blocked and voicemail in offered, long-call and
service-level thresholds) come from the center's ``ReportSettings`` (:class:`KpiOptions`).
"""

from __future__ import annotations

import json
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from django.db import connection
from django.db.models import Count, FloatField, Func, Q

from madoguchi.calls.models import Agent, Call, Disposition, Queue
from madoguchi.reports.documents import Definition
from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Calendar, Center, InboundNumber
from madoguchi.tenancy.phone import phone_normalize

ANSWERED = "answered"
ABANDONED = "abandoned"
VOICEMAIL = "voicemail"
BLOCKED = "blocked"
AFTER_HOURS = "after_hours"
OUTCOMES = (ANSWERED, ABANDONED, VOICEMAIL, BLOCKED, AFTER_HOURS)

# Call.disposition → KPI.md outcome. Calls still in progress and calls to numbers that
# belong to no center are not contacts of a center yet and are left out of every figure.
_OUTCOME_OF: dict[str, str] = {
    Disposition.ANSWERED: ANSWERED,
    Disposition.ABANDONED: ABANDONED,
    Disposition.VOICEMAIL: VOICEMAIL,
    Disposition.BLOCKED: BLOCKED,
    Disposition.AFTER_HOURS: AFTER_HOURS,
    Disposition.AFTER_HOURS_FORWARDED: AFTER_HOURS,
}

_CHUNK = 5000
_TOKYO_OFFSET_S = 9 * 3600
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SLOT_S = 15 * 60  # the finest time bucket, in seconds


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class KpiOptions:
    """The per-center counting options of KPI.md (defaults = the Iwaki spec, RPT-5)."""

    #: Abandons with wait <= N seconds (inclusive) leave offered and abandoned; None = none.
    short_abandon_s: int | None = None
    include_blocked: bool = True
    include_voicemail: bool = True
    #: Answered calls with talk time strictly greater than this are long calls.
    long_call_s: int = 1200
    #: Service level counts answered calls with wait <= this.
    service_level_s: int = 20

    @classmethod
    def for_center(cls, center: Center, **overrides: Any) -> KpiOptions:
        """The center's ReportSettings (or the defaults), with ``overrides`` applied."""
        from madoguchi.reports.models import ReportSettings

        settings = ReportSettings.objects.filter(center=center).first()
        options = cls()
        if settings is not None:
            options = cls(
                short_abandon_s=settings.short_abandon_s,
                include_blocked=settings.include_blocked,
                include_voicemail=settings.include_voicemail,
                long_call_s=settings.long_call_s,
                service_level_s=settings.service_level_s,
            )
        return replace(options, **overrides) if overrides else options


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call as KPI.md sees it (a live Call row or an imported CDR)."""

    call_id: str
    line: str  # number dialed, E.164 (+81246221111)
    arrived_at: datetime  # aware; "offered_at" in the CDR CSV = queue entry / arrival
    answered_at: datetime | None
    ended_at: datetime | None
    wrap_end_at: datetime | None
    outcome: str  # answered | abandoned | voicemail | blocked | after_hours
    in_hours: bool
    queue: str = ""
    operator: str = ""
    category: str = ""
    transferred_to: str = ""
    resolved_in_center: bool | None = None
    is_switchboard_transfer: bool | None = None
    faq_ids: tuple[str, ...] = ()


class OpeningHours:
    """A calendar's opening intervals, computed once per date (KPI.md "in hours")."""

    def __init__(self, calendar: Calendar) -> None:
        loaded = Calendar.objects.prefetch_related("hours", "exceptions").get(pk=calendar.pk)
        self._rules = CalendarRules(loaded)
        self._days: dict[date, tuple[datetime, datetime] | None] = {}
        self._epochs: dict[int, tuple[float, float]] = {}

    def interval(self, day: date) -> tuple[datetime, datetime] | None:
        if day not in self._days:
            self._days[day] = self._rules.day_hours(day).interval()
        return self._days[day]

    def is_open(self, at: datetime) -> bool:
        """KPI.md: "Opening time is in, closing time is out"."""
        return self.is_open_at(at.timestamp())

    def is_open_at(self, timestamp: float) -> bool:
        """:meth:`is_open` for seconds since the epoch (Tokyo is UTC+9 all year)."""
        day = int((timestamp + _TOKYO_OFFSET_S) // 86400)
        bounds = self._epochs.get(day)
        if bounds is None:
            interval = self.interval(date.fromordinal(day + _EPOCH_ORDINAL))
            bounds = self._epochs[day] = (
                (interval[0].timestamp(), interval[1].timestamp()) if interval else (0.0, 0.0)
            )
        return bounds[0] <= timestamp < bounds[1]


def calls_in_period(*, center: Center, since: datetime, until: datetime) -> Iterator[CallRecord]:
    """Stream the center's calls (live, simulated and imported) arriving in [since, until).

    ``in_hours`` is KPI.md's: "the call's arrival time (queue entry) lies inside the
    center's opening hours for that date", from the center calendar — and a call the
    phone system or the imported record already marked after-hours stays after-hours.
    """
    opening = OpeningHours(center.calendar)
    queues = dict(Queue.objects.filter(center=center).values_list("id", "name"))
    agents = dict(Agent.objects.filter(center=center).values_list("id", "name"))
    calls = Call.objects.filter(
        center=center,
        arrived_at__gte=since,
        arrived_at__lt=until,
        disposition__in=list(_OUTCOME_OF),
    ).order_by()
    times: tuple[str, ...] = ("arrived_at", "answered_at", "ended_at", "wrap_end_at")
    postgres = connection.vendor == "postgresql"
    if postgres:
        # Django parses timestamptz and JSON in Python per row (half the time of an annual
        # report); on PostgreSQL the rows are read raw from a server-side cursor, times as
        # float8 seconds since the epoch (loaded in C, exact to the microsecond).
        calls = calls.annotate(**{f"{name}_epoch": _Epoch(name) for name in times})
        times = tuple(f"{name}_epoch" for name in times)
    rows = calls.values_list(
        "id",
        "external_id",
        "dialed_number",
        *times,
        "disposition",
        "in_hours",
        "queue_id",
        "agent_id",
        "category",
        "transferred_to",
        "resolved_in_center",
        "is_switchboard_transfer",
        "faq_ids",
    )
    if postgres:
        source: Iterable[tuple[Any, ...]] = _raw_rows(rows)
        to_datetime: Callable[[Any], datetime | None] = _from_epoch
        to_list: Callable[[Any], list[Any] | None] = _json_list
    else:
        source, to_datetime, to_list = rows.iterator(chunk_size=_CHUNK), _same, _same_list
    for (
        pk,
        external_id,
        line,
        arrived_raw,
        answered,
        ended,
        wrap_end,
        disposition,
        flagged_in_hours,
        queue_id,
        agent_id,
        category,
        transferred_to,
        resolved,
        switchboard,
        faq_ids,
    ) in source:
        outcome = _OUTCOME_OF[disposition]
        arrived = to_datetime(arrived_raw)
        assert arrived is not None  # noqa: S101  (a required column)
        arrived_ts = arrived_raw if postgres else arrived.timestamp()
        faq_list = to_list(faq_ids)
        yield CallRecord(
            external_id or str(pk),
            line,
            arrived,
            to_datetime(answered),
            to_datetime(ended),
            to_datetime(wrap_end),
            outcome,
            outcome != AFTER_HOURS and flagged_in_hours and opening.is_open_at(arrived_ts),
            queues.get(queue_id, "") if queue_id else "",
            agents.get(agent_id, "") if agent_id else "",
            category or "",
            transferred_to or "",
            resolved,
            switchboard,
            tuple(dict.fromkeys(str(f) for f in faq_list)) if faq_list else (),
        )


class _Epoch(Func):
    """Seconds since 1970-01-01 UTC as a float (PostgreSQL only; see calls_in_period)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()


def _same(value: Any) -> datetime | None:
    return cast("datetime | None", value)


def _from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _same_list(value: Any) -> list[Any] | None:
    return cast("list[Any] | None", value)


def _json_list(value: str | list[Any] | None) -> list[Any] | None:
    if value is None or value == "[]":
        return None
    return json.loads(value) if isinstance(value, str) else value


def _raw_rows(rows: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a values_list queryset from a server-side cursor, without Django's
    per-row converters (PostgreSQL: jsonb arrives as text, see _json_list)."""
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(_CHUNK):
            yield from batch


# --------------------------------------------------------------------------- operating hours


def opening_intervals(
    *, center: Center, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The center's opening intervals from ``first`` to ``last`` (both inclusive)."""
    opening = OpeningHours(center.calendar)
    intervals = []
    day = first
    while day <= last:
        interval = opening.interval(day)
        if interval is not None:
            intervals.append(interval)
        day += timedelta(days=1)
    return intervals


def operating_hours(*, center: Center, first: date, last: date) -> float:
    """KPI.md "answered per hour: answered ÷ operating hours in the period" — the opening
    hours of the center calendar over the days (holidays, closures, Dec 29–Jan 3 respected)."""
    return (
        sum(
            (closes - opens).total_seconds()
            for opens, closes in opening_intervals(center=center, first=first, last=last)
        )
        / 3600
    )


def operating_hours_by(
    *,
    center: Center,
    first: date,
    last: date,
    bucket: Callable[[datetime], str],
    step_minutes: int = 60,
) -> dict[str, float]:
    """Operating hours per bucket (e.g. per clock hour with :func:`bucket_hour`): each
    opening interval is cut at ``step_minutes`` boundaries (Tokyo) and each piece added to
    the bucket of its start."""
    hours: dict[str, float] = defaultdict(float)
    step = timedelta(minutes=step_minutes)
    for opens, closes in opening_intervals(center=center, first=first, last=last):
        local = opens.astimezone(TOKYO)
        start = local.replace(
            minute=(local.minute // step_minutes) * step_minutes if step_minutes < 60 else 0,
            second=0,
            microsecond=0,
        )
        while start < closes:
            end = start + step
            piece = (min(end, closes) - max(start, opens)).total_seconds()
            if piece > 0:
                hours[bucket(max(start, opens))] += piece / 3600
            start = end
    return dict(hours)


# --------------------------------------------------------------------------- figures


@dataclass
class Kpis:
    """Every figure of KPI.md; rates are fractions 0..1, or None when the denominator is 0."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    voicemail: int = 0
    blocked: int = 0
    after_hours: int = 0
    short_abandons: int = 0
    answer_rate: float | None = None
    abandon_rate: float | None = None
    asa_s: float | None = None
    service_level: float | None = None
    first_contact_completion_rate: float | None = None
    first_answer_rate: float | None = None
    avg_abandon_wait_s: float | None = None
    avg_talk_s: float | None = None
    avg_wrap_s: float | None = None
    avg_handle_s: float | None = None
    long_calls: int = 0
    transfers: int = 0
    switchboard_transfers: int = 0
    operating_hours: float = 0.0
    answered_per_operating_hour: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def is_short_abandon(record: CallRecord, options: KpiOptions) -> bool:
    """KPI.md offered: "short-abandon threshold (none; e.g. 5 s → abandons with wait ≤ 5 s
    inclusive leave offered and abandoned)"."""
    if options.short_abandon_s is None or record.outcome != ABANDONED:
        return False
    if record.ended_at is None:
        return False
    return (record.ended_at - record.arrived_at).total_seconds() <= options.short_abandon_s


def is_offered(record: CallRecord, options: KpiOptions) -> bool:
    """KPI.md offered (総着信呼数): "in-hours calls: answered + abandoned + voicemail +
    blocked (busy). After-hours calls are counted apart and never offered." Blocked and
    voicemail are included unless the center says otherwise; short abandons leave."""
    if not record.in_hours:
        return False
    if record.outcome == ANSWERED:
        return True
    if record.outcome == ABANDONED:
        return not is_short_abandon(record, options)
    if record.outcome == VOICEMAIL:
        return options.include_voicemail
    if record.outcome == BLOCKED:
        return options.include_blocked
    return False


def is_answered(record: CallRecord) -> bool:
    """KPI.md answered (応答数): "offered calls connected to an operator"."""
    return record.in_hours and record.outcome == ANSWERED and record.answered_at is not None


def is_abandoned(record: CallRecord, options: KpiOptions) -> bool:
    """KPI.md abandoned (放棄呼): "offered calls where the caller hung up while waiting"."""
    return record.in_hours and record.outcome == ABANDONED and not is_short_abandon(record, options)


def wait_s(record: CallRecord) -> float | None:
    """Seconds from arrival to answer (ASA counts from arrival, zero waits included)."""
    if record.answered_at is None:
        return None
    return (record.answered_at - record.arrived_at).total_seconds()


def abandon_wait_s(record: CallRecord) -> float | None:
    """KPI.md average abandon wait: "hang-up − arrival"."""
    if record.ended_at is None:
        return None
    return (record.ended_at - record.arrived_at).total_seconds()


def talk_s(record: CallRecord) -> float | None:
    """KPI.md average talk time: "end − answered"."""
    if record.answered_at is None or record.ended_at is None:
        return None
    return (record.ended_at - record.answered_at).total_seconds()


def wrap_s(record: CallRecord) -> float | None:
    """KPI.md average wrap-up: "wrap end − end" (no wrap end recorded = no wrap-up, 0 s)."""
    if record.ended_at is None:
        return None
    end = record.wrap_end_at or record.ended_at
    return (end - record.ended_at).total_seconds()


def handle_s(record: CallRecord) -> float | None:
    """KPI.md AHT: "wrap end − answered" (talk + wrap-up)."""
    if record.answered_at is None or record.ended_at is None:
        return None
    end = record.wrap_end_at or record.ended_at
    return (end - record.answered_at).total_seconds()


def is_completed_in_center(record: CallRecord) -> bool:
    """KPI.md first-contact completion: "answered calls completed in the center ...
    Switchboard transfers (電話交換) and proper hand-overs to the owning department
    (取次ぎ) count as completed." The record's ``resolved_in_center`` is true for those
    (interactions.COMPLETED_OUTCOMES); unknown (no record) is not completed."""
    return bool(record.resolved_in_center) or bool(record.is_switchboard_transfer)


def is_long_call(record: CallRecord, options: KpiOptions) -> bool:
    """KPI.md long calls (長時間対応): "answered calls with talk time strictly greater than
    the threshold (default 1,200 s)"."""
    talk = talk_s(record)
    return talk is not None and talk > options.long_call_s


def answer_rate(answered: int, offered: int) -> float | None:
    """KPI.md 受電応答率: "answered ÷ offered"."""
    return _ratio(answered, offered)


def abandon_rate(abandoned: int, offered: int) -> float | None:
    """KPI.md abandon rate: "abandoned ÷ offered"."""
    return _ratio(abandoned, offered)


def asa(total_wait_s: float, answered: int) -> float | None:
    """KPI.md ASA 平均応答時間: "Σ(answered − arrival) over answered ÷ answered (zero waits
    included)"."""
    return _ratio(total_wait_s, answered)


def service_level(answered_within: int, offered: int) -> float | None:
    """KPI.md service level (X s): "answered with wait ≤ X ÷ offered"."""
    return _ratio(answered_within, offered)


def first_contact_completion_rate(completed: int, answered: int) -> float | None:
    """KPI.md 一次応対完了率: "answered calls completed in the center ÷ answered"."""
    return _ratio(completed, answered)


def first_answer_rate(
    completed_not_switchboard: int, answered_not_switchboard: int
) -> float | None:
    """KPI.md 一次回答率: "answered calls answered and completed by the center, switchboard
    transfers excluded ÷ answered calls excluding switchboard transfers"."""
    return _ratio(completed_not_switchboard, answered_not_switchboard)


def average(total_s: float, count: int) -> float | None:
    """KPI.md averages (abandon wait, talk, wrap-up, AHT): a sum of seconds ÷ a count."""
    return _ratio(total_s, count)


def answered_per_operating_hour(answered: int, hours: float) -> float | None:
    """KPI.md answered per hour: "answered ÷ operating hours in the period"."""
    return _ratio(answered, hours)


# The running sums of a group of calls, by position (one list per group, added with a
# C-level ``map``: an annual report adds every call to several groups).
(
    _OFFERED,
    _ANSWERED,
    _ABANDONED,
    _VOICEMAIL,
    _BLOCKED,
    _AFTER_HOURS,
    _SHORT_ABANDONS,
    _WITHIN_SL,
    _WAIT_S,
    _ABANDON_WAIT_S,
    _ABANDON_WAIT_N,
    _TALK_S,
    _WRAP_S,
    _HANDLE_S,
    _HANDLED_N,
    _COMPLETED,
    _COMPLETED_NOT_SWITCHBOARD,
    _SWITCHBOARD,
    _TRANSFERS,
    _LONG_CALLS,
) = range(20)
_SIZE = 20
Facts = tuple[float, ...]


def record_facts(record: CallRecord, options: KpiOptions) -> Facts:
    """What one call adds to each running sum of :class:`KpiAccumulator` (the rules of the
    figures above, applied once per call)."""
    facts = [0.0] * _SIZE
    if not record.in_hours:
        facts[_AFTER_HOURS] = 1
        return tuple(facts)
    outcome = record.outcome
    if outcome == VOICEMAIL:
        facts[_VOICEMAIL] = 1
    elif outcome == BLOCKED:
        facts[_BLOCKED] = 1
    elif outcome == ABANDONED and is_short_abandon(record, options):
        facts[_SHORT_ABANDONS] = 1
    if not is_offered(record, options):
        return tuple(facts)
    facts[_OFFERED] = 1
    if is_abandoned(record, options):
        facts[_ABANDONED] = 1
        waited = abandon_wait_s(record)
        if waited is not None:
            facts[_ABANDON_WAIT_S] = waited
            facts[_ABANDON_WAIT_N] = 1
        return tuple(facts)
    if not is_answered(record):
        return tuple(facts)
    facts[_ANSWERED] = 1
    waited = wait_s(record) or 0.0
    facts[_WAIT_S] = waited
    facts[_WITHIN_SL] = waited <= options.service_level_s
    talk, wrap, handle = talk_s(record), wrap_s(record), handle_s(record)
    if talk is not None and wrap is not None and handle is not None:
        facts[_TALK_S], facts[_WRAP_S], facts[_HANDLE_S] = talk, wrap, handle
        facts[_HANDLED_N] = 1
        facts[_LONG_CALLS] = is_long_call(record, options)
    completed = is_completed_in_center(record)
    facts[_COMPLETED] = completed
    if record.is_switchboard_transfer:
        facts[_SWITCHBOARD] = 1
    else:
        facts[_COMPLETED_NOT_SWITCHBOARD] = completed
    facts[_TRANSFERS] = bool(record.transferred_to)
    return tuple(facts)


class KpiAccumulator:
    """Running sums of one group of calls; :meth:`result` turns them into :class:`Kpis`."""

    __slots__ = ("options", "sums")

    def __init__(self, options: KpiOptions) -> None:
        self.options = options
        self.sums: list[float] = [0.0] * _SIZE

    def add(self, record: CallRecord) -> None:
        self.add_facts(record_facts(record, self.options))

    def add_facts(self, facts: Facts) -> None:
        self.sums = list(map(operator.add, self.sums, facts))

    def merge(self, other: KpiAccumulator) -> None:
        self.add_facts(tuple(other.sums))

    def result(self, operating_hours: float = 0.0) -> Kpis:
        sums = self.sums
        answered = int(sums[_ANSWERED])
        offered = int(sums[_OFFERED])
        abandoned = int(sums[_ABANDONED])
        handled = int(sums[_HANDLED_N])
        return Kpis(
            offered=offered,
            answered=answered,
            abandoned=abandoned,
            voicemail=int(sums[_VOICEMAIL]),
            blocked=int(sums[_BLOCKED]),
            after_hours=int(sums[_AFTER_HOURS]),
            short_abandons=int(sums[_SHORT_ABANDONS]),
            answer_rate=answer_rate(answered, offered),
            abandon_rate=abandon_rate(abandoned, offered),
            asa_s=asa(sums[_WAIT_S], answered),
            service_level=service_level(int(sums[_WITHIN_SL]), offered),
            first_contact_completion_rate=first_contact_completion_rate(
                int(sums[_COMPLETED]), answered
            ),
            first_answer_rate=first_answer_rate(
                int(sums[_COMPLETED_NOT_SWITCHBOARD]), answered - int(sums[_SWITCHBOARD])
            ),
            avg_abandon_wait_s=average(sums[_ABANDON_WAIT_S], int(sums[_ABANDON_WAIT_N])),
            avg_talk_s=average(sums[_TALK_S], handled),
            avg_wrap_s=average(sums[_WRAP_S], handled),
            avg_handle_s=average(sums[_HANDLE_S], handled),
            long_calls=int(sums[_LONG_CALLS]),
            transfers=int(sums[_TRANSFERS]),
            switchboard_transfers=int(sums[_SWITCHBOARD]),
            operating_hours=operating_hours,
            answered_per_operating_hour=answered_per_operating_hour(answered, operating_hours),
        )


def compute(records: Iterable[CallRecord], *, options: KpiOptions, operating_hours: float) -> Kpis:
    """Every KPI.md figure over ``records`` (pure: no database)."""
    accumulator = KpiAccumulator(options)
    for record in records:
        accumulator.add(record)
    return accumulator.result(operating_hours)


def breakdown(
    records: Iterable[CallRecord],
    key: Callable[[CallRecord], str],
    *,
    options: KpiOptions,
    hours: Callable[[str], float] | None = None,
) -> dict[str, Kpis]:
    """The figures per ``key`` (sorted by key); ``hours(key)`` gives each group's
    operating hours (0 → answered per operating hour is None)."""
    groups: dict[str, KpiAccumulator] = {}
    for record in records:
        name = key(record)
        group = groups.get(name)
        if group is None:
            group = groups[name] = KpiAccumulator(options)
        group.add(record)
    return {name: groups[name].result(hours(name) if hours else 0.0) for name in sorted(groups)}


# --------------------------------------------------------------------------- buckets


def _local(at: datetime) -> datetime:
    return at.astimezone(TOKYO)


def bucket_interval(at: datetime, minutes: int) -> str:
    """Start of the 15/30/60-minute interval of ``at`` in Tokyo, e.g. "09:15"."""
    if minutes not in (15, 30, 60):
        raise ValueError("interval must be 15, 30 or 60 minutes")
    local = _local(at)
    return f"{local.hour:02d}:{(local.minute // minutes) * minutes:02d}"


def bucket_hour(at: datetime) -> str:
    """KPI.md hour buckets: "clock hour of arrival" (Tokyo), e.g. "09"."""
    return f"{_local(at).hour:02d}"


def bucket_day(at: datetime) -> str:
    return _local(at).date().isoformat()


def bucket_week(at: datetime) -> str:
    """ISO week (Monday first), e.g. "2026-W40"."""
    year, week, _day = _local(at).isocalendar()
    return f"{year}-W{week:02d}"


def bucket_month(at: datetime) -> str:
    local = _local(at)
    return f"{local.year}-{local.month:02d}"


def _fiscal_year(local: datetime) -> int:
    return local.year if local.month >= 4 else local.year - 1


def bucket_half_year(at: datetime) -> str:
    """Fiscal half year: "2026H1" = April–September of FY2026, "2026H2" = October–March."""
    local = _local(at)
    half = "H1" if 4 <= local.month <= 9 else "H2"
    return f"{_fiscal_year(local)}{half}"


def bucket_fiscal_year(at: datetime) -> str:
    """Fiscal year (April–March), e.g. "FY2026"."""
    return f"FY{_fiscal_year(_local(at))}"


def line_display(e164: str) -> str:
    """ "+81246221111" → "0246-22-1111" (the InboundNumber's display when known)."""
    known = InboundNumber.objects.filter(e164=e164).values_list("display", flat=True).first()
    if known:
        return known
    try:
        return phone_normalize(e164).display
    except TenancyError:
        return e164


# --------------------------------------------------------------------------- named breakdowns


def _interval_key(minutes: int) -> Callable[[CallRecord], str]:
    return lambda record: bucket_interval(record.arrived_at, minutes)


#: The breakdowns of issue 7 by name → the key of a record. Interval keys are the time of
#: day ("09:15", summed over the days of the period); "line" is keyed by the national
#: display form ("0246-22-1111") in :func:`breakdowns`.
BREAKDOWN_KEYS: dict[str, Callable[[CallRecord], str]] = {
    "interval_15": _interval_key(15),
    "interval_30": _interval_key(30),
    "interval_60": _interval_key(60),
    "hour": lambda record: bucket_hour(record.arrived_at),
    "day": lambda record: bucket_day(record.arrived_at),
    "week": lambda record: bucket_week(record.arrived_at),
    "month": lambda record: bucket_month(record.arrived_at),
    "half_year": lambda record: bucket_half_year(record.arrived_at),
    "fiscal_year": lambda record: bucket_fiscal_year(record.arrived_at),
    "line": lambda record: record.line,
    "queue": lambda record: record.queue,
    "operator": lambda record: record.operator,
    "category": lambda record: record.category,
}

# Breakdowns by time: the bucket of an instant and the step to cut opening hours at.
_TIME_BUCKETS: dict[str, tuple[Callable[[datetime], str], int]] = {
    "interval_15": (lambda at: bucket_interval(at, 15), 15),
    "interval_30": (lambda at: bucket_interval(at, 30), 30),
    "interval_60": (lambda at: bucket_interval(at, 60), 60),
    "hour": (bucket_hour, 60),
    "day": (bucket_day, 60),
    "week": (bucket_week, 60),
    "month": (bucket_month, 60),
    "half_year": (bucket_half_year, 60),
    "fiscal_year": (bucket_fiscal_year, 60),
}


def breakdown_hours(*, center: Center, first: date, last: date, by: str) -> Callable[[str], float]:
    """Operating hours of each group of the breakdown ``by``: the opening hours falling in
    that time bucket (interval, hour, day…), or the whole period's for the other keys
    (line, queue, operator, category: each is open whenever the center is)."""
    if by in _TIME_BUCKETS:
        bucket, step = _TIME_BUCKETS[by]
        per_bucket = operating_hours_by(
            center=center, first=first, last=last, bucket=bucket, step_minutes=step
        )
        return lambda name: per_bucket.get(name, 0.0)
    total = operating_hours(center=center, first=first, last=last)
    return lambda _name: total


def breakdowns(
    records: Iterable[CallRecord],
    names: Iterable[str],
    *,
    options: KpiOptions,
    total_hours: float = 0.0,
    hours: dict[str, Callable[[str], float]] | None = None,
) -> tuple[Kpis, dict[str, dict[str, Kpis]]]:
    """The totals and several named breakdowns (:data:`BREAKDOWN_KEYS`) in ONE pass over
    ``records``; ``total_hours`` is the period's operating hours, ``hours[name]`` gives
    the operating hours per group (see :func:`breakdown_hours`). Groups come sorted."""
    names = list(names)
    unknown = [name for name in names if name not in BREAKDOWN_KEYS]
    if unknown:
        raise ValueError(f"unknown breakdown: {', '.join(unknown)}")
    hours = hours or {}
    # Every time bucket (15/30/60-minute interval … fiscal year) is constant within a
    # 15-minute slot of Tokyo time, so calls are summed per slot once and the slots are
    # rolled up into the time breakdowns; the other keys are summed per call.
    slots: dict[int, KpiAccumulator] = {}
    others: list[tuple[str, Callable[[CallRecord], str], dict[str, KpiAccumulator]]] = [
        (name, BREAKDOWN_KEYS[name], {}) for name in names if name not in _TIME_BUCKETS
    ]
    for record in records:
        facts = record_facts(record, options)
        slot_key = int(record.arrived_at.timestamp()) // _SLOT_S
        slot = slots.get(slot_key)
        if slot is None:
            slot = slots[slot_key] = KpiAccumulator(options)
        slot.add_facts(facts)
        for _name, key, groups in others:
            group_key = key(record)
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = KpiAccumulator(options)
            group.add_facts(facts)
    total = KpiAccumulator(options)
    by_time: dict[str, dict[str, KpiAccumulator]] = {
        name: {} for name in names if name in _TIME_BUCKETS
    }
    for slot_key, slot in slots.items():
        total.merge(slot)
        start = datetime.fromtimestamp(slot_key * _SLOT_S, TOKYO)
        for name, groups in by_time.items():
            group_key = _TIME_BUCKETS[name][0](start)
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = KpiAccumulator(options)
            group.merge(slot)
    all_groups = {**by_time, **{name: groups for name, _key, groups in others}}
    result: dict[str, dict[str, Kpis]] = {}
    for name in names:
        groups = all_groups[name]
        group_hours = hours.get(name)
        figures = {
            group_key: groups[group_key].result(group_hours(group_key) if group_hours else 0.0)
            for group_key in sorted(groups)
        }
        if name == "line":
            figures = {line_display(line): kpis for line, kpis in figures.items()}
        result[name] = figures
    return total.result(total_hours), result


# --------------------------------------------------------------------------- other figures


def interaction_figures(*, center: Center, since: datetime, until: datetime) -> dict[str, Any]:
    """Interactions started in [since, until): counts by channel, kind, category, outcome;
    complaints; escalations created (count, reported done, confirmed by the city); long
    interactions (talk strictly greater than the long-call threshold); hand-overs by
    department."""
    from madoguchi.interactions.models import (
        Escalation,
        EscalationStatus,
        Interaction,
        InteractionKind,
        Outcome,
    )

    options = KpiOptions.for_center(center)
    rows = Interaction.objects.filter(
        center=center, started_at__gte=since, started_at__lt=until
    ).order_by()
    by_channel: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    transfers: Counter[str] = Counter()
    long_interactions = 0
    total = 0
    for channel, kind, category, outcome, department, started, ended in rows.values_list(
        "channel", "kind", "category__name", "outcome", "department__name", "started_at", "ended_at"
    ).iterator(chunk_size=_CHUNK):
        total += 1
        by_channel[channel] += 1
        by_kind[kind] += 1
        by_category[category or ""] += 1
        by_outcome[outcome] += 1
        if outcome == Outcome.HANDED_TO_DEPARTMENT:
            transfers[department or ""] += 1
        if (ended - started).total_seconds() > options.long_call_s:
            long_interactions += 1
    escalations = Escalation.objects.filter(
        center=center, created_at__gte=since, created_at__lt=until
    ).aggregate(
        count=Count("id"),
        completed=Count(
            "id", filter=Q(status__in=[EscalationStatus.REPORTED, EscalationStatus.CONFIRMED])
        ),
        confirmed=Count("id", filter=Q(status=EscalationStatus.CONFIRMED)),
    )
    return {
        "total": total,
        "by_channel": dict(sorted(by_channel.items())),
        "by_kind": dict(sorted(by_kind.items())),
        "by_category": dict(sorted(by_category.items())),
        "by_outcome": dict(sorted(by_outcome.items())),
        "complaints": by_kind.get(InteractionKind.COMPLAINT, 0),
        "escalations": {
            "count": escalations["count"],
            "completed": escalations["completed"],
            "confirmed": escalations["confirmed"],
        },
        "long_interactions": long_interactions,
        "transfers_by_department": dict(sorted(transfers.items())),
    }


def faq_use(*, center: Center, since: datetime, until: datetime) -> dict[str, int]:
    """KPI.md FAQ use: "per FAQ, number of answered contacts whose record lists it (once per
    contact)". Contacts are the answered calls arriving in [since, until) (live and
    imported; a call's FAQ list comes from its interaction record) plus the answered
    interactions of other channels started then (records without a call, not pending)."""
    counts: Counter[str] = Counter()
    opening = OpeningHours(center.calendar)
    # Only what is_answered() looks at, for the answered calls (an annual report's FAQ
    # table should not cost a second full pass over every call).
    answered = (
        Call.objects.filter(
            center=center,
            arrived_at__gte=since,
            arrived_at__lt=until,
            disposition=Disposition.ANSWERED,
            answered_at__isnull=False,
            in_hours=True,
        )
        .order_by()
        .values_list("arrived_at", "faq_ids")
    )
    for arrived, faq_ids in answered.iterator(chunk_size=_CHUNK):
        if faq_ids and opening.is_open(arrived):
            counts.update({str(f) for f in faq_ids})
    _add_interaction_faq_use(counts, center=center, since=since, until=until)
    return dict(sorted(counts.items()))


def _add_interaction_faq_use(
    counts: Counter[str], *, center: Center, since: datetime, until: datetime
) -> None:
    from madoguchi.interactions.models import Interaction, Outcome

    rows = (
        Interaction.objects.filter(
            center=center, started_at__gte=since, started_at__lt=until, call__isnull=True
        )
        .exclude(outcome=Outcome.PENDING)
        .order_by()
        .values_list("faq_ids", flat=True)
    )
    for faq_ids in rows.iterator(chunk_size=_CHUNK):
        counts.update({str(f) for f in faq_ids or []})


def booking_figures(*, center: Center, since: datetime, until: datetime) -> dict[str, Any]:
    """Bookings made, cancelled and changed in [since, until), by channel. A change ends
    the old booking (status changed) and creates a new one; it is counted once as changed
    (by the new booking's channel and time) and not as created."""
    from madoguchi.reservations.models import Booking, BookingStatus

    bookings = Booking.objects.filter(center=center).order_by()
    changes = bookings.filter(
        status=BookingStatus.CHANGED,
        replaced_by__created_at__gte=since,
        replaced_by__created_at__lt=until,
    )
    changed_ids = set(changes.values_list("replaced_by_id", flat=True))
    created: Counter[str] = Counter()
    for pk, channel in bookings.filter(created_at__gte=since, created_at__lt=until).values_list(
        "pk", "channel"
    ):
        if pk not in changed_ids:
            created[channel] += 1
    cancelled = Counter(
        bookings.filter(cancelled_at__gte=since, cancelled_at__lt=until).values_list(
            "channel", flat=True
        )
    )
    changed = Counter(changes.values_list("replaced_by__channel", flat=True))
    return {
        "created": sum(created.values()),
        "cancelled": sum(cancelled.values()),
        "changed": sum(changed.values()),
        "created_by_channel": dict(sorted(created.items())),
        "cancelled_by_channel": dict(sorted(cancelled.items())),
        "changed_by_channel": dict(sorted(changed.items())),
    }


def inbox_figures(*, center: Center, since: datetime, until: datetime) -> dict[str, Any]:
    """Written inquiries received in [since, until): by channel, how many have a reply,
    and how many are past their reply date (overdue)."""
    from madoguchi.inbox.models import InboxMessage

    messages = InboxMessage.objects.filter(
        center=center, received_at__gte=since, received_at__lt=until
    ).order_by()
    by_channel = Counter(messages.values_list("channel", flat=True))
    return {
        "received": sum(by_channel.values()),
        "received_by_channel": dict(sorted(by_channel.items())),
        "replied": messages.filter(replies__isnull=False).distinct().count(),
        "overdue": messages.filter(overdue=True).count(),
    }


def csat(*, center: Center, since: datetime, until: datetime) -> dict[str, Any]:
    """KPI.md CSAT: "responses scoring 4 or 5 ÷ all responses" (responses in [since, until))."""
    from madoguchi.inbox.models import SurveyResponse

    figures = SurveyResponse.objects.filter(
        center=center, created_at__gte=since, created_at__lt=until
    ).aggregate(responses=Count("id"), satisfied=Count("id", filter=Q(score__gte=4)))
    return {
        "responses": figures["responses"],
        "satisfied": figures["satisfied"],
        "rate": _ratio(figures["satisfied"], figures["responses"]),
    }


# --------------------------------------------------------------------------- summary


def _counting_faq_use(records: Iterable[CallRecord], counts: Counter[str]) -> Iterator[CallRecord]:
    """Pass ``records`` through, counting the FAQ use of the answered ones on the way."""
    for record in records:
        if is_answered(record):
            counts.update(set(record.faq_ids))
        yield record


def _since_until(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, tzinfo=TOKYO),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=TOKYO),
    )


def kpi_summary(*, center: Center, first: date, last: date, options: KpiOptions) -> dict[str, Any]:
    """The JSON object of ``madoguchi kpi``: every Kpis key at top level plus by_line
    (keyed "0246-22-1111"), by_hour ("09"…), by_category (each with the same keys) and
    faq_use — one pass over the calls of [first, last] (Tokyo dates)."""
    since, until = _since_until(first, last)
    faq_counts: Counter[str] = Counter()
    records = _counting_faq_use(
        calls_in_period(center=center, since=since, until=until), faq_counts
    )
    names = ("line", "hour", "category")
    total, groups = breakdowns(
        records,
        names,
        options=options,
        total_hours=operating_hours(center=center, first=first, last=last),
        hours={
            name: breakdown_hours(center=center, first=first, last=last, by=name) for name in names
        },
    )
    _add_interaction_faq_use(faq_counts, center=center, since=since, until=until)
    result: dict[str, Any] = {
        "center": center.slug,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "options": asdict(options),
    }
    result.update(total.as_dict())
    for name in names:
        result[f"by_{name}"] = {key: kpis.as_dict() for key, kpis in groups[name].items()}
    result["faq_use"] = dict(sorted(faq_counts.items()))
    return result


# --------------------------------------------------------------------------- definitions

DEFINITIONS: list[Definition] = [
    Definition(
        "受付時間内",
        "着信（キュー到着）時刻がその日のセンターの受付時間内にあること。開始時刻は含み、"
        "終了時刻は含まない（18:59:59 に着信し 19:00:20 に応答した呼は時間内）。",
    ),
    Definition(
        "総着信呼数",
        "受付時間内の応答＋放棄＋留守番電話＋話中（満杯）。時間外の着信は別に数え、"
        "着信数には含めない。話中・留守番電話を含めるか、短時間放棄（待ち時間が閾値以下）を"
        "除くかはセンターの設定による。",
    ),
    Definition("応答数", "総着信呼数のうちオペレーターにつながった呼"),
    Definition("放棄呼", "総着信呼数のうち待ち時間中に発信者が切断した呼"),
    Definition("受電応答率", "応答数 ÷ 総着信呼数"),
    Definition("放棄率", "放棄呼数 ÷ 総着信呼数"),
    Definition("平均応答時間（ASA）", "Σ（応答時刻 − 着信時刻）÷ 応答数（待ち時間0秒を含む）"),
    Definition("サービスレベル", "待ち時間が閾値（秒）以下で応答した呼 ÷ 総着信呼数"),
    Definition(
        "一次応対完了率",
        "センターで完了した応答呼 ÷ 応答数。電話交換および所管課への適切な取次ぎは完了とみなす。",
    ),
    Definition(
        "一次回答率",
        "センターで回答・完了した応答呼（電話交換を除く）÷ 電話交換を除く応答数",
    ),
    Definition("平均放棄呼時間", "Σ（切断時刻 − 着信時刻）÷ 放棄呼数"),
    Definition("平均通話時間", "Σ（終話時刻 − 応答時刻）÷ 応答数"),
    Definition("平均後処理時間", "Σ（後処理終了時刻 − 終話時刻）÷ 応答数"),
    Definition("平均処理時間（AHT）", "Σ（後処理終了時刻 − 応答時刻）÷ 応答数"),
    Definition("時間当たり応答数", "応答数 ÷ 期間中の受付時間（時間）"),
    Definition(
        "長時間対応", "通話時間が閾値（既定 1,200 秒）を超える応答呼（閾値ちょうどは含まない）"
    ),
    Definition("時間帯別", "着信時刻（日本時間）の時（0〜23時）で区分"),
    Definition("FAQ使用数", "FAQごとに、その FAQ を記録に挙げた応答済みの対応件数（1件につき1回）"),
    Definition("顧客満足度", "評価4または5の回答数 ÷ 全回答数"),
]

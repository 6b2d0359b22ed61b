"""The staffing calculator behind ``madoguchi staffing`` and the console (WFM-1).

One query (calls per hour, handle time, optional patience and line limit, one target or a
fixed number of agents) → one :class:`StaffingResult`. The model follows the inputs:

* no ``patience_s`` and no ``lines`` → **Erlang C** (M/M/N, nobody abandons);
* ``lines`` equal to the agents → **Erlang B** (no waiting room: a caller who finds every
  line busy is blocked; patience plays no part);
* otherwise → **Erlang A** (M/M/N+M with mean patience ``patience_s``, infinite when
  absent, and at most ``lines`` callers in the system).

Conventions (docs/staffing.md): ``service_level`` = answered within the threshold ÷ offered;
``asa_answered_s`` = mean wait of the answered calls; every fraction is of offered calls.
Required agents are the smallest N meeting the target (and ``max_occupancy``); shrinkage is
applied afterwards as ⌈N / (1 − shrinkage)⌉ (``scheduled_agents``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from madoguchi.workforce import erlang
from madoguchi.workforce.errors import WorkforceError

MAX_AGENTS = 10_000


class Model(StrEnum):
    ERLANG_B = "erlang_b"
    ERLANG_C = "erlang_c"
    ERLANG_A = "erlang_a"


class TargetKind(StrEnum):
    ANSWER_RATE = "answer_rate"
    SERVICE_LEVEL = "service_level"
    ASA = "asa"
    AGENTS = "agents"


@dataclass(frozen=True, slots=True)
class StaffingQuery:
    calls_per_hour: float
    aht_s: float
    target: TargetKind
    target_value: float  # a fraction, seconds (ASA) or the number of agents
    patience_s: float | None = None
    lines: int | None = None
    threshold_s: float = 20.0
    max_occupancy: float | None = None
    shrinkage: float = 0.0


@dataclass(frozen=True, slots=True)
class StaffingResult:
    model: Model
    agents: int
    scheduled_agents: int
    load_erlangs: float
    p_wait: float
    p_abandon: float
    p_blocked: float
    p_answered: float
    asa_answered_s: float
    service_level: float
    occupancy: float
    threshold_s: float

    def as_dict(self) -> dict[str, object]:
        def fig(value: float) -> float | None:
            return None if math.isinf(value) or math.isnan(value) else value

        return {
            "model": str(self.model),
            "agents": self.agents,
            "scheduled_agents": self.scheduled_agents,
            "load_erlangs": fig(self.load_erlangs),
            "p_wait": fig(self.p_wait),
            "p_abandon": fig(self.p_abandon),
            "p_blocked": fig(self.p_blocked),
            "p_answered": fig(self.p_answered),
            "asa_answered_s": fig(self.asa_answered_s),
            "service_level": fig(self.service_level),
            "threshold_s": self.threshold_s,
            "occupancy": fig(self.occupancy),
        }


def _fail(message: str, field: str) -> WorkforceError:
    return WorkforceError(message, field=field)


def _validate(q: StaffingQuery) -> None:
    if not (math.isfinite(q.calls_per_hour) and q.calls_per_hour >= 0):
        raise _fail(_("1時間あたりの入電数は0以上の数値で指定してください。"), "calls_per_hour")
    if not (math.isfinite(q.aht_s) and q.aht_s > 0):
        raise _fail(_("平均処理時間は正の秒数で指定してください。"), "aht_s")
    if q.patience_s is not None and not (math.isfinite(q.patience_s) and q.patience_s > 0):
        raise _fail(_("平均放棄時間は正の秒数で指定してください。"), "patience_s")
    if q.lines is not None and q.lines < 1:
        raise _fail(_("回線数は1以上で指定してください。"), "lines")
    if not (math.isfinite(q.threshold_s) and q.threshold_s >= 0):
        raise _fail(_("サービスレベルの基準秒数は0以上で指定してください。"), "threshold_s")
    if q.max_occupancy is not None and not (0 < q.max_occupancy <= 1):
        raise _fail(_("稼働率の上限は0より大きく1以下で指定してください。"), "max_occupancy")
    if not (0 <= q.shrinkage < 1):
        raise _fail(_("シュリンケージは0以上1未満で指定してください。"), "shrinkage")
    value = q.target_value
    if q.target in (TargetKind.ANSWER_RATE, TargetKind.SERVICE_LEVEL):
        if not (0 < value < 1):
            raise _fail(_("目標の率は0より大きく1未満（例 0.9）で指定してください。"), "target")
    elif q.target == TargetKind.ASA:
        if not (math.isfinite(value) and value > 0):
            raise _fail(_("目標の平均応答時間は正の秒数で指定してください。"), "target")
    elif not (value >= 1 and float(value).is_integer()):
        raise _fail(_("要員数は1以上の整数で指定してください。"), "target")
    if q.target == TargetKind.AGENTS and q.lines is not None and q.lines < value:
        raise _fail(
            _("回線数（%(lines)s）が要員数（%(agents)s）より少なくなっています。")
            % {"lines": q.lines, "agents": int(value)},
            "lines",
        )


def _model(q: StaffingQuery, agents: int) -> Model:
    if q.lines is not None and q.lines == agents:
        return Model.ERLANG_B
    if q.patience_s is None and q.lines is None:
        return Model.ERLANG_C
    return Model.ERLANG_A


def evaluate(q: StaffingQuery, agents: int) -> StaffingResult:
    """The figures for ``agents`` on the phones (no target search)."""
    load = q.calls_per_hour * q.aht_s / erlang.SECONDS_PER_HOUR
    model = _model(q, agents)
    if model == Model.ERLANG_C:
        c = erlang.erlang_c(agents, load, q.aht_s)
        if not c.stable:
            raise _fail(
                _(
                    "負荷 %(load).2f アーランに対して要員 %(agents)s 名では待ち行列が"
                    "限りなく伸びます（アーラン C）。要員を増やすか平均放棄時間を"
                    "指定してください。"
                )
                % {"load": load, "agents": agents},
                "target",
            )
        return StaffingResult(
            model=model,
            agents=agents,
            scheduled_agents=erlang.with_shrinkage(agents, q.shrinkage),
            load_erlangs=load,
            p_wait=c.p_wait,
            p_abandon=0.0,
            p_blocked=0.0,
            p_answered=1.0,
            asa_answered_s=c.asa_s,
            service_level=c.service_level(q.threshold_s),
            occupancy=c.occupancy,
            threshold_s=q.threshold_s,
        )
    if model == Model.ERLANG_B:
        b = erlang.erlang_b(agents, load)
        answered = 1.0 - b
        return StaffingResult(
            model=model,
            agents=agents,
            scheduled_agents=erlang.with_shrinkage(agents, q.shrinkage),
            load_erlangs=load,
            p_wait=0.0,
            p_abandon=0.0,
            p_blocked=b,
            p_answered=answered,
            asa_answered_s=0.0,
            service_level=answered,
            occupancy=load * answered / agents,
            threshold_s=q.threshold_s,
        )
    patience = math.inf if q.patience_s is None else q.patience_s
    try:
        a = erlang.erlang_a(q.calls_per_hour, q.aht_s, patience, agents, q.threshold_s, q.lines)
    except ValueError as exc:
        raise _fail(
            _("この条件では計算できません（%(reason)s）。") % {"reason": exc}, "target"
        ) from exc
    return StaffingResult(
        model=model,
        agents=agents,
        scheduled_agents=erlang.with_shrinkage(agents, q.shrinkage),
        load_erlangs=load,
        p_wait=a.p_wait,
        p_abandon=a.p_abandon,
        p_blocked=a.p_blocked,
        p_answered=a.answered_fraction,
        asa_answered_s=a.asa_answered_s,
        service_level=a.sl_offered,
        occupancy=a.occupancy,
        threshold_s=q.threshold_s,
    )


def _meets(q: StaffingQuery, r: StaffingResult) -> bool:
    if q.max_occupancy is not None and r.occupancy > q.max_occupancy:
        return False
    if q.target == TargetKind.ANSWER_RATE:
        return r.p_answered >= q.target_value
    if q.target == TargetKind.SERVICE_LEVEL:
        return r.service_level >= q.target_value
    return r.asa_answered_s <= q.target_value


def calculate(q: StaffingQuery) -> StaffingResult:
    """Validate ``q`` and return the figures for its agents, or for the smallest number of
    agents meeting its target. ``WorkforceError`` (Japanese message) on bad input or when no
    number of agents up to the line limit (or 10,000) meets the target."""
    _validate(q)
    if q.target == TargetKind.AGENTS:
        return evaluate(q, int(q.target_value))
    load = q.calls_per_hour * q.aht_s / erlang.SECONDS_PER_HOUR
    # Below the load only abandonment or blocking keeps a queue finite; the answered
    # fraction never exceeds N / A, so no N below target·A can meet an answer-rate target.
    if q.patience_s is None and q.lines is None:
        n = math.floor(load) + 1
    elif q.target == TargetKind.ANSWER_RATE:
        n = max(1, math.floor(q.target_value * load))
    else:
        n = 1
    limit = MAX_AGENTS if q.lines is None else min(MAX_AGENTS, q.lines)
    while n <= limit:
        result = evaluate(q, n)
        if _meets(q, result):
            return result
        n += 1
    raise _fail(
        _("要員 %(limit)s 名までで目標を満たせません。回線数や目標を見直してください。")
        % {"limit": limit},
        "target",
    )

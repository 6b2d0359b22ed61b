"""What-if: a planned day through the call simulator, next to the formula (WFM-4).

Each planning interval of the day is treated as stationary (research note erlang.md):
its forecast rate (calls ÷ interval hours) and handle time are offered to its *planned*
agents. The formula side is Erlang A with the center's patience (Erlang C without one);
the simulated side runs the real routing + ACD engine through ``calls.gateway.simulator``
for the same interval repeated until about ``TARGET_CALLS`` calls have arrived (at least
``MIN_REPLICATIONS`` times), so the simulated figure estimates the same stationary value
and the two can be compared within a statistical tolerance (the batch-means CI95
half-width the simulator reports). Day figures are weighted by the forecast calls:
answer rate = Σ calls·rate ÷ Σ calls, ASA = Σ calls·rate·ASA ÷ Σ calls·rate.

Queue carry-over from one interval into the next is not modelled (a known limit: the
simulator keeps the number of agents fixed for a run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from madoguchi.calls.gateway.simulator import SimulationSpec, Simulator
from madoguchi.calls.selectors import routing_table
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center
from madoguchi.workforce import erlang, selectors
from madoguchi.workforce.errors import WorkforceError

TARGET_CALLS = 3000
MIN_REPLICATIONS = 20
#: Callers "without patience" in the simulator (it always draws a patience).
NO_ABANDON_PATIENCE_S = 1e9


@dataclass
class Figures:
    answer_rate: float | None
    asa_s: float | None
    service_level: float | None

    def as_dict(self) -> dict[str, float | None]:
        def r(x: float | None, digits: int) -> float | None:
            return None if x is None else round(x, digits)

        return {
            "answer_rate": r(self.answer_rate, 6),
            "asa_s": r(self.asa_s, 3),
            "service_level": r(self.service_level, 6),
        }


@dataclass
class IntervalWhatIf:
    start_label: str
    start_iso: str
    minutes: int
    calls: float
    aht_s: float
    planned: int
    required: int
    formula: Figures
    simulated: Figures
    simulated_calls: int = 0
    half_width_answer_rate: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "interval": self.start_label,
            "start": self.start_iso,
            "minutes": self.minutes,
            "calls": round(self.calls, 3),
            "aht_s": round(self.aht_s, 3),
            "planned": self.planned,
            "required": self.required,
            "formula": self.formula.as_dict(),
            "simulated": self.simulated.as_dict(),
            "simulated_calls": self.simulated_calls,
            "ci95_half_width_answer_rate": round(self.half_width_answer_rate, 6),
        }


@dataclass
class WhatIfResult:
    center: str
    day: date
    model: str
    patience_s: float | None
    intervals: list[IntervalWhatIf] = field(default_factory=list)
    formula: Figures = field(default_factory=lambda: Figures(None, None, None))
    simulated: Figures = field(default_factory=lambda: Figures(None, None, None))

    def as_dict(self) -> dict[str, object]:
        return {
            "center": self.center,
            "date": self.day.isoformat(),
            "model": self.model,
            "patience_s": self.patience_s,
            "calls": round(sum(i.calls for i in self.intervals), 3),
            "formula": self.formula.as_dict(),
            "simulated": self.simulated.as_dict(),
            "intervals": [i.as_dict() for i in self.intervals],
        }


def _formula(
    calls_per_hour: float, aht_s: float, patience_s: float | None, agents: int, threshold: float
) -> Figures:
    if calls_per_hour == 0:
        return Figures(1.0, 0.0, 1.0)
    if patience_s is None:
        if agents < 1:
            return Figures(None, None, None)
        c = erlang.erlang_c(agents, calls_per_hour * aht_s / 3600, aht_s)
        if not c.stable:
            return Figures(None, None, None)  # the queue grows all interval long
        return Figures(1.0, c.asa_s, c.service_level(threshold))
    a = erlang.erlang_a(calls_per_hour, aht_s, patience_s, agents, threshold)
    asa = None if math.isinf(a.asa_answered_s) else a.asa_answered_s
    return Figures(a.answered_fraction, asa, a.sl_offered)


def _weighted(rows: list[tuple[float, Figures]]) -> Figures:
    calls = sum(c for c, f in rows)
    if calls == 0 or any(f.answer_rate is None for c, f in rows if c > 0):
        return Figures(None, None, None)
    answered = sum(c * (f.answer_rate or 0.0) for c, f in rows)
    in_sl = sum(c * (f.service_level or 0.0) for c, f in rows)
    waits = [(c * (f.answer_rate or 0.0), f.asa_s) for c, f in rows if c > 0]
    asa: float | None
    if any(w is None and weight > 0 for weight, w in waits):
        asa = None
    else:
        asa = sum(weight * (w or 0.0) for weight, w in waits) / answered if answered else None
    return Figures(answered / calls, asa, in_sl / calls)


def whatif_run(*, center: Center, day: date, seed: int = 1) -> WhatIfResult:
    """Simulate ``day`` with its planned staffing and compare with the formula.
    ``WorkforceError`` when the day has no staffing plan or the center no queue."""
    plans = list(selectors.plan_list(center=center, first=day, last=day))
    if not plans:
        raise WorkforceError(
            _("%(day)s の要員計画がありません。先に要員計画を作成してください。")
            % {"day": day.isoformat()},
            field="date",
        )
    forecasts = {f.start: f for f in selectors.forecast_list(center=center, first=day, last=day)}
    policy = routing_table().centers.get(center.pk)
    queue = policy.queue_for("ja") if policy is not None else None
    if policy is None or queue is None:
        raise WorkforceError(_("センターにキューがありません。"), field="date")
    threshold = float(queue.sl_threshold_s)
    settings = selectors.staffing_settings(center=center)
    patience = float(settings.patience_s) if settings.patience_s else None
    result = WhatIfResult(
        center=center.slug,
        day=day,
        model="erlang_a" if patience is not None else "erlang_c",
        patience_s=patience,
    )
    for index, plan in enumerate(plans):
        forecast = forecasts.get(plan.start)
        calls = forecast.calls if forecast else 0.0
        aht = forecast.aht_s if forecast else float(settings.default_aht_s)
        hours = plan.minutes / 60
        cph = calls / hours if hours else 0.0
        row = IntervalWhatIf(
            start_label=f"{plan.start.astimezone(TOKYO):%H:%M}",
            start_iso=plan.start.astimezone(TOKYO).isoformat(),
            minutes=plan.minutes,
            calls=calls,
            aht_s=aht,
            planned=plan.planned_agents,
            required=plan.required_agents,
            formula=_formula(cph, aht, patience, plan.planned_agents, threshold),
            simulated=Figures(None, None, None),
        )
        if cph == 0:
            row.simulated = Figures(1.0, 0.0, 1.0)
        elif plan.planned_agents == 0:
            # Nobody on the phones: every caller waits until giving up (not simulated).
            row.simulated = Figures(0.0, None, 0.0) if patience else Figures(None, None, None)
            row.formula = row.simulated
        else:
            replications = max(MIN_REPLICATIONS, math.ceil(TARGET_CALLS / max(calls, 1e-9)))
            spec = SimulationSpec(
                center=policy,
                calls_per_hour=cph,
                aht_s=aht,
                patience_s=patience or NO_ABANDON_PATIENCE_S,
                agents=plan.planned_agents,
                hours=hours * replications,
                seed=seed * 1000 + index,
                start=day,
            )
            sim = Simulator(spec).run()
            row.simulated = Figures(
                sim.answer_rate, sim.asa_s if sim.answered else None, sim.service_level
            )
            row.simulated_calls = sim.offered
            row.half_width_answer_rate = sim.half_widths["answer_rate"]
        result.intervals.append(row)
    result.formula = _weighted([(r.calls, r.formula) for r in result.intervals])
    result.simulated = _weighted([(r.calls, r.simulated) for r in result.intervals])
    return result

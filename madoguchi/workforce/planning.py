"""Required agents for one planning interval from its forecast and the center's target
(REQUIREMENTS WFM-1).

The targets are the center's (tenancy.Center): ``target_answer_rate`` (受電応答率, %) and
``target_asa_seconds`` (平均応答時間). The answer-rate target is met with Erlang A when the
center's staffing settings give a mean patience (callers abandon), with Erlang C otherwise
(nobody abandons, so any N above the load answers everything); the ASA target with
Erlang C (research note: "ASA ≤ target with Erlang C"), which ignores abandonment and so
errs on the safe side. With both targets the larger requirement wins; with none, the
WFM-1 default "answer rate ≥ 90 %" applies. Each interval is treated as stationary at
its forecast rate (calls ÷ interval hours, so a short last interval keeps the rate).
"""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.tenancy.models import Center
from madoguchi.workforce.models import StaffingSettings
from madoguchi.workforce.staffing import StaffingQuery, TargetKind, calculate

DEFAULT_ANSWER_RATE = 0.90


@dataclass(frozen=True, slots=True)
class Requirement:
    agents: int
    target: str  # how it was computed, in Japanese (stored on the plan row)


def center_targets(center: Center) -> tuple[float | None, float | None]:
    """(answer rate as a fraction, ASA seconds); the WFM-1 default when neither is set."""
    rate = float(center.target_answer_rate) / 100 if center.target_answer_rate else None
    asa = float(center.target_asa_seconds) if center.target_asa_seconds else None
    if rate is None and asa is None:
        rate = DEFAULT_ANSWER_RATE
    return rate, asa


def required_agents(
    *, center: Center, settings: StaffingSettings, calls: float, hours: float, aht_s: float
) -> Requirement:
    rate, asa = center_targets(center)
    patience = float(settings.patience_s) if settings.patience_s else None
    parts = []
    if rate is not None:
        model = f"アーラン A・平均放棄 {settings.patience_s} 秒" if patience else "アーラン C"
        parts.append(f"応答率 {rate:.0%} 以上（{model}）")
    if asa is not None:
        parts.append(f"平均応答時間 {asa:g} 秒以下（アーラン C）")
    label = "、".join(parts)
    if calls <= 0 or hours <= 0:
        return Requirement(0, label)
    calls_per_hour = calls / hours
    needed = 0
    if rate is not None:
        q = StaffingQuery(calls_per_hour, aht_s, TargetKind.ANSWER_RATE, rate, patience_s=patience)
        needed = max(needed, calculate(q).agents)
    if asa is not None:
        q = StaffingQuery(calls_per_hour, aht_s, TargetKind.ASA, asa)
        needed = max(needed, calculate(q).agents)
    return Requirement(needed, label)

"""Writes of the workforce context: settings, forecasts, event days and staffing plans.
Each is keyword-only, atomic and audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.tenancy.models import Center
from madoguchi.workforce import audit_actions, selectors
from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.forecast import forecast_compute
from madoguchi.workforce.models import (
    Forecast,
    ForecastEvent,
    ForecastSource,
    StaffingPlan,
    StaffingSettings,
)
from madoguchi.workforce.planning import required_agents

MAX_DAYS = 92


def _check_range(first: date, last: date) -> None:
    if last < first:
        raise WorkforceError(_("終了日が開始日より前になっています。"), field="last")
    if (last - first).days + 1 > MAX_DAYS:
        raise WorkforceError(
            _("一度に扱えるのは %(days)s 日までです。") % {"days": MAX_DAYS}, field="last"
        )


@transaction.atomic
def staffing_settings_save(
    *,
    actor: Any,
    center: Center,
    interval_minutes: int,
    patience_s: int | None,
    history_weeks: int,
    default_aht_s: int,
) -> StaffingSettings:
    """Save how the center plans (interval length, patience, history weeks, default AHT)."""
    if interval_minutes not in StaffingSettings.IntervalMinutes.values:
        raise WorkforceError(_("計画の時間帯は30分か60分です。"), field="interval_minutes")
    if patience_s is not None and patience_s < 1:
        raise WorkforceError(_("平均放棄時間は1秒以上にしてください。"), field="patience_s")
    if not 1 <= history_weeks <= 52:
        raise WorkforceError(_("予測に使う週数は1〜52です。"), field="history_weeks")
    if default_aht_s < 1:
        raise WorkforceError(_("平均処理時間は1秒以上にしてください。"), field="default_aht_s")
    settings, _created = StaffingSettings.objects.get_or_create(center=center)
    settings.interval_minutes = interval_minutes
    settings.patience_s = patience_s
    settings.history_weeks = history_weeks
    settings.default_aht_s = default_aht_s
    settings.save()
    audit_log(
        action=audit_actions.SETTINGS_SAVED,
        actor=actor,
        center=center,
        obj=settings,
        data={
            "interval_minutes": interval_minutes,
            "patience_s": patience_s,
            "history_weeks": history_weeks,
            "default_aht_s": default_aht_s,
        },
    )
    return settings


@transaction.atomic
def forecast_event_save(
    *, actor: Any, center: Center, day: date, label: str, uplift: Decimal | str | float
) -> ForecastEvent:
    """Record (or change the factor of) an event day such as a coupon mailing day."""
    label = label.strip()
    if not label:
        raise WorkforceError(_("イベントの内容を入力してください。"), field="label")
    try:
        factor = Decimal(str(uplift)).quantize(Decimal("0.001"))
    except InvalidOperation:
        raise WorkforceError(_("係数は数値で入力してください。"), field="uplift") from None
    if not Decimal("0") <= factor <= Decimal("100"):
        raise WorkforceError(_("係数は0〜100で入力してください。"), field="uplift")
    event, _created = ForecastEvent.objects.update_or_create(
        center=center, date=day, label=label, defaults={"uplift": factor}
    )
    audit_log(
        action=audit_actions.EVENT_SAVED,
        actor=actor,
        center=center,
        obj=event,
        data={"date": day.isoformat(), "label": label, "uplift": str(factor)},
    )
    return event


@transaction.atomic
def forecast_event_delete(*, actor: Any, event: ForecastEvent) -> None:
    audit_log(
        action=audit_actions.EVENT_DELETED,
        actor=actor,
        center=event.center,
        obj=event,
        data={"date": event.date.isoformat(), "label": event.label},
    )
    event.delete()


@transaction.atomic
def forecast_build(
    *, actor: Any, center: Center, first: date, last: date, weeks: int | None = None
) -> list[Forecast]:
    """Replace the forecasts of [first, last] by the ones computed from history (WFM-2)."""
    _check_range(first, last)
    if weeks is not None and not 1 <= weeks <= 52:
        raise WorkforceError(_("予測に使う週数は1〜52です。"), field="weeks")
    rows = forecast_compute(center=center, first=first, last=last, weeks=weeks)
    Forecast.objects.filter(center=center, date__gte=first, date__lte=last).delete()
    created = Forecast.objects.bulk_create(
        Forecast(
            center=center,
            date=row.slot.day,
            start=row.slot.start,
            minutes=row.slot.minutes,
            calls=row.calls,
            aht_s=row.aht_s,
            uplift=Decimal(str(row.uplift)).quantize(Decimal("0.001")),
            source=ForecastSource.HISTORY,
            history_days=row.history_days,
        )
        for row in rows
    )
    audit_log(
        action=audit_actions.FORECAST_BUILT,
        actor=actor,
        center=center,
        data={
            "first": first.isoformat(),
            "last": last.isoformat(),
            "intervals": len(created),
            "calls": round(sum(row.calls for row in rows), 1),
        },
    )
    return created


@transaction.atomic
def staffing_plan_build(
    *, actor: Any, center: Center, first: date, last: date
) -> list[StaffingPlan]:
    """Required agents per interval of [first, last] from the forecast (built first where a
    day has none) and the center's target (WFM-1). Planned agents already entered are kept;
    a new interval starts planned = required."""
    _check_range(first, last)
    forecasts = list(selectors.forecast_list(center=center, first=first, last=last))
    slots = selectors.slots_between(center=center, first=first, last=last)
    if {f.start for f in forecasts} != {s.start for s in slots}:
        forecasts = forecast_build(actor=actor, center=center, first=first, last=last)
    settings = selectors.staffing_settings(center=center)
    existing = {p.start: p for p in selectors.plan_list(center=center, first=first, last=last)}
    StaffingPlan.objects.filter(center=center, date__gte=first, date__lte=last).exclude(
        start__in=[f.start for f in forecasts]
    ).delete()
    plans = []
    for forecast in forecasts:
        need = required_agents(
            center=center,
            settings=settings,
            calls=forecast.calls,
            hours=forecast.minutes / 60,
            aht_s=forecast.aht_s,
        )
        plan = existing.get(forecast.start)
        if plan is None:
            plan = StaffingPlan(
                center=center,
                date=forecast.date,
                start=forecast.start,
                planned_agents=need.agents,
            )
        plan.minutes = forecast.minutes
        plan.required_agents = need.agents
        plan.target = need.target[:200]
        plan.save()
        plans.append(plan)
    audit_log(
        action=audit_actions.PLAN_BUILT,
        actor=actor,
        center=center,
        data={
            "first": first.isoformat(),
            "last": last.isoformat(),
            "intervals": len(plans),
            "required_agent_hours": round(
                sum(p.required_agents * p.minutes / 60 for p in plans), 2
            ),
        },
    )
    return plans


@transaction.atomic
def staffing_plan_set_planned(
    *, actor: Any, plan: StaffingPlan, planned_agents: int
) -> StaffingPlan:
    """Change the planned agents of one interval (WFM-3)."""
    if planned_agents < 0 or planned_agents > 10_000:
        raise WorkforceError(_("計画要員数は0〜10000で入力してください。"), field="planned_agents")
    before = plan.planned_agents
    plan.planned_agents = planned_agents
    plan.save(update_fields=["planned_agents"])
    audit_log(
        action=audit_actions.PLAN_CHANGED,
        actor=actor,
        center=plan.center,
        obj=plan,
        data={"start": plan.start.isoformat(), "before": before, "after": planned_agents},
    )
    return plan

"""Console screens of the workforce context (/console/staffing/, Action.STAFFING_MANAGE):
the staffing calculator, forecast and plan of a day with planned vs required vs logged-in
agents, planned-agent editing, event days, settings, the weekly seats report (WFM-3) and
the what-if run (WFM-4). Japanese only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.permissions import Action
from madoguchi.calls.services import queue_ensure_default
from madoguchi.console.access import console_view
from madoguchi.console.forms import keep_error
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center
from madoguchi.workforce import selectors, services
from madoguchi.workforce.errors import WorkforceError
from madoguchi.workforce.forms_console import CalculatorForm, DayForm, EventForm, SettingsForm
from madoguchi.workforce.models import ForecastEvent
from madoguchi.workforce.staffing import StaffingResult, calculate
from madoguchi.workforce.whatif import WhatIfResult, whatif_run

TEMPLATES = "workforce/console/"
#: The calculator's error fields (staffing.py) → the form's field names.
_CALC_FIELDS = {"aht_s": "aht", "patience_s": "patience", "target": "target_value"}


def _center(request: HttpRequest) -> Center:
    center: Center = request.center  # type: ignore[attr-defined]
    return center


def _day_param(request: HttpRequest) -> date:
    form = DayForm(request.GET or None)
    if request.GET.get("date") and form.is_valid():
        day: date = form.cleaned_data["date"]
        return day
    return timezone.localdate()


def _settings_form(center: Center) -> SettingsForm:
    s = selectors.staffing_settings(center=center)
    return SettingsForm(
        initial={
            "interval_minutes": s.interval_minutes,
            "patience_s": s.patience_s,
            "history_weeks": s.history_weeks,
            "default_aht_s": s.default_aht_s,
        }
    )


def _home(request: HttpRequest, *, status: int = 200, **override: Any) -> HttpResponse:
    center = _center(request)
    today = timezone.localdate()
    calc = override.get("calc")
    result: StaffingResult | None = override.get("result")
    if calc is None:
        calc = CalculatorForm(
            initial={"target": "answer_rate", "target_value": 90, "threshold_s": 20}
        )
    context = {
        "center": center,
        "calc": calc,
        "result": result,
        "result_rows": _result_rows(result) if result else [],
        "event_form": override.get("event_form") or EventForm(),
        "settings_form": override.get("settings_form") or _settings_form(center),
        "events": selectors.event_list(
            center=center, first=today - timedelta(days=7), last=today + timedelta(days=365)
        ),
        "day_form": DayForm(initial={"date": today}),
    }
    return render(request, TEMPLATES + "home.html", context, status=status)


def _percent(x: float) -> str:
    return f"{x:.2%}"


def _result_rows(r: StaffingResult) -> list[tuple[str, str]]:
    asa = "—" if r.asa_answered_s == float("inf") else f"{r.asa_answered_s:.2f} 秒"
    models = {"erlang_a": "アーラン A", "erlang_b": "アーラン B", "erlang_c": "アーラン C"}
    return [
        (_("計算モデル"), models[str(r.model)]),
        (
            _("要員数"),
            _("%(n)s 名（シュリンケージ込み %(s)s 名）") % {"n": r.agents, "s": r.scheduled_agents},
        ),
        (_("負荷"), f"{r.load_erlangs:.4f} アーラン"),
        (_("待ち発生率"), _percent(r.p_wait)),
        (_("応答率"), _percent(r.p_answered)),
        (_("放棄率"), _percent(r.p_abandon)),
        (_("話中（ブロック）率"), _percent(r.p_blocked)),
        (_("平均応答時間（応答した呼）"), asa),
        (
            _("サービスレベル（%(t)s 秒以内に応答 ÷ 着信）") % {"t": f"{r.threshold_s:g}"},
            _percent(r.service_level),
        ),
        (_("稼働率"), _percent(r.occupancy)),
    ]


@console_view(Action.STAFFING_MANAGE)
def home(request: HttpRequest) -> HttpResponse:
    """The calculator (GET with ``calls_per_hour`` computes), settings and event days."""
    if "calls_per_hour" not in request.GET:
        return _home(request)
    calc = CalculatorForm(request.GET)
    if calc.is_valid():
        try:
            result = calculate(calc.query())
        except WorkforceError as exc:
            field = _CALC_FIELDS.get(exc.field or "", exc.field)
            keep_error(calc, WorkforceError(exc.message, field=field))
        else:
            return _home(request, calc=calc, result=result)
    return _home(request, status=400, calc=calc)


@require_POST
@console_view(Action.STAFFING_MANAGE)
def settings_save(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.staffing_settings_save(
                actor=request.user, center=_center(request), **form.cleaned_data
            )
        except WorkforceError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("要員計画の設定を保存しました。"))
            return redirect("console:workforce_console:home")
    return _home(request, status=400, settings_form=form)


@require_POST
@console_view(Action.STAFFING_MANAGE)
def event_add(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.forecast_event_save(
                actor=request.user,
                center=_center(request),
                day=data["date"],
                label=data["label"],
                uplift=data["uplift"],
            )
        except WorkforceError as exc:
            keep_error(form, exc)
        else:
            messages.success(
                request,
                _("%(date)s のイベント「%(label)s」を登録しました。予測を作り直してください。")
                % {"date": data["date"], "label": data["label"]},
            )
            return redirect("console:workforce_console:home")
    return _home(request, status=400, event_form=form)


@require_POST
@console_view(Action.STAFFING_MANAGE)
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(ForecastEvent, pk=pk, center=_center(request))
    services.forecast_event_delete(actor=request.user, event=event)
    messages.success(request, _("イベント「%(label)s」を削除しました。") % {"label": event.label})
    return redirect("console:workforce_console:home")


def _day(
    request: HttpRequest,
    day: date,
    *,
    status: int = 200,
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    whatif: WhatIfResult | None = None,
) -> HttpResponse:
    center = _center(request)
    seats = selectors.weekly_seats(center=center, first=day, last=day)
    forecasts = {f.start: f for f in selectors.forecast_list(center=center, first=day, last=day)}
    plans = {p.start: p for p in selectors.plan_list(center=center, first=day, last=day)}
    top = max(
        [1.0]
        + [float(r.planned or 0) for r in seats]
        + [float(r.required or 0) for r in seats]
        + [r.logged_in for r in seats]
    )
    rows = []
    for seat in seats:
        plan = plans.get(seat.interval.start)
        forecast = forecasts.get(seat.interval.start)
        rows.append(
            {
                "seat": seat,
                "plan": plan,
                "forecast": forecast,
                "typed": (typed or {}).get(plan.pk) if plan else None,
                "error": (errors or {}).get(plan.pk) if plan else None,
                "bar_required": round(100 * (seat.required or 0) / top),
                "bar_planned": round(100 * (seat.planned or 0) / top),
                "bar_logged_in": round(100 * seat.logged_in / top),
            }
        )
    context = {
        "center": center,
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "day_form": DayForm(initial={"date": day}),
        "rows": rows,
        "has_plan": bool(plans),
        "total_calls": sum(f.calls for f in forecasts.values()),
        "whatif": whatif,
        "week_first": selectors.week_of(day)[0],
    }
    return render(request, TEMPLATES + "day.html", context, status=status)


@console_view(Action.STAFFING_MANAGE)
def day_view(request: HttpRequest) -> HttpResponse:
    """Forecast and plan of one day: required vs planned vs logged-in per interval."""
    return _day(request, _day_param(request))


def _posted_day(request: HttpRequest) -> date | None:
    form = DayForm(request.POST)
    if form.is_valid():
        day: date = form.cleaned_data["date"]
        return day
    return None


def _day_url(day: date) -> str:
    return f"{reverse('console:workforce_console:day')}?date={day.isoformat()}"


@require_POST
@console_view(Action.STAFFING_MANAGE)
def plan_build(request: HttpRequest) -> HttpResponse:
    """Build the forecast and the plan of the chosen day (or its whole week)."""
    day = _posted_day(request)
    if day is None:
        messages.error(request, _("日付を 2026-05-18 のように入力してください。"))
        return redirect("console:workforce_console:day")
    first, last = selectors.week_of(day) if request.POST.get("scope") == "week" else (day, day)
    try:
        services.forecast_build(actor=request.user, center=_center(request), first=first, last=last)
        plans = services.staffing_plan_build(
            actor=request.user, center=_center(request), first=first, last=last
        )
    except WorkforceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(first)s〜%(last)s の予測と要員計画を作成しました（%(count)s 時間帯）。")
            % {"first": first, "last": last, "count": len(plans)},
        )
    return redirect(_day_url(day))


@require_POST
@console_view(Action.STAFFING_MANAGE)
def planned_save(request: HttpRequest) -> HttpResponse:
    """Save the planned agents typed for the day's intervals; on any error nothing is saved
    and the page comes back with every typed value."""
    day = _posted_day(request)
    if day is None:
        messages.error(request, _("日付を 2026-05-18 のように入力してください。"))
        return redirect("console:workforce_console:day")
    center = _center(request)
    plans = list(selectors.plan_list(center=center, first=day, last=day))
    typed: dict[int, str] = {}
    values: dict[int, int] = {}
    errors: dict[int, str] = {}
    for plan in plans:
        raw = request.POST.get(f"planned_{plan.pk}")
        if raw is None:
            continue
        text = raw.strip()
        typed[plan.pk] = raw
        if not text.isdigit() or int(text) > 10_000:
            errors[plan.pk] = _("0〜10000の整数で入力してください。")
        else:
            values[plan.pk] = int(text)
    if errors:
        return _day(request, day, status=400, errors=errors, typed=typed)
    changed = 0
    for plan in plans:
        if plan.pk in values and values[plan.pk] != plan.planned_agents:
            services.staffing_plan_set_planned(
                actor=request.user, plan=plan, planned_agents=values[plan.pk]
            )
            changed += 1
    messages.success(
        request, _("計画要員数を保存しました（%(count)s 件変更）。") % {"count": changed}
    )
    return redirect(_day_url(day))


@require_POST
@console_view(Action.STAFFING_MANAGE)
def whatif_view(request: HttpRequest) -> HttpResponse:
    """Run the day's plan through the call simulator and show it next to the formula."""
    day = _posted_day(request)
    if day is None:
        messages.error(request, _("日付を 2026-05-18 のように入力してください。"))
        return redirect("console:workforce_console:day")
    center = _center(request)
    queue_ensure_default(actor=request.user, center=center)
    try:
        result = whatif_run(center=center, day=day)
    except WorkforceError as exc:
        messages.error(request, str(exc.message))
        return redirect(_day_url(day))
    return _day(request, day, whatif=result)


@console_view(Action.STAFFING_MANAGE)
def seats(request: HttpRequest) -> HttpResponse:
    """The weekly seats report (WFM-3): per interval planned, required, logged-in agents
    and offered/answered calls, with day totals in agent-hours."""
    center = _center(request)
    first, last = selectors.week_of(_day_param(request))
    rows = selectors.weekly_seats(center=center, first=first, last=last)
    by_day: dict[date, list[Any]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    days = [
        {
            "day": day,
            "rows": day_rows,
            "planned_h": sum((r.planned or 0) * r.interval.hours for r in day_rows),
            "required_h": sum((r.required or 0) * r.interval.hours for r in day_rows),
            "logged_in_h": sum(r.logged_in * r.interval.hours for r in day_rows),
            "offered": sum(r.offered for r in day_rows),
            "answered": sum(r.answered for r in day_rows),
        }
        for day, day_rows in by_day.items()
    ]
    context = {
        "center": center,
        "first": first,
        "last": last,
        "days": days,
        "previous": first - timedelta(days=7),
        "next": first + timedelta(days=7),
        "tz": TOKYO,
    }
    return render(request, TEMPLATES + "seats.html", context)

"""Console screens of the reports context (RPT-1..8): the center's KPI counting options;
the list of reports, a report on
screen for a chosen period (sections, tables, charts as SVG, definitions), downloads as
Excel, PDF or CSV (optionally encrypted, the password shown once), delivery history.

Who sees what: ``Action.REPORT_VIEW`` for every report except the personal-information
handling report, which needs ``Action.PERSONAL_DATA_REPORT_VIEW``. Opening a report is
audited as an access, a download as an export (delivery.report_download).
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.permissions import Action, actions_for
from madoguchi.audit.services import audit_access
from madoguchi.console.access import console_view
from madoguchi.console.actions import perform
from madoguchi.console.forms import keep_error
from madoguchi.reports import audit_actions
from madoguchi.reports.delivery import period_for, report_build, report_download
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.forms import ReportRecipientForm, ReportSettingsForm
from madoguchi.reports.forms_console import DownloadForm, PeriodForm
from madoguchi.reports.kpi import DEFINITIONS, KpiOptions
from madoguchi.reports.models import ReportKind, ReportRecipient, ReportSettings
from madoguchi.reports.periods import Period
from madoguchi.reports.registry import registered_kinds
from madoguchi.reports.render_html import display_sections
from madoguchi.reports.selectors import delivery_history
from madoguchi.reports.settings_services import (
    report_recipient_add,
    report_recipient_remove,
    report_settings_save,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center

KIND_ACTION: dict[str, Action] = {ReportKind.PERSONAL_DATA: Action.PERSONAL_DATA_REPORT_VIEW}
PERIOD_NAMES = {
    "day": "日",
    "week": "週",
    "month": "月",
    "half_year": "半期",
    "fiscal_year": "年度",
}


def _allowed_kinds(request: HttpRequest) -> list[str]:
    allowed = actions_for(request.user, request.center)  # type: ignore[attr-defined]
    return [k for k in ReportKind.values if KIND_ACTION.get(k, Action.REPORT_VIEW) in allowed]


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "console/forbidden.html", status=403)


def _today() -> date:
    return timezone.localtime(timezone.now(), TOKYO).date()


def _default_period(kind: str) -> Period:
    """The latest period that has ended (yesterday, last week, last month…)."""
    today = _today()
    period = period_for(kind, today)
    if period.last >= today:
        period = period_for(kind, period.first - timedelta(days=1))
    return period


@console_view()
def reports_home(request: HttpRequest) -> HttpResponse:
    kinds = _allowed_kinds(request)
    if not kinds:
        return _forbidden(request)
    ready = set(registered_kinds())
    rows = [
        {"kind": k, "label": ReportKind(k).label, "ready": k in ready, "period": _default_period(k)}
        for k in kinds
    ]
    history = delivery_history(center=request.center, limit=30)  # type: ignore[attr-defined]
    return render(
        request,
        "reports/console/home.html",
        {
            "rows": rows,
            "history": [d for d in history if d.kind in kinds],
            "can_manage": Action.CENTER_MANAGE in actions_for(request.user, request.center),  # type: ignore[attr-defined]
        },
    )


def _period(request: HttpRequest, kind: str, form: PeriodForm) -> Period:
    day = form.cleaned_data.get("date") if form.is_valid() else None
    return period_for(kind, day) if day else _default_period(kind)


@console_view()
def report_detail(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ReportKind.values:
        raise Http404
    if kind not in _allowed_kinds(request):
        return _forbidden(request)
    center = request.center  # type: ignore[attr-defined]
    form = PeriodForm(request.GET or None)
    period = _period(request, kind, form)
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": ReportKind(kind).label,
        "form": form,
        "period": period,
        "period_name": PERIOD_NAMES.get(period.kind, ""),
        "previous": period.first - timedelta(days=1),
        "next": period.last + timedelta(days=1),
        "download": DownloadForm(initial={"date": period.first}, auto_id="download_%s"),
        "history": delivery_history(center=center, kind=kind, limit=20),
    }
    try:
        report = report_build(center=center, kind=kind, period=period)
    except ReportsError as exc:
        context["error"] = exc.message
        return render(request, "reports/console/detail.html", context)
    audit_access(
        action=audit_actions.REPORT_VIEWED,
        actor=request.user,
        obj=center,
        center=center,
        data={"kind": kind, "first": period.first.isoformat(), "last": period.last.isoformat()},
    )
    context.update(report=report, sections=display_sections(report))
    return render(request, "reports/console/detail.html", context)


@require_POST
@console_view()
def report_download_view(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    if kind not in ReportKind.values:
        raise Http404
    if kind not in _allowed_kinds(request):
        return _forbidden(request)
    center = request.center  # type: ignore[attr-defined]
    form = DownloadForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "reports/console/encrypted.html",
            {"kind": kind, "kind_label": ReportKind(kind).label, "form": form},
            status=400,
        )
    period = period_for(kind, form.cleaned_data["date"])
    try:
        built = report_download(
            actor=request.user,
            center=center,
            kind=kind,
            period=period,
            fmt=form.cleaned_data["fmt"],
            encrypt=form.cleaned_data["encrypt"],
        )
    except ReportsError as exc:
        return render(
            request,
            "reports/console/encrypted.html",
            {"kind": kind, "kind_label": ReportKind(kind).label, "error": exc.message},
            status=400,
        )
    if not built.password:
        response = HttpResponse(built.content, content_type=built.content_type)
        response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
        response["Cache-Control"] = "no-store"
        return response
    # Encrypted: one page shows the password once and carries the file itself (a data
    # URL), so nothing — file or password — is kept on the server.
    response = render(
        request,
        "reports/console/encrypted.html",
        {
            "kind": kind,
            "kind_label": ReportKind(kind).label,
            "period": period,
            "file": built,
            "data_url": (
                f"data:{built.content_type};base64,{base64.b64encode(built.content).decode()}"
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _center(request: HttpRequest) -> Center:
    center: Center | None = request.center  # type: ignore[attr-defined]
    if center is None:
        raise Http404
    return center


@console_view(Action.CENTER_MANAGE)
def settings_edit(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    if request.method != "POST":
        return _settings_page(request, center)
    form = ReportSettingsForm(request.POST)
    if form.is_valid():
        try:
            report_settings_save(actor=request.user, center=center, **form.cleaned_data)
        except ReportsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("集計設定を保存しました。"))
            return redirect("console:reports_console:settings")
    return _settings_page(request, center, form=form, status=400)


def _settings_page(
    request: HttpRequest,
    center: Center,
    *,
    form: ReportSettingsForm | None = None,
    recipient_form: ReportRecipientForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        options = KpiOptions.for_center(center)
        current = ReportSettings.objects.filter(center=center).first()
        form = ReportSettingsForm(
            initial={
                "short_abandon_s": options.short_abandon_s,
                "include_blocked": options.include_blocked,
                "include_voicemail": options.include_voicemail,
                "long_call_s": options.long_call_s,
                "service_level_s": options.service_level_s,
                "exclude_first_six_months": (current.exclude_first_six_months if current else True),
            }
        )
    return render(
        request,
        "reports/console/settings.html",
        {
            "center": center,
            "form": form,
            "saved": ReportSettings.objects.filter(center=center).exists(),
            "definitions": DEFINITIONS,
            "recipient_form": recipient_form or ReportRecipientForm(),
            "recipients": ReportRecipient.objects.filter(center=center, is_active=True).order_by(
                "kind", "email"
            ),
        },
        status=status,
    )


@require_POST
@console_view(Action.CENTER_MANAGE)
def recipient_add(request: HttpRequest) -> HttpResponse:
    """Add who receives the center's reports by e-mail (encrypted, password apart)."""
    center = _center(request)
    form = ReportRecipientForm(request.POST)
    if form.is_valid():
        try:
            report_recipient_add(actor=request.user, center=center, **form.cleaned_data)
        except ReportsError as exc:
            keep_error(form, exc)
        else:
            messages.success(
                request,
                _("送付先 %(email)s を登録しました。") % {"email": form.cleaned_data["email"]},
            )
            return redirect("console:reports_console:settings")
    return _settings_page(request, center, recipient_form=form, status=400)


@require_POST
@console_view(Action.CENTER_MANAGE)
def recipient_remove(request: HttpRequest, recipient_id: int) -> HttpResponse:
    center = _center(request)
    perform(
        request,
        lambda: report_recipient_remove(
            actor=request.user, center=center, recipient_id=recipient_id
        ),
        done=_("送付先を削除しました。"),
    )
    return redirect("console:reports_console:settings")

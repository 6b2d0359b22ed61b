"""Console screens of the reports context: the center's KPI counting options."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from madoguchi.accounts.permissions import Action
from madoguchi.console.access import console_view
from madoguchi.console.forms import keep_error
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.forms import ReportSettingsForm
from madoguchi.reports.kpi import DEFINITIONS, KpiOptions
from madoguchi.reports.models import ReportSettings
from madoguchi.reports.settings_services import report_settings_save
from madoguchi.tenancy.models import Center


def _center(request: HttpRequest) -> Center:
    center: Center | None = request.center  # type: ignore[attr-defined]
    if center is None:
        raise Http404
    return center


@console_view(Action.CENTER_MANAGE)
def settings_edit(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    current = ReportSettings.objects.filter(center=center).first()
    if request.method == "POST":
        form = ReportSettingsForm(request.POST)
        if form.is_valid():
            try:
                report_settings_save(actor=request.user, center=center, **form.cleaned_data)
            except ReportsError as exc:
                keep_error(form, exc)
            else:
                messages.success(request, _("集計設定を保存しました。"))
                return redirect("console:reports_console:settings")
    else:
        options = KpiOptions.for_center(center)
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
        {"center": center, "form": form, "saved": current, "definitions": DEFINITIONS},
        status=400 if form.is_bound else 200,
    )

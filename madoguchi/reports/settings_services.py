"""Writes of the per-center KPI options (``ReportSettings``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.reports import audit_actions
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.models import ReportSettings
from madoguchi.tenancy.models import Center

MAX_SHORT_ABANDON_S = 60
MAX_LONG_CALL_S = 24 * 3600
MAX_SERVICE_LEVEL_S = 600


def report_settings_save(
    *,
    actor: Any,
    center: Center,
    short_abandon_s: int | None,
    include_blocked: bool,
    include_voicemail: bool,
    long_call_s: int,
    service_level_s: int,
    exclude_first_six_months: bool,
) -> ReportSettings:
    """Save how the center's figures are counted (KPI.md options); audited with the old
    and new values, since they change every figure a city compares."""
    if short_abandon_s is not None and not 0 <= short_abandon_s <= MAX_SHORT_ABANDON_S:
        raise ReportsError(
            _("短時間放棄の閾値は0〜%(max)d秒で入力してください（なしは空欄）。")
            % {"max": MAX_SHORT_ABANDON_S},
            field="short_abandon_s",
        )
    if not 1 <= long_call_s <= MAX_LONG_CALL_S:
        raise ReportsError(
            _("長時間対応の閾値は1〜%(max)d秒で入力してください。") % {"max": MAX_LONG_CALL_S},
            field="long_call_s",
        )
    if not 1 <= service_level_s <= MAX_SERVICE_LEVEL_S:
        raise ReportsError(
            _("サービスレベルの閾値は1〜%(max)d秒で入力してください。")
            % {"max": MAX_SERVICE_LEVEL_S},
            field="service_level_s",
        )
    values = {
        "short_abandon_s": short_abandon_s,
        "include_blocked": include_blocked,
        "include_voicemail": include_voicemail,
        "long_call_s": long_call_s,
        "service_level_s": service_level_s,
        "exclude_first_six_months": exclude_first_six_months,
    }
    with transaction.atomic():
        current = ReportSettings.objects.select_for_update().filter(center=center).first()
        before = {name: getattr(current, name) for name in values} if current else None
        saved, _created = ReportSettings.objects.update_or_create(center=center, defaults=values)
        audit_log(
            action=audit_actions.SETTINGS_SAVED,
            actor=actor,
            center=center,
            obj=saved,
            data={"before": before, "after": values},
        )
    return saved

"""Writes of the per-center KPI options (``ReportSettings``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.reports import audit_actions
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.models import ReportKind, ReportRecipient, ReportSettings
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


def report_recipient_add(
    *, actor: Any, center: Center, kind: str, email: str, name: str = ""
) -> ReportRecipient:
    """Add (or re-activate) who receives the center's delivered reports of ``kind``."""
    if kind not in ReportKind.values:
        raise ReportsError(_("報告書の種類を選んでください。"), field="kind")
    email = email.strip().lower()
    if not email:
        raise ReportsError(_("送付先のメールアドレスを入力してください。"), field="email")
    with transaction.atomic():
        recipient, created = ReportRecipient.objects.update_or_create(
            center=center,
            kind=kind,
            email=email,
            defaults={"name": name.strip(), "is_active": True},
        )
        audit_log(
            action=audit_actions.RECIPIENT_SAVED,
            actor=actor,
            center=center,
            obj=recipient,
            data={"kind": kind, "email": email, "change": "added" if created else "reactivated"},
        )
    return recipient


def report_recipient_remove(*, actor: Any, center: Center, recipient_id: int) -> None:
    """Stop delivering to a recipient (the row stays, inactive, for the delivery history)."""
    with transaction.atomic():
        recipient = (
            ReportRecipient.objects.select_for_update()
            .filter(pk=recipient_id, center=center, is_active=True)
            .first()
        )
        if recipient is None:
            raise ReportsError(_("その送付先は登録されていません。"), field=None)
        recipient.is_active = False
        recipient.save(update_fields=["is_active"])
        audit_log(
            action=audit_actions.RECIPIENT_SAVED,
            actor=actor,
            center=center,
            obj=recipient,
            data={"kind": recipient.kind, "email": recipient.email, "change": "removed"},
        )

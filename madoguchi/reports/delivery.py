"""Making report files for people: downloads from the console and e-mail delivery.

A delivered report is encrypted with a fresh password (filecrypto.password_new) and
e-mailed to each recipient; the password follows in a SEPARATE e-mail, so one
intercepted or misdirected message never holds both. Every download and every delivery
is audited (who, what, which period, format, recipients — never the password).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.filecrypto import password_new
from madoguchi.reports import audit_actions
from madoguchi.reports.crypto import FORMATS, ReportFile, render_file
from madoguchi.reports.documents import Report
from madoguchi.reports.errors import ReportsError
from madoguchi.reports.models import ReportDelivery, ReportKind, ReportRecipient
from madoguchi.reports.periods import (
    Period,
    day_period,
    fiscal_year_period,
    half_year_period,
    month_period,
    week_period,
)
from madoguchi.reports.registry import builder_for
from madoguchi.tenancy.models import Center

#: The period a report of each kind covers, from any day inside it.
PERIOD_OF_KIND: dict[str, Callable[[date], Period]] = {
    ReportKind.DAILY: day_period,
    ReportKind.WEEKLY: week_period,
    ReportKind.MONTHLY: month_period,
    ReportKind.HALF_YEAR: half_year_period,
    ReportKind.ANNUAL: fiscal_year_period,
    ReportKind.SERVICE_LEVEL: fiscal_year_period,
    ReportKind.PERSONAL_DATA: month_period,
    ReportKind.FREQUENT_QUESTIONS: month_period,
}


def period_for(kind: str, day: date) -> Period:
    """The period of a ``kind`` report containing ``day``."""
    try:
        return PERIOD_OF_KIND[kind](day)
    except KeyError:
        raise ReportsError(_("報告書の種類が正しくありません。"), field="kind") from None


def report_build(*, center: Center, kind: str, period: Period) -> Report:
    """The report document from the registered builder of ``kind``."""
    try:
        builder = builder_for(kind)
    except KeyError:
        raise ReportsError(_("この報告書はまだ作成できません。"), field="kind") from None
    return builder(center=center, period=period)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ReportsError(_("形式は Excel・PDF・CSV から選んでください。"), field="format")


def _stem(center: Center, kind: str, period: Period) -> str:
    return f"{center.slug}-{kind}-{period.first:%Y%m%d}"


def _audit_data(kind: str, period: Period, fmt: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "period": period.kind,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "format": fmt,
        **extra,
    }


@transaction.atomic
def report_download(
    *, actor: Any, center: Center, kind: str, period: Period, fmt: str, encrypt: bool = False
) -> ReportFile:
    """The report as a file for the person asking, encrypted with a fresh password when
    ``encrypt`` (the screen shows it once). Audited as an export."""
    _check_format(fmt)
    report = report_build(center=center, kind=kind, period=period)
    password = password_new() if encrypt else ""
    built = render_file(
        report, fmt=fmt, filename_stem=_stem(center, kind, period), password=password
    )
    audit_log(
        action=audit_actions.REPORT_DOWNLOADED,
        actor=actor,
        center=center,
        obj=center,
        data=_audit_data(kind, period, fmt, encrypted=encrypt),
    )
    return built


def _recipient_list(center: Center, kind: str, recipients: Sequence[str] | None) -> list[str]:
    if recipients is None:
        found = ReportRecipient.objects.filter(center=center, kind=kind, is_active=True)
        emails = sorted(found.values_list("email", flat=True))
    else:
        emails = [e.strip() for e in recipients if e.strip()]
        for address in emails:
            try:
                validate_email(address)
            except ValidationError:
                raise ReportsError(
                    _("メールアドレスが正しくありません: %(address)s") % {"address": address},
                    field="recipients",
                ) from None
    if not emails:
        raise ReportsError(_("この報告書の送付先が登録されていません。"), field="recipients")
    return list(dict.fromkeys(emails))


def _messages(
    center: Center, report: Report, built: ReportFile, to: list[str]
) -> list[EmailMessage]:
    subject = f"【{center.name}】{report.title}"
    files = []
    passwords = []
    for address in to:
        message = EmailMessage(
            subject=f"{subject}（暗号化）",
            body=(
                f"{report.title}（{report.period_label}）を暗号化して添付します。\n"
                "パスワードは別のメールでお送りします。\n"
                "このメールに心当たりがない場合は、開かずに削除してください。\n"
            ),
            to=[address],
        )
        message.attach(built.filename, built.content, built.content_type)
        files.append(message)
        passwords.append(
            EmailMessage(
                subject=f"{subject}（パスワードのお知らせ）",
                body=(
                    f"先にお送りした {built.filename} のパスワードです。\n\n"
                    f"パスワード: {built.password}\n\n"
                    "ファイルのメールとは別にお送りしています。\n"
                ),
                to=[address],
            )
        )
    # Every file first, then every password: never both in one message.
    return files + passwords


def report_deliver(
    *,
    actor: Any,
    center: Center,
    kind: str,
    period: Period,
    fmt: str,
    recipients: Sequence[str] | None = None,
    scheduled: bool = False,
) -> ReportDelivery:
    """Build ``kind`` for ``period``, encrypt it with a fresh password and e-mail it to
    ``recipients`` (default: the active ReportRecipients of the center and kind), then
    e-mail the password separately. Audited as a delivery.

    The delivery row, the audit event and the sending share one transaction: a refused
    mail rolls them back, so the log never claims a delivery that did not happen; the
    failure is then recorded on its own (status ``failed``, for the history and the
    worker's retry) and raised as ReportsError.
    """
    _check_format(fmt)
    to = _recipient_list(center, kind, recipients)
    report = report_build(center=center, kind=kind, period=period)
    built = render_file(
        report, fmt=fmt, filename_stem=_stem(center, kind, period), password=password_new()
    )
    row = {
        "center": center,
        "kind": kind,
        "period_kind": period.kind,
        "period_first": period.first,
        "period_last": period.last,
        "fmt": fmt,
        "recipients": to,
        "scheduled": scheduled,
    }
    try:
        with transaction.atomic():
            delivery = ReportDelivery.objects.create(
                **row, status=ReportDelivery.Status.SENT, sent_at=timezone.now()
            )
            audit_log(
                action=audit_actions.REPORT_DELIVERED,
                actor=actor,
                center=center,
                obj=delivery,
                data=_audit_data(kind, period, fmt, to=to, scheduled=scheduled),
            )
            _send(_messages(center, report, built, to))
    except ReportsError as exc:
        ReportDelivery.objects.create(
            **row, status=ReportDelivery.Status.FAILED, error=str(exc.message)[:300]
        )
        raise
    return delivery


def _send(messages: list[EmailMessage]) -> None:
    try:
        with get_connection(fail_silently=False) as connection:
            sent = connection.send_messages(messages)
    except (OSError, smtplib.SMTPException) as exc:
        raise ReportsError(
            _("メールを送信できませんでした。時間をおいてもう一度お試しください。"),
            field="recipients",
        ) from exc
    if sent != len(messages):
        raise ReportsError(_("一部のメールを送信できませんでした。"), field="recipients")

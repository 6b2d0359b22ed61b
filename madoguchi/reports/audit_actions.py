from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

SETTINGS_SAVED = register("reports.settings.saved", _("報告書の集計設定を変更"))
RECIPIENT_SAVED = register("reports.recipient.saved", _("報告書の送付先を変更"))
REPORT_DELIVERED = register("reports.report.delivered", _("報告書を送付"), ActionKind.EXPORT)
REPORT_DOWNLOADED = register(
    "reports.report.downloaded", _("報告書をダウンロード"), ActionKind.EXPORT
)
REPORT_VIEWED = register("reports.report.viewed", _("報告書を表示"), ActionKind.ACCESS)

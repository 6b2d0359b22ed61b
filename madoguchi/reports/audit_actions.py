from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import register

SETTINGS_SAVED = register("reports.settings.saved", _("報告書の集計設定を変更"))
RECIPIENT_SAVED = register("reports.recipient.saved", _("報告書の送付先を変更"))

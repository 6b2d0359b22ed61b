from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

LOG_SEARCHED = register("audit.log.searched", _("監査ログを検索"), ActionKind.ACCESS)
LOG_PURGED = register("audit.log.purged", _("保存期間を過ぎた監査ログを削除"), ActionKind.DELETION)

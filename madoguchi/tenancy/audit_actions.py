from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import register

CENTER_CREATED = register("tenancy.center.created", _("センターを作成"))
CENTER_UPDATED = register("tenancy.center.updated", _("センターを変更"))
NUMBER_ADDED = register("tenancy.number.added", _("着信番号を追加"))
NUMBER_UPDATED = register("tenancy.number.updated", _("着信番号の種別・名称を変更"))
NUMBER_REMOVED = register("tenancy.number.removed", _("着信番号を削除"))
HOURS_SET = register("tenancy.calendar.hours_set", _("受付時間を設定"))
YEAR_END_SET = register("tenancy.calendar.year_end_set", _("年末年始休業の設定を変更"))
EXCEPTION_SET = register("tenancy.calendar.exception_set", _("臨時の休業・開設を設定"))
EXCEPTION_REMOVED = register("tenancy.calendar.exception_removed", _("臨時の休業・開設を削除"))
DEPARTMENT_SAVED = register("tenancy.department.saved", _("所管課を登録・変更"))
RETENTION_SET = register("tenancy.retention.set", _("保存期間を設定"))

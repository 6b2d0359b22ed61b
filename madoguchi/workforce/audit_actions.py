from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import register

SETTINGS_SAVED = register("workforce.settings.saved", _("要員計画の設定を変更"))
FORECAST_BUILT = register("workforce.forecast.built", _("呼量予測を作成"))
EVENT_SAVED = register("workforce.event.saved", _("呼量予測のイベント日を登録"))
EVENT_DELETED = register("workforce.event.deleted", _("呼量予測のイベント日を削除"))
PLAN_BUILT = register("workforce.plan.built", _("要員計画を作成"))
PLAN_CHANGED = register("workforce.plan.changed", _("計画要員数を変更"))

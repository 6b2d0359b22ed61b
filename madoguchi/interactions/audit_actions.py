from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

CATEGORY_CREATED = register("interactions.category.created", _("応対分類を作成"))
CATEGORY_CHANGED = register("interactions.category.changed", _("応対分類を変更"))
INTERACTION_RECORDED = register("interactions.interaction.recorded", _("応対履歴を登録"))
INTERACTION_UPDATED = register("interactions.interaction.updated", _("応対履歴を修正"))
INTERACTION_VIEWED = register(
    "interactions.interaction.viewed", _("応対履歴を閲覧"), ActionKind.ACCESS
)
CALLER_HISTORY_VIEWED = register(
    "interactions.caller.history_viewed", _("発信者の過去の応対を閲覧"), ActionKind.ACCESS
)
INTERACTIONS_SEARCHED = register(
    "interactions.interaction.searched", _("応対履歴を検索"), ActionKind.ACCESS
)
INTERACTIONS_EXPORTED = register(
    "interactions.interaction.exported", _("応対履歴を出力"), ActionKind.EXPORT
)
PERSONAL_DATA_EXPIRED = register(
    "interactions.interaction.personal_data_expired",
    _("保存期間を過ぎた応対履歴の個人情報を削除"),
    ActionKind.DELETION,
)
ESCALATION_CREATED = register("interactions.escalation.created", _("二次対応を依頼"))
ESCALATION_STARTED = register("interactions.escalation.started", _("二次対応を開始"))
ESCALATION_REPORTED = register("interactions.escalation.reported", _("二次対応の完了を報告"))
ESCALATION_CONFIRMED = register("interactions.escalation.confirmed", _("二次対応の完了を確認"))
ESCALATION_REMINDED = register("interactions.escalation.reminded", _("二次対応の期限を督促"))
CALLBACK_REQUESTED = register("interactions.callback.requested", _("折り返しを依頼"))
CALLBACK_ATTEMPTED = register("interactions.callback.attempted", _("折り返し発信を記録"))
CALLBACK_VIEWED = register(
    "interactions.callback.viewed", _("折り返し依頼を閲覧"), ActionKind.ACCESS
)

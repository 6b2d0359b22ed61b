from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

CATEGORY_CREATED = register("interactions.category.created", _("応対分類を作成"))
INTERACTION_RECORDED = register("interactions.interaction.recorded", _("応対履歴を登録"))
PERSONAL_DATA_EXPIRED = register(
    "interactions.interaction.personal_data_expired",
    _("保存期間を過ぎた応対履歴の個人情報を削除"),
    ActionKind.DELETION,
)

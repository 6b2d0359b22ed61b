from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

FAQ_CREATED = register("knowledge.faq.created", _("FAQを作成"))
FAQ_UPDATED = register("knowledge.faq.updated", _("FAQを変更"))
FAQ_SUBMITTED = register("knowledge.faq.submitted", _("FAQを市の承認に回付"))
FAQ_APPROVED = register("knowledge.faq.approved", _("FAQを承認"))
FAQ_REJECTED = register("knowledge.faq.rejected", _("FAQを差戻し"))
FAQ_PUBLISHED = register("knowledge.faq.published", _("FAQを公開"))
FAQ_ARCHIVED = register("knowledge.faq.archived", _("FAQをアーカイブ"))
FAQ_REVIEWED = register("knowledge.faq.reviewed", _("FAQの定期見直しを記録"))
FAQ_DELETED = register("knowledge.faq.deleted", _("下書きのFAQを削除"), ActionKind.DELETION)
FAQ_USED = register("knowledge.faq.used", _("応対でFAQを使用"))
FAQ_IMPORTED = register("knowledge.faq.imported", _("FAQを一括取込み"))
FAQ_EXPORTED = register("knowledge.faq.exported", _("FAQを一括出力"), ActionKind.EXPORT)
CATEGORY_CREATED = register("knowledge.category.created", _("FAQ分類を作成"))
SYNONYM_ADDED = register("knowledge.synonym.added", _("同義語を登録"))
SYNONYM_REMOVED = register("knowledge.synonym.removed", _("同義語を削除"))

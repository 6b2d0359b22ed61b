from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

MESSAGE_RECEIVED = register("inbox.message.received", _("問合せを受信"))
MESSAGE_VIEWED = register("inbox.message.viewed", _("受信メッセージを閲覧"), ActionKind.ACCESS)
MESSAGE_ASSIGNED = register("inbox.message.assigned", _("受信メッセージの担当を決定"))
MESSAGE_REPLIED = register("inbox.message.replied", _("受信メッセージに回答"))
MESSAGE_CLOSED = register("inbox.message.closed", _("受信メッセージを完了"))
MESSAGES_OVERDUE = register(
    "inbox.message.overdue_flagged", _("回答期限を過ぎた受信メッセージを表示")
)
PERSONAL_DATA_EXPIRED = register(
    "inbox.message.personal_data_expired",
    _("保存期間を過ぎた受信メッセージの個人情報を削除"),
    ActionKind.DELETION,
)
MAILBOX_SAVED = register("inbox.mailbox.saved", _("受信メールボックスを設定"))
MAILBOX_FETCHED = register("inbox.mailbox.fetched", _("メールボックスから受信"))
SETTINGS_SAVED = register("inbox.settings.saved", _("受信箱の設定を変更"))
TEMPLATE_SAVED = register("inbox.template.saved", _("回答テンプレートを保存"))
SURVEY_ANSWERED = register("inbox.survey.answered", _("満足度アンケートに回答"))

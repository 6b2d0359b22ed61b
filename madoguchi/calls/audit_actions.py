from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

QUEUE_SAVED = register("calls.queue.saved", _("キューを登録・変更"))
FORWARDING_SET = register("calls.forwarding.set", _("時間外転送を切替"))
AGENT_SAVED = register("calls.agent.saved", _("オペレーター席を登録"))
SIMULATION_RECORDED = register("calls.simulation.recorded", _("シミュレーション通話を記録"))
CDR_IMPORTED = register("calls.cdr.imported", _("通話記録を取込み"))
CDR_EXPORTED = register("calls.cdr.exported", _("通話記録を出力"))

# Recordings (TEL-6).
RECORDING_STORED = register("calls.recording.stored", _("通話録音を保存"))
RECORDING_HELD = register("calls.recording.held", _("通話録音を保全"))
RECORDING_RELEASED = register("calls.recording.released", _("通話録音の保全を解除"))
RECORDING_PLAYED = register("calls.recording.played", _("通話録音を再生"), ActionKind.ACCESS)
RECORDING_INTEGRITY_FAILED = register(
    "calls.recording.integrity_failed", _("通話録音の改ざん・欠損を検知"), ActionKind.ACCESS
)
RECORDING_DELETED = register(
    "calls.recording.deleted", _("通話録音を削除（管理者承認）"), ActionKind.DELETION
)
RECORDING_PURGED = register(
    "calls.recording.purged", _("保存期間を過ぎた通話録音を削除"), ActionKind.DELETION
)

# Announcements, voicemail (TEL-2, TEL-4).
ANNOUNCEMENT_SAVED = register("calls.announcement.saved", _("ガイダンスを登録・変更"))
VOICEMAIL_STATUS_SET = register("calls.voicemail.status_set", _("留守番電話の対応状況を変更"))
VOICEMAIL_LISTED = register(
    "calls.voicemail.listed", _("留守番電話の一覧を閲覧"), ActionKind.ACCESS
)

from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import register

QUEUE_SAVED = register("calls.queue.saved", _("キューを登録・変更"))
FORWARDING_SET = register("calls.forwarding.set", _("時間外転送を切替"))
AGENT_SAVED = register("calls.agent.saved", _("オペレーター席を登録"))
SIMULATION_RECORDED = register("calls.simulation.recorded", _("シミュレーション通話を記録"))
CDR_IMPORTED = register("calls.cdr.imported", _("通話記録を取込み"))
CDR_EXPORTED = register("calls.cdr.exported", _("通話記録を出力"))

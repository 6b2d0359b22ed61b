from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

SERVICE_SAVED = register("reservations.service.saved", _("予約サービスを登録・変更"))
VENUE_SAVED = register("reservations.venue.saved", _("会場を登録・変更"))
SLOT_CREATED = register("reservations.slot.created", _("予約枠を作成"))
SLOT_UPDATED = register("reservations.slot.updated", _("予約枠を変更"))
BOOKING_CREATED = register("reservations.booking.created", _("予約を登録"))
BOOKING_CANCELLED = register("reservations.booking.cancelled", _("予約を取消"))
BOOKING_CHANGED = register("reservations.booking.changed", _("予約を変更"))
BOOKING_VIEWED = register("reservations.booking.viewed", _("予約を閲覧"), ActionKind.ACCESS)
PERSON_LOOKED_UP = register("reservations.person.looked_up", _("対象者を照会"), ActionKind.ACCESS)
ROSTER_IMPORTED = register("reservations.roster.imported", _("対象者名簿を取込み"))
VENUE_LIST_DELIVERED = register(
    "reservations.venue_list.delivered", _("会場別予約者名簿を出力"), ActionKind.EXPORT
)
EVENT_SAVED = register("reservations.event.saved", _("イベントを登録・変更"))
APPLICATION_CREATED = register("reservations.application.created", _("イベント申込みを登録"))
APPLICATION_WITHDRAWN = register("reservations.application.withdrawn", _("イベント申込みを取消"))
ADMISSION_GATE_CONFIGURED = register(
    "reservations.admission_gate.configured", _("予約サイトの入場制御を設定")
)
CITIZEN_LOGGED_IN = register(
    "reservations.citizen.logged_in", _("予約サイトに本人がログイン"), ActionKind.AUTH
)

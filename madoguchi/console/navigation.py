"""The console's navigation: one entry per part, shown to those allowed to use it.

Parts still to come are listed without a link so operators see where they will be.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.permissions import Action, actions_for


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str | None  # None: not built yet
    action: Action


ENTRIES = [
    NavEntry(_("ホーム"), "console:home", Action.CENTER_VIEW),
    NavEntry(_("受付状態"), "console:phone", Action.CALL_HANDLE),
    NavEntry(_("応対画面"), "console:desk", Action.INTERACTION_CREATE),
    NavEntry(_("応対履歴"), "console:history", Action.INTERACTION_VIEW),
    NavEntry(_("二次対応・折り返し"), "console:followups", Action.INTERACTION_VIEW),
    NavEntry(_("受信箱"), "console:inbox_console:list", Action.INBOX_HANDLE),
    NavEntry(_("応対分類"), "console:categories", Action.CATEGORY_MANAGE),
    NavEntry(_("FAQ"), "console:knowledge_console:list", Action.FAQ_VIEW),
    NavEntry(_("予約"), "console:reservations_console:home", Action.BOOKING_MANAGE),
    NavEntry(_("待ち呼・在席状況"), "console:wallboard", Action.WALLBOARD_VIEW),
    NavEntry(_("通話録音"), "console:recordings", Action.RECORDING_PLAY),
    NavEntry(_("留守番電話"), "console:voicemail", Action.CALL_HANDLE),
    NavEntry(_("時間外転送"), "console:forwarding", Action.FORWARDING_SWITCH),
    NavEntry(_("ガイダンス"), "console:announcements", Action.CENTER_MANAGE),
    NavEntry(_("キュー"), "console:queues", Action.CENTER_MANAGE),
    NavEntry(_("レポート"), "console:reports_console:home", Action.REPORT_VIEW),
    NavEntry(_("要員計画"), "console:workforce_console:home", Action.STAFFING_MANAGE),
    NavEntry(_("センター設定"), "console:center", Action.CENTER_VIEW),
    NavEntry(_("職員と権限"), "console:staff", Action.USER_MANAGE),
    NavEntry(_("監査ログ"), "console:audit", Action.AUDIT_VIEW),
]


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str | None
    active: bool


def navigation(*, user: object, center: object | None, path: str) -> list[NavItem]:
    allowed = actions_for(user, center)
    items = []
    for entry in ENTRIES:
        if entry.action not in allowed:
            continue
        url = reverse(entry.url_name) if entry.url_name else None
        active = url is not None and (path == url or (url != "/console/" and path.startswith(url)))
        items.append(NavItem(entry.label, url, active))
    return items

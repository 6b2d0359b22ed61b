from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind, register

USER_CREATED = register("accounts.user.created", _("利用者を登録"))
USER_PASSWORD_SET = register("accounts.user.password_set", _("パスワードを設定"))
MEMBERSHIP_GRANTED = register("accounts.membership.granted", _("役割を付与"))
MEMBERSHIP_REVOKED = register("accounts.membership.revoked", _("役割を解除"))
TOTP_ENROLLED = register("accounts.totp.enrolled", _("二段階認証を登録"))
TOTP_REMOVED = register("accounts.totp.removed", _("二段階認証を解除"))
LOGGED_IN = register("accounts.session.logged_in", _("ログイン"), ActionKind.AUTH)
LOGGED_OUT = register("accounts.session.logged_out", _("ログアウト"), ActionKind.AUTH)
LOGIN_FAILED = register("accounts.session.login_failed", _("ログイン失敗"), ActionKind.AUTH)
LOCKED_OUT = register("accounts.session.locked_out", _("ログインをロック"), ActionKind.AUTH)
CENTER_SWITCHED = register("accounts.session.center_switched", _("センターを切替"), ActionKind.AUTH)
USER_VIEWED = register("accounts.user.viewed", _("利用者情報を閲覧"), ActionKind.ACCESS)

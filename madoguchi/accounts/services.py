"""Writes of the accounts context: users, memberships, second factor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts import audit_actions
from madoguchi.accounts.errors import AccountsError
from madoguchi.accounts.models import Membership, Role, User
from madoguchi.audit.services import audit_log
from madoguchi.tenancy.models import Center


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    check_password_strength: bool = True,
) -> User:
    """Register a staff user; the password is hashed with Argon2."""
    username = username.strip()
    if not username:
        raise AccountsError(_("ログインIDを入力してください。"), field="username")
    if len(username) > 150:
        raise AccountsError(_("ログインIDは150文字以内にしてください。"), field="username")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise AccountsError(
            _("ログインIDには英数字と @ . + - _ だけを使ってください。"), field="username"
        ) from exc
    if User.objects.filter(username=username).exists():
        raise AccountsError(_("このログインIDは既に使われています。"), field="username")
    user = User(username=username, display_name=display_name, email=email)
    if check_password_strength:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountsError(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    audit_log(action=audit_actions.USER_CREATED, actor=actor, obj=user)
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> User:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountsError(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_log(action=audit_actions.USER_PASSWORD_SET, actor=actor, obj=user)
    return user


@transaction.atomic
def membership_grant(*, actor: Any, user: User, center: Center | None, role: Role) -> Membership:
    """Give ``user`` a role in ``center`` (``None``: every center, system administrators only)."""
    if center is None and role != Role.SYSADMIN:
        raise AccountsError(
            _("全センター共通の役割はシステム管理者だけに付与できます。"), field="center"
        )
    existing = Membership.objects.filter(user=user, center=center, role=role).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, center=center, role=role)
    except IntegrityError as exc:  # a concurrent grant of the same role
        raise AccountsError(_("この役割は既に付与されています。")) from exc
    audit_log(
        action=audit_actions.MEMBERSHIP_GRANTED,
        actor=actor,
        center=center,
        obj=user,
        data={"role": str(role)},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Any, membership: Membership) -> None:
    audit_log(
        action=audit_actions.MEMBERSHIP_REVOKED,
        actor=actor,
        center=membership.center,
        obj=membership.user,
        data={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Create (or restart) the user's unconfirmed authenticator-app device."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_device_confirm(*, user: User, token: str) -> TOTPDevice:
    """Confirm the device with a first code; from then on log-in asks for a code.

    The code is checked outside the transaction, so a wrong code's throttling (django-otp
    slows down repeated guesses) is kept even though the confirmation fails.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise AccountsError(_("先に二段階認証の設定を開始してください。"))
    token = token.strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        raise AccountsError(_("確認コードが正しくありません。"), field="token")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_log(action=audit_actions.TOTP_ENROLLED, actor=user, obj=user)
    return device


@transaction.atomic
def totp_device_remove(*, actor: Any, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    audit_log(action=audit_actions.TOTP_REMOVED, actor=actor, obj=user)


@transaction.atomic
def staff_add(
    *,
    actor: Any,
    center: Center,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
) -> User:
    """Register a new staff member with a role in ``center``, both or neither."""
    if role == Role.SYSADMIN:
        raise AccountsError(_("システム管理者はこの画面では登録できません。"), field="role")
    user = user_create(actor=actor, username=username, password=password, display_name=display_name)
    membership_grant(actor=actor, user=user, center=center, role=role)
    return user

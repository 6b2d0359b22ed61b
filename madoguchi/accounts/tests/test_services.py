"""Accounts services: users, passwords, memberships and the second factor."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

import madoguchi.config.settings as project_settings
from madoguchi.accounts.errors import AccountsError
from madoguchi.accounts.models import Membership, Role, User
from madoguchi.accounts.services import (
    membership_grant,
    membership_revoke,
    totp_device_confirm,
    totp_device_remove,
    totp_device_start,
    user_create,
    user_set_password,
)
from madoguchi.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

STRONG = "Hamadori-Kaigan-0246"


@pytest.fixture
def admin():
    return UserFactory.create(username="sysadmin-tanaka", display_name="システム管理者 田中")


def current_token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- user_create --------------------------------------------------------------------


def test_user_create(admin, audit_trail):
    user = user_create(
        actor=admin,
        username="  sato-hanako ",
        password=STRONG,
        display_name="オペレーター 佐藤",
        email="sato@city.iwaki.example.jp",
    )
    user.refresh_from_db()
    assert user.username == "sato-hanako"
    assert user.display_name == "オペレーター 佐藤"
    assert user.check_password(STRONG) is True
    assert user.password != STRONG
    events = audit_trail.events()
    assert [e.action for e in events] == ["accounts.user.created"]
    assert (events[0].actor_label, events[0].object_repr) == (
        "sysadmin-tanaka",
        "オペレーター 佐藤",
    )
    assert events[0].object_type == "accounts.user"
    assert events[0].data == {}  # never the password


def test_tests_use_the_fast_hasher(admin):
    user = user_create(actor=admin, username="suzuki", password=STRONG)
    assert user.password.startswith("md5$")


def test_argon2_is_the_production_hasher(settings, admin):
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = user_create(actor=admin, username="takahashi", password=STRONG)
    assert user.password.startswith("argon2$argon2id$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert check_password(STRONG, user.password) is True


@pytest.mark.parametrize("username", ["sato", " sato ", "sato\t"])
def test_user_create_refuses_duplicate(admin, username, audit_trail):
    UserFactory.create(username="sato")
    audit_trail.mark()
    with pytest.raises(AccountsError) as excinfo:
        user_create(actor=admin, username=username, password=STRONG)
    assert excinfo.value.field == "username"
    assert str(excinfo.value) == "このログインIDは既に使われています。"
    assert User.objects.filter(username__startswith="sato").count() == 1
    assert audit_trail.actions() == []


@pytest.mark.parametrize("username", ["", "   ", "\t"])
def test_user_create_refuses_empty_username(admin, username, audit_trail):
    with pytest.raises(AccountsError) as excinfo:
        user_create(actor=admin, username=username, password=STRONG)
    assert excinfo.value.field == "username"
    assert str(excinfo.value) == "ログインIDを入力してください。"
    assert User.objects.count() == 1  # only the admin
    assert audit_trail.actions() == []


@pytest.mark.parametrize(
    ("username", "password", "message_part"),
    [
        ("ito", "Short-1", "短すぎ"),  # MinimumLengthValidator (12)
        ("ito", "827364519283", "数字しか"),  # NumericPasswordValidator
        ("ito", "qwerty123456", "一般的すぎ"),  # CommonPasswordValidator
        ("watanabe-kazuki", "watanabe-kazuki1", "似すぎ"),  # UserAttributeSimilarity
    ],
)
def test_user_create_refuses_weak_passwords(admin, username, password, message_part, audit_trail):
    with pytest.raises(AccountsError) as excinfo:
        user_create(actor=admin, username=username, password=password)
    assert excinfo.value.field == "password"
    assert message_part in str(excinfo.value)
    assert not User.objects.filter(username=username).exists()
    assert audit_trail.actions() == []


def test_user_create_can_skip_the_strength_check(admin):
    user = user_create(
        actor=admin, username="yamamoto", password="x", check_password_strength=False
    )
    assert user.check_password("x") is True


def test_user_create_refuses_a_username_longer_than_the_column(admin, audit_trail):
    """150 characters is the column size: a longer name must be a form error, not a
    database error (PostgreSQL raises DataError, SQLite silently stores it)."""
    with pytest.raises(AccountsError) as excinfo:
        user_create(actor=admin, username="s" * 151, password=STRONG)
    assert excinfo.value.field == "username"
    assert User.objects.count() == 1
    assert audit_trail.actions() == []


# --- user_set_password --------------------------------------------------------------


def test_user_set_password(admin, audit_trail):
    user = UserFactory.create(username="kobayashi")
    user_set_password(actor=admin, user=user, password=STRONG)
    user.refresh_from_db()
    assert user.check_password(STRONG) is True
    assert user.check_password(DEFAULT_PASSWORD) is False
    assert audit_trail.actions() == ["accounts.user.password_set"]


def test_user_set_password_refuses_weak_password(admin, audit_trail):
    user = UserFactory.create(username="kobayashi")
    with pytest.raises(AccountsError) as excinfo:
        user_set_password(actor=admin, user=user, password="12345678")
    assert excinfo.value.field == "password"
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD) is True
    assert audit_trail.actions() == []


# --- memberships --------------------------------------------------------------------


def test_membership_grant_and_revoke(admin, audit_trail):
    center = CenterFactory.create(slug="iwaki")
    user = UserFactory.create(username="sato", display_name="オペレーター 佐藤")
    membership = membership_grant(actor=admin, user=user, center=center, role=Role.OPERATOR)
    again = membership_grant(actor=admin, user=user, center=center, role=Role.OPERATOR)
    assert again.pk == membership.pk
    assert Membership.objects.filter(user=user).count() == 1
    membership_revoke(actor=admin, membership=membership)
    assert Membership.objects.filter(user=user).count() == 0
    events = audit_trail.events()
    assert [e.action for e in events] == [
        "accounts.membership.granted",
        "accounts.membership.revoked",
    ]
    assert [e.data for e in events] == [{"role": "operator"}, {"role": "operator"}]
    assert {e.center_id for e in events} == {center.pk}
    assert {e.object_repr for e in events} == {"オペレーター 佐藤"}


def test_membership_grant_installation_wide_sysadmin(admin, audit_trail):
    user = UserFactory.create(username="tanaka2")
    membership = membership_grant(actor=admin, user=user, center=None, role=Role.SYSADMIN)
    assert membership.center_id is None
    assert membership_grant(actor=admin, user=user, center=None, role=Role.SYSADMIN).pk == (
        membership.pk
    )
    events = audit_trail.events()
    assert [e.action for e in events] == ["accounts.membership.granted"]
    assert events[0].center_id is None


# --- TOTP ---------------------------------------------------------------------------


def test_totp_enrolment_with_the_right_code(audit_trail):
    user = UserFactory.create(username="suzuki")
    device = totp_device_start(user=user)
    assert device.confirmed is False
    assert audit_trail.actions() == []
    token = current_token(device)
    confirmed = totp_device_confirm(user=user, token=f" {token[:3]} {token[3:]} ")
    confirmed.refresh_from_db()
    assert confirmed.pk == device.pk
    assert confirmed.confirmed is True
    events = audit_trail.events()
    assert [e.action for e in events] == ["accounts.totp.enrolled"]
    assert (events[0].actor_id, events[0].object_id) == (user.pk, str(user.pk))


@pytest.mark.parametrize("kind", ["off_by_one", "letters", "empty", "too_short"])
def test_totp_enrolment_with_a_wrong_code_is_refused(kind, audit_trail):
    user = UserFactory.create(username="suzuki")
    device = totp_device_start(user=user)
    right = current_token(device)
    wrong = {
        "off_by_one": f"{(int(right) + 1) % 10**6:06d}",
        "letters": "abcdef",
        "empty": "",
        "too_short": right[:5],
    }[kind]
    with pytest.raises(AccountsError) as excinfo:
        totp_device_confirm(user=user, token=wrong)
    assert excinfo.value.field == "token"
    assert str(excinfo.value) == "確認コードが正しくありません。"
    device.refresh_from_db()
    assert device.confirmed is False
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 0
    assert audit_trail.actions() == []


def test_totp_confirm_without_start_is_refused(audit_trail):
    user = UserFactory.create(username="suzuki")
    with pytest.raises(AccountsError) as excinfo:
        totp_device_confirm(user=user, token="123456")
    assert str(excinfo.value) == "先に二段階認証の設定を開始してください。"
    assert audit_trail.actions() == []


def test_totp_reenrolment_replaces_the_old_device(audit_trail):
    user = UserFactory.create(username="suzuki")
    first = totp_device_confirm(user=user, token=current_token(totp_device_start(user=user)))
    second_start = totp_device_start(user=user)
    # Starting again keeps the confirmed device until the new one is confirmed.
    assert TOTPDevice.objects.filter(user=user, confirmed=True).get().pk == first.pk
    second = totp_device_confirm(user=user, token=current_token(second_start))
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [
        (second.pk, True)
    ]
    assert audit_trail.actions() == ["accounts.totp.enrolled", "accounts.totp.enrolled"]


def test_totp_device_remove(admin, audit_trail):
    user = UserFactory.create(username="suzuki")
    totp_device_confirm(user=user, token=current_token(totp_device_start(user=user)))
    totp_device_remove(actor=admin, user=user)
    assert TOTPDevice.objects.filter(user=user).count() == 0
    events = audit_trail.events()
    assert [e.action for e in events] == ["accounts.totp.enrolled", "accounts.totp.removed"]
    assert events[1].actor_label == "sysadmin-tanaka"

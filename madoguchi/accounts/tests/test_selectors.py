"""Accounts reads: the centers a user may open, and their second factor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.models import Role
from madoguchi.accounts.selectors import user_centers, user_totp_device
from madoguchi.accounts.tests.factories import MembershipFactory, UserFactory
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


def test_user_centers_only_where_the_user_has_a_role(all_scenarios):
    user = UserFactory.create()
    MembershipFactory.create(user=user, center=all_scenarios["oita"], role=Role.OPERATOR)
    MembershipFactory.create(user=user, center=all_scenarios["iwaki"], role=Role.FAQ_EDITOR)
    assert [c.slug for c in user_centers(user=user)] == ["iwaki", "oita"]


def test_user_centers_for_an_installation_wide_sysadmin(all_scenarios):
    user = UserFactory.create()
    MembershipFactory.create(user=user, center=None, role=Role.SYSADMIN)
    CenterFactory.create(slug="retired", is_active=False)
    assert [c.slug for c in user_centers(user=user)] == ["iwaki", "niigata", "oita", "sapporo"]


def test_user_centers_hides_inactive_centers(db):
    user = UserFactory.create()
    active = CenterFactory.create(slug="active")
    MembershipFactory.create(user=user, center=active, role=Role.OPERATOR)
    MembershipFactory.create(
        user=user, center=CenterFactory.create(slug="retired", is_active=False)
    )
    assert [c.slug for c in user_centers(user=user)] == ["active"]


def test_user_centers_none_for_users_without_roles_or_anonymous(db):
    CenterFactory.create()
    assert list(user_centers(user=UserFactory.create())) == []
    anonymous = AnonymousUser()
    assert list(user_centers(user=anonymous)) == []  # type: ignore[arg-type]


def test_user_totp_device_only_when_confirmed(db):
    user = UserFactory.create()
    assert user_totp_device(user=user) is None
    pending = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    assert user_totp_device(user=user) is None
    pending.confirmed = True
    pending.save()
    device = user_totp_device(user=user)
    assert device is not None and device.pk == pending.pk

"""Reads of the accounts context."""

from __future__ import annotations

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import Action, centers_with
from madoguchi.tenancy.models import Center


def user_centers(*, user: User) -> QuerySet[Center]:
    """Centers the user may open in the console (any role there)."""
    ids = centers_with(user, Action.CENTER_VIEW)
    centers = Center.objects.filter(is_active=True).order_by("kind", "slug")
    return centers if ids is None else centers.filter(id__in=ids)


def user_totp_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def center_staff(*, center: Center) -> QuerySet[User]:
    """Users holding a role in ``center`` (installation-wide administrators excluded)."""
    return (
        User.objects.filter(memberships__center=center)
        .distinct()
        .prefetch_related("memberships__center")
        .order_by("username")
    )


def staff_member(*, center: Center, user_id: int) -> User | None:
    return center_staff(center=center).filter(pk=user_id).first()

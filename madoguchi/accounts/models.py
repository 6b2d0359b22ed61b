"""Staff users, their roles and the centers they work for (SEC-1)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("オペレーター")
    SUPERVISOR = "supervisor", _("スーパーバイザー")
    MANAGER = "manager", _("管理者")
    SYSADMIN = "sysadmin", _("システム管理者")
    FAQ_EDITOR = "faq_editor", _("FAQ編集者")
    CITY_STAFF = "city_staff", _("市職員（閲覧）")
    VENUE_STAFF = "venue_staff", _("会場スタッフ")


class User(AbstractUser):
    """A staff member. Citizens never have accounts: they identify per booking."""

    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A role a user holds in one center; ``center`` empty means every center.

    Only system administrators may hold an installation-wide membership.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    center = models.ForeignKey(
        "tenancy.Center",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("役割"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "center", "role"],
                condition=Q(center__isnull=False),
                name="membership_unique_per_center",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(center__isnull=True),
                name="membership_unique_global",
            ),
            models.CheckConstraint(
                condition=Q(center__isnull=False) | Q(role="sysadmin"),
                name="membership_global_only_sysadmin",
            ),
        ]

    def __str__(self) -> str:
        where = self.center.slug if self.center is not None else "*"
        return f"{self.user} {self.role}@{where}"

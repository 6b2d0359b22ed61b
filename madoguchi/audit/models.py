"""The audit log: one append-only, hash-chained table (SEC-2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.registry import ActionKind


class AuditEvent(models.Model):
    """Who did or saw what, when, where, from which request.

    ``hash`` covers every other column and ``prev_hash`` (the previous row's hash), and
    ``seq`` counts rows without gaps, so changing, inserting or deleting a row breaks
    the chain that ``madoguchi audit_verify`` walks.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(_("日時"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("操作者"),
    )
    actor_label = models.CharField(_("操作者"), max_length=150, blank=True)
    center = models.ForeignKey(
        "tenancy.Center",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("センター"),
    )
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    kind = models.CharField(_("区分"), max_length=10, choices=ActionKind.choices)
    object_type = models.CharField(_("対象の種類"), max_length=80, blank=True)
    object_id = models.CharField(_("対象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("対象"), max_length=200, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    request_id = models.CharField(_("リクエストID"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["center", "occurred_at"], name="audit_center_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.action}"


class AuditChain(models.Model):
    """The chain's single head row: last sequence number and hash, and the purge anchor.

    Writers lock this row, so events are chained in one order even under concurrent
    transactions on PostgreSQL. After a retention purge, ``anchor_seq`` and
    ``anchor_hash`` are the last purged row's, so the first kept row still verifies.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    anchor_seq = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("監査ログの連鎖")

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"

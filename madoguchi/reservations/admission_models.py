"""Tables that protect the public booking pages: the waiting room and the log-in throttle.

They live in the database so that every public process (several uvicorn workers, several
machines) agrees on one queue and one set of counters (RSV-7, REL-3). Imported by
``models.py``; the logic is in ``admission.py`` and ``throttle.py``.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdmissionGate(models.Model):
    """The waiting room in front of one center's booking pages.

    Visitors who arrive before ``opens_at`` join the pre-queue; at the opening they are
    admitted in a random order (nobody gains by refreshing at 08:59:59), then everybody
    later is admitted first come, first served, ``rate_per_minute`` new visitors a minute.
    ``next_admit_us`` is the earliest time (µs since the Unix epoch) the next newcomer can
    be admitted (the "theoretical arrival time" of the generic cell-rate algorithm): a
    single row, updated under its row lock, so every process hands out the same slots.
    """

    center = models.OneToOneField(
        "tenancy.Center", on_delete=models.CASCADE, related_name="admission_gate"
    )
    rate_per_minute = models.PositiveIntegerField(_("1分あたりの入場数"))
    session_minutes = models.PositiveIntegerField(_("入場後の有効時間（分）"))
    opens_at = models.DateTimeField(_("受付開始日時"), null=True, blank=True)
    closed = models.BooleanField(_("ウェブ受付を停止"), default=False)
    prequeue_size = models.PositiveIntegerField(default=0)
    sealed = models.BooleanField(default=False)
    next_admit_us = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("予約サイトの入場制御")
        verbose_name_plural = _("予約サイトの入場制御")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_per_minute__gte=1), name="admission_rate_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(session_minutes__gte=1), name="admission_session_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.center_id}: {self.rate_per_minute}/min"


class AdmissionTicket(models.Model):
    """One visitor's place in the waiting room (the visitor holds it in a signed cookie).

    A pre-queue ticket carries a random ``sort_key``; its admission time is known only at
    the opening (its rank among the pre-queue). A later ticket gets ``admit_at_us`` when
    it is issued.
    """

    gate = models.ForeignKey(AdmissionGate, on_delete=models.CASCADE, related_name="tickets")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    prequeue = models.BooleanField(default=False)
    sort_key = models.BigIntegerField(default=0)
    admit_at_us = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["gate", "prequeue", "sort_key"], name="admission_ticket_rank"),
            models.Index(fields=["created_at"], name="admission_ticket_created"),
        ]

    def __str__(self) -> str:
        return str(self.token)


class LoginThrottle(models.Model):
    """Failed booking log-ins in the current window, per coupon or per address.

    ``key`` is an HMAC of the coupon number (with the center) or of the address, so the
    table holds no coupon numbers.
    """

    key = models.CharField(max_length=64, unique=True)
    window_started_at = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.failures}"

"""Calls, their append-only events, agents and their states, queues and announcements (TEL).

``CallEvent`` and ``AgentStateEvent`` are the source of truth; ``Call`` is the summary
row of one contact leg that reports read (telephony research §6). Times are UTC.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Queue(models.Model):
    """Callers wait here for an agent with all of the queue's skills (TEL-1, TEL-9)."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="queues")
    name = models.CharField(_("名称"), max_length=100)
    skills = models.JSONField(_("必要スキル"), default=list, blank=True)
    language = models.CharField(
        _("言語"), max_length=8, default="ja", help_text=_("この言語を選んだ発信者が入るキュー")
    )
    is_default = models.BooleanField(_("既定のキュー"), default=False)
    max_wait_s = models.PositiveIntegerField(_("最大待ち時間（秒）"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("最大待ち呼数"), null=True, blank=True)
    sl_threshold_s = models.PositiveIntegerField(_("サービスレベル基準（秒）"), default=20)
    ring_timeout_s = models.PositiveIntegerField(_("呼出し時間（秒）"), default=15)

    class Meta:
        verbose_name = _("キュー")
        verbose_name_plural = _("キュー")
        ordering = ["center", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="queue_unique_name"),
            models.UniqueConstraint(
                fields=["center"],
                condition=models.Q(is_default=True),
                name="queue_one_default_per_center",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """An operator's telephony identity in one center; simulated agents have no user."""

    center = models.ForeignKey("tenancy.Center", on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
    )
    name = models.CharField(_("名称"), max_length=100)
    extension = models.CharField(_("内線番号"), max_length=10, blank=True)
    skills = models.JSONField(_("スキル"), default=list, blank=True)
    is_simulated = models.BooleanField(_("シミュレーター用"), default=False)

    class Meta:
        verbose_name = _("オペレーター席")
        verbose_name_plural = _("オペレーター席")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="agent_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AgentState(models.TextChoices):
    LOGGED_OUT = "logged_out", _("ログアウト")
    AVAILABLE = "available", _("受付可")
    RINGING = "ringing", _("呼出し中")
    ON_CALL = "on_call", _("通話中")
    WRAP_UP = "wrap_up", _("後処理")
    NOT_READY = "not_ready", _("離席")


class AgentStateEvent(models.Model):
    """An agent entered ``state`` at ``at`` (occupancy and staffed time come from these)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="state_events")
    at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=12, choices=AgentState.choices)
    reason = models.CharField(max_length=40, blank=True)
    call = models.ForeignKey(
        "Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agent", "at"], name="agentstate_agent_at")]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.at:%H:%M:%S}"


class Disposition(models.TextChoices):
    """How a contact ended; KPI.md's ``outcome`` is derived from it."""

    ANSWERED = "answered", _("応答")
    ABANDONED = "abandoned", _("放棄")
    VOICEMAIL = "voicemail", _("留守番電話")
    BLOCKED = "blocked", _("話中・満杯")
    AFTER_HOURS = "after_hours", _("時間外")
    AFTER_HOURS_FORWARDED = "after_hours_forwarded", _("時間外転送")
    UNKNOWN_NUMBER = "unknown_number", _("未登録番号")
    IN_PROGRESS = "in_progress", _("対応中")


class CallSource(models.TextChoices):
    LIVE = "live", _("実通話")
    SIMULATED = "simulated", _("シミュレーション")
    IMPORTED = "imported", _("取込み")


class Call(models.Model):
    """One inbound contact leg; a transfer starts a new leg pointing at its parent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.PROTECT, null=True, related_name="calls"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="transfers"
    )
    source = models.CharField(max_length=10, choices=CallSource.choices, default=CallSource.LIVE)
    external_id = models.CharField(_("外部ID"), max_length=80, blank=True, db_index=True)
    dialed_number = models.CharField(_("着信番号"), max_length=20, db_index=True)
    caller_number = models.CharField(_("発信者番号"), max_length=20, blank=True)
    caller_withheld = models.BooleanField(_("非通知"), default=False)
    language = models.CharField(max_length=8, default="ja")
    queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    arrived_at = models.DateTimeField(_("着信"), db_index=True)
    in_hours = models.BooleanField(_("受付時間内"), default=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("応答"), null=True, blank=True)
    ended_at = models.DateTimeField(_("終話"), null=True, blank=True)
    wrap_end_at = models.DateTimeField(_("後処理終了"), null=True, blank=True)
    disposition = models.CharField(
        max_length=24, choices=Disposition.choices, default=Disposition.IN_PROGRESS
    )
    ring_no_answer_count = models.PositiveSmallIntegerField(default=0)
    sl_threshold_s = models.PositiveIntegerField(null=True, blank=True)
    transferred_to = models.CharField(_("転送先"), max_length=120, blank=True)
    # Filled from the interaction record (or the imported CDR) for first-contact KPIs.
    resolved_in_center = models.BooleanField(null=True, blank=True)
    is_switchboard_transfer = models.BooleanField(null=True, blank=True)
    category = models.CharField(_("分類"), max_length=120, blank=True)
    faq_ids = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("通話")
        verbose_name_plural = _("通話")
        ordering = ["-arrived_at"]
        indexes = [models.Index(fields=["center", "arrived_at"], name="call_center_arrived")]

    def __str__(self) -> str:
        return f"{self.dialed_number} {self.arrived_at:%Y-%m-%d %H:%M:%S}"

    @property
    def phase(self) -> str:
        """``ringing`` until an operator answers, ``talking`` until it ends, then ``ended``."""
        if self.ended_at is not None:
            return "ended"
        return "ringing" if self.answered_at is None else "talking"

    @property
    def wait_s(self) -> float | None:
        """Seconds from arrival to answer (KPI.md: ASA counts from arrival)."""
        if self.answered_at is None:
            return None
        return (self.answered_at - self.arrived_at).total_seconds()


class CallEventType(models.TextChoices):
    ARRIVED = "arrived", _("着信")
    AFTER_HOURS = "after_hours", _("時間外")
    FORWARDED = "forwarded", _("転送（時間外）")
    BLOCKED = "blocked", _("話中")
    ANSWERED = "answered", _("自動応答")
    NOTICE_PLAYED = "notice_played", _("録音告知")
    RECORDING_STARTED = "recording_started", _("録音開始")
    ENQUEUED = "enqueued", _("待ち呼")
    AGENT_OFFERED = "agent_offered", _("オペレーター呼出し")
    AGENT_NO_ANSWER = "agent_no_answer", _("オペレーター不応答")
    AGENT_CONNECTED = "agent_connected", _("オペレーター応答")
    OVERFLOW = "overflow", _("あふれ")
    VOICEMAIL_STARTED = "voicemail_started", _("留守番電話")
    ABANDONED = "abandoned", _("放棄")
    TRANSFERRED = "transferred", _("転送")
    ENDED = "ended", _("終話")
    WRAP_UP_ENDED = "wrap_up_ended", _("後処理終了")


class CallEvent(models.Model):
    """Append-only: what happened to a call, in order (never updated)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    type = models.CharField(max_length=20, choices=CallEventType.choices)
    queue = models.ForeignKey(Queue, on_delete=models.SET_NULL, null=True, blank=True)
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"], name="callevent_call_at")]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%H:%M:%S}"


class AnnouncementKind(models.TextChoices):
    WAITING = "waiting", _("お待たせガイダンス")
    RECORDING_NOTICE = "recording_notice", _("録音告知")
    CONGESTION = "congestion", _("混雑メッセージ")
    AFTER_HOURS = "after_hours", _("時間外ガイダンス")
    VOICEMAIL = "voicemail", _("留守番電話の案内")


class Announcement(models.Model):
    """What callers hear; text is spoken by TTS unless an audio file is uploaded (TEL-2)."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="announcements"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=AnnouncementKind.choices)
    language = models.CharField(_("言語"), max_length=8, default="ja")
    text = models.TextField(_("文言"))
    audio = models.FileField(_("音声ファイル"), upload_to="announcements/", blank=True)

    class Meta:
        verbose_name = _("ガイダンス")
        verbose_name_plural = _("ガイダンス")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "kind", "language"], name="announcement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class Forwarding(models.Model):
    """After-hours forwarding of a center (TEL-3): switchable by a supervisor."""

    center = models.OneToOneField(
        "tenancy.Center", on_delete=models.CASCADE, related_name="forwarding"
    )
    enabled = models.BooleanField(_("時間外転送"), default=False)
    e164 = models.CharField(_("転送先（E.164）"), max_length=20, blank=True)
    display = models.CharField(_("転送先"), max_length=20, blank=True)
    label = models.CharField(_("転送先の名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("時間外転送")
        verbose_name_plural = _("時間外転送")

    def __str__(self) -> str:
        return f"{self.center}: {self.display or '—'}"


class VoicemailStatus(models.TextChoices):
    NEW = "new", _("未対応")
    ASSIGNED = "assigned", _("担当決定")
    CALLED_BACK = "called_back", _("折り返し済み")
    CLOSED = "closed", _("完了")


class Voicemail(models.Model):
    """A message left on overflow (TEL-4), worked until called back and closed."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="voicemail")
    recorded_at = models.DateTimeField()
    duration_s = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=VoicemailStatus.choices, default=VoicemailStatus.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("留守番電話")
        verbose_name_plural = _("留守番電話")

    def __str__(self) -> str:
        return f"{self.call} {self.get_status_display()}"


class DeletionReason(models.TextChoices):
    RETENTION_EXPIRED = "retention_expired", _("保存期間満了")
    MANUAL = "manual", _("個別削除（管理者承認）")


class Recording(models.Model):
    """The audio of one call leg (TEL-6), kept for the center's retention period.

    The file lives in the recordings storage under ``storage_key``; the row only points at
    it and carries its SHA-256, checked before every play. Deleting a recording removes
    the file and keeps the row as the deletion record (SEC-4: what, when, who, how and
    who approved). ``call`` is PROTECTed: a recording — even one already deleted — is
    evidence about a call, and a deletion record that lost its call would no longer say
    what was deleted; calls are kept for reports, so nothing needs to delete them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="recordings")
    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.PROTECT, related_name="recordings"
    )
    started_at = models.DateTimeField(_("録音開始"))
    ended_at = models.DateTimeField(_("録音終了"))
    duration_s = models.DecimalField(_("長さ（秒）"), max_digits=9, decimal_places=3)
    storage_key = models.CharField(_("保存先"), max_length=200, unique=True)
    format = models.CharField(_("形式"), max_length=8, default="wav")
    size_bytes = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    notice_played = models.BooleanField(_("録音告知済み"))
    # Fixed when the recording is stored: a later change of the center's setting applies
    # to new recordings only, so the date shown to staff never moves.
    retention_days = models.PositiveIntegerField(_("保存日数"))
    retention_defaulted = models.BooleanField(
        _("既定の保存日数を適用"),
        default=False,
        help_text=_("センターに録音の保存期間が設定されていなかったため既定値を使用"),
    )
    retention_until = models.DateTimeField(_("保存期限"))
    legal_hold = models.BooleanField(_("保全（削除停止）"), default=False)
    hold_reason = models.CharField(_("保全の理由"), max_length=200, blank=True)
    held_at = models.DateTimeField(_("保全開始"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("保全した職員"),
    )
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    deletion_reason = models.CharField(
        _("削除理由"), max_length=20, choices=DeletionReason.choices, blank=True
    )
    deletion_note = models.CharField(_("削除の説明"), max_length=200, blank=True)
    # Who deleted (empty: the retention job) and who approved (empty: the retention job,
    # whose approval is the center's retention setting in ``retention_days``).
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("削除した職員"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("削除を承認した管理者"),
    )

    class Meta:
        verbose_name = _("通話録音")
        verbose_name_plural = _("通話録音")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["center", "started_at"], name="recording_center_started"),
            models.Index(
                fields=["retention_until"],
                condition=models.Q(deleted_at__isnull=True),
                name="recording_purge_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gte=models.F("started_at")),
                name="recording_times_order",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(deleted_at__isnull=True, deletion_reason="")
                    | (models.Q(deleted_at__isnull=False) & ~models.Q(deletion_reason=""))
                ),
                name="recording_deletion_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(deletion_reason="manual") | models.Q(approved_by__isnull=False),
                name="recording_manual_deletion_approved",
            ),
            models.CheckConstraint(
                condition=models.Q(legal_hold=False) | ~models.Q(hold_reason=""),
                name="recording_hold_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(legal_hold=False) | models.Q(deleted_at__isnull=True),
                name="recording_held_not_deleted",
            ),
        ]

    def __str__(self) -> str:
        from django.utils import timezone  # (imported here: this model is appended last)

        return f"録音 {timezone.localtime(self.started_at):%Y-%m-%d %H:%M:%S}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def duration_display(self) -> str:
        """「1:05」, or 「1:02:05」 from an hour on (whole seconds, rounded down)."""
        minutes, seconds = divmod(int(self.duration_s), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class CallInterval(models.Model):
    """15-minute totals per center, queue and number dialed, rebuilt from Call rows.

    Reports add these up into 30/60-minute, daily… figures; the definitions are KPI.md's
    (offered = in-hours answered + abandoned + voicemail + blocked; waits from arrival).
    """

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="call_intervals"
    )
    queue = models.ForeignKey(Queue, on_delete=models.SET_NULL, null=True, blank=True)
    dialed_number = models.CharField(max_length=20)
    start = models.DateTimeField(_("開始"), db_index=True)
    offered = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    voicemail = models.PositiveIntegerField(default=0)
    blocked = models.PositiveIntegerField(default=0)
    after_hours = models.PositiveIntegerField(default=0)
    answered_in_sl = models.PositiveIntegerField(default=0)
    wait_answered_s = models.FloatField(default=0)
    wait_abandoned_s = models.FloatField(default=0)
    max_wait_s = models.FloatField(default=0)
    talk_s = models.FloatField(default=0)
    wrap_s = models.FloatField(default=0)

    class Meta:
        verbose_name = _("通話集計（15分）")
        verbose_name_plural = _("通話集計（15分）")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "queue", "dialed_number", "start"],
                condition=models.Q(queue__isnull=False),
                name="callinterval_unique",
            ),
            models.UniqueConstraint(
                fields=["center", "dialed_number", "start"],
                condition=models.Q(queue__isnull=True),
                name="callinterval_unique_no_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dialed_number} {self.start:%Y-%m-%d %H:%M}"

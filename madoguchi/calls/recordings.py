"""Call recordings (TEL-6, SEC-4): store, hold, play, delete, and the retention purge.

Every call is recorded; the recording is kept for the center's RECORDING retention period
(いわき 90 days, 札幌 60) counted from the end of the recording, then deleted by the
retention job with a deletion record. Only roles with ``calls.recording.play`` hear it,
each play is an audited access, and the file's SHA-256 is checked before it is served.

(Not to be confused with ``calls/recording.py``, the simulator's "recording mode".)
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
import wave
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Membership, Role
from madoguchi.audit.services import audit_access, audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Call, DeletionReason, Recording
from madoguchi.calls.storage import recording_storage
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center, InboundNumber, RetentionKind, RetentionPeriod

logger = logging.getLogger(__name__)

# Used when a center has no RECORDING retention period. Storing must never fail for want
# of a setting (the call is over; refusing would lose the recording for good), so the
# recording is kept for the longest period of the reference contracts and the row says
# the default was applied (``retention_defaulted``).
DEFAULT_RECORDING_RETENTION_DAYS = 90

_CHUNK = 1024 * 1024


# --- selectors ---------------------------------------------------------------------------


def recordings_of_center(*, center: Center) -> QuerySet[Recording]:
    """The center's recordings, newest first, with what the list shows."""
    dialed = InboundNumber.objects.filter(e164=OuterRef("call__dialed_number")).values("display")
    return (
        Recording.objects.filter(center=center)
        .select_related("call")
        .annotate(dialed_display=Subquery(dialed[:1]))
        .order_by("-started_at", "-pk")
    )


def recording_of_center(*, center: Center, recording_id: uuid.UUID) -> Recording | None:
    """One recording, only if it belongs to ``center`` (other centers' are invisible)."""
    dialed = InboundNumber.objects.filter(e164=OuterRef("call__dialed_number")).values("display")
    return (
        Recording.objects.filter(center=center, pk=recording_id)
        .select_related("call", "call__agent", "held_by", "deleted_by", "approved_by")
        .annotate(dialed_display=Subquery(dialed[:1]))
        .first()
    )


def recordings_of_call(*, call: Call) -> QuerySet[Recording]:
    """A call's recordings (how an interaction record finds its audio)."""
    return Recording.objects.filter(call=call).order_by("started_at")


def recording_retention_days(*, center: Center) -> tuple[int, bool]:
    """The center's RECORDING retention in days, and whether the default had to be used."""
    days = (
        RetentionPeriod.objects.filter(center=center, kind=RetentionKind.RECORDING)
        .values_list("days", flat=True)
        .first()
    )
    if days is None:
        return DEFAULT_RECORDING_RETENTION_DAYS, True
    return days, False


# --- services ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _WavInfo:
    duration_s: Decimal


def _wav_info(data: bytes) -> _WavInfo:
    """Read the WAV header with the standard library; anything else is refused."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
            expected = frames * wav.getsampwidth() * wav.getnchannels()
            complete = len(wav.readframes(frames)) == expected
    except (wave.Error, EOFError) as exc:
        raise CallsError(_("録音ファイルがWAV形式（リニアPCM）ではありません。")) from exc
    if rate <= 0:
        raise CallsError(_("録音ファイルのサンプリング周波数が正しくありません。"))
    if not complete:
        raise CallsError(_("録音ファイルが途中で切れています。"))
    return _WavInfo(duration_s=(Decimal(frames) / Decimal(rate)).quantize(Decimal("0.001")))


def recording_store(
    *, call: Call, data: bytes, started_at: datetime, ended_at: datetime, notice_played: bool
) -> Recording:
    """Keep the audio of ``call`` (called by the media side when a recording ends).

    The file is written last inside the transaction, so a refused or failed write leaves
    neither a row nor a file; should the commit itself fail, the file is removed again.
    The retention deadline is fixed now: end of the recording + the center's period.
    """
    if call.center_id is None:
        raise CallsError(_("センターが決まっていない通話は録音を保存できません。"))
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise CallsError(_("録音の日時にタイムゾーンがありません。"))
    if ended_at < started_at:
        raise CallsError(_("録音終了が録音開始より前になっています。"))
    info = _wav_info(data)
    center = Center.objects.get(pk=call.center_id)
    days, defaulted = recording_retention_days(center=center)
    recording_id = uuid.uuid4()
    day = started_at.astimezone(TOKYO)
    key = f"{center.slug}/{day:%Y/%m/%d}/{recording_id}.wav"
    storage = recording_storage()
    saved = False
    try:
        with transaction.atomic():
            recording = Recording.objects.create(
                id=recording_id,
                call=call,
                center=center,
                started_at=started_at,
                ended_at=ended_at,
                duration_s=info.duration_s,
                storage_key=key,
                format="wav",
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                notice_played=notice_played,
                retention_days=days,
                retention_defaulted=defaulted,
                retention_until=ended_at + timedelta(days=days),
            )
            audit_log(
                action=audit_actions.RECORDING_STORED,
                actor=None,
                center=center,
                obj=recording,
                data={
                    "call": str(call.pk),
                    "size_bytes": recording.size_bytes,
                    "sha256": recording.sha256,
                    "retention_days": days,
                    "retention_defaulted": defaulted,
                    "notice_played": notice_played,
                },
            )
            if defaulted:
                logger.warning(
                    "center %s has no recording retention period; kept %d days",
                    center.slug,
                    days,
                )
            storage.save(key, data)
            saved = True
    except BaseException:
        if saved:  # the commit failed after the file was written
            storage.delete(key)
        raise
    return recording


def _locked(recording: Recording) -> Recording:
    """The row again, locked, so two staff acting at once see each other's change."""
    return Recording.objects.select_for_update().get(pk=recording.pk)


def _reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise CallsError(_("理由を入力してください。"), field="reason")
    if len(cleaned) > 200:
        raise CallsError(_("理由は200文字以内で入力してください。"), field="reason")
    return cleaned


@transaction.atomic
def recording_hold(*, actor: Any, recording: Recording, reason: str) -> Recording:
    """Put a legal hold on a recording: the retention job keeps it until released
    (complaints, disputes, requests from the police or the city)."""
    reason = _reason(reason)
    recording = _locked(recording)
    if recording.is_deleted:
        raise CallsError(_("削除済みの録音は保全できません。"))
    if recording.legal_hold:
        raise CallsError(_("この録音は既に保全されています。"))
    recording.legal_hold = True
    recording.hold_reason = reason
    recording.held_at = timezone.now()
    recording.held_by = actor
    recording.save(update_fields=["legal_hold", "hold_reason", "held_at", "held_by"])
    audit_log(
        action=audit_actions.RECORDING_HELD,
        actor=actor,
        center=recording.center,
        obj=recording,
        data={"reason": reason},
    )
    return recording


@transaction.atomic
def recording_release(*, actor: Any, recording: Recording, reason: str) -> Recording:
    """Release a legal hold. A recording already past its retention deadline is then
    deleted by the next run of the retention job."""
    reason = _reason(reason)
    recording = _locked(recording)
    if not recording.legal_hold:
        raise CallsError(_("この録音は保全されていません。"))
    held_for = recording.hold_reason
    recording.legal_hold = False
    recording.hold_reason = ""
    recording.held_at = None
    recording.held_by = None
    recording.save(update_fields=["legal_hold", "hold_reason", "held_at", "held_by"])
    audit_log(
        action=audit_actions.RECORDING_RELEASED,
        actor=actor,
        center=recording.center,
        obj=recording,
        data={"reason": reason, "held_for": held_for},
    )
    return recording


def _integrity_failure(*, actor: Any, recording: Recording, problem: str) -> CallsError:
    # Logged in its own transaction: the refusal that follows must not roll it back.
    audit_log(
        action=audit_actions.RECORDING_INTEGRITY_FAILED,
        actor=actor,
        center=recording.center,
        obj=recording,
        data={"problem": problem, "storage_key": recording.storage_key},
    )
    logger.error("recording %s failed its integrity check: %s", recording.pk, problem)
    return CallsError(
        _(
            "録音ファイルが保存時と一致しません（改ざんの可能性）。再生できません。管理者に連絡してください。"
        )
        if problem == "sha256_mismatch"
        else _("録音ファイルが見つかりません。管理者に連絡してください。")
    )


def recording_open(*, actor: Any, recording: Recording) -> BinaryIO:
    """Open a recording for playing: the file is hashed first and served only if it is
    exactly the file stored; each successful open is an audited access (SEC-2).

    The returned file is positioned at its start; the caller closes it (FileResponse does).
    """
    if recording.is_deleted:
        raise CallsError(_("この録音は削除されています。"))
    storage = recording_storage()
    try:
        file = storage.open(recording.storage_key)
    except FileNotFoundError:
        raise _integrity_failure(actor=actor, recording=recording, problem="missing") from None
    try:
        digest = hashlib.sha256()
        size = 0
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        if size != recording.size_bytes or digest.hexdigest() != recording.sha256:
            raise _integrity_failure(actor=actor, recording=recording, problem="sha256_mismatch")
        file.seek(0)
        audit_access(
            action=audit_actions.RECORDING_PLAYED,
            actor=actor,
            center=recording.center,
            obj=recording,
        )
    except BaseException:
        file.close()
        raise
    return file


def _is_center_manager(user: Any, center_id: int) -> bool:
    if user is None or not getattr(user, "is_active", False) or user.pk is None:
        return False
    return Membership.objects.filter(
        user_id=user.pk, center_id=center_id, role=Role.MANAGER
    ).exists()


@transaction.atomic
def recording_delete(*, actor: Any, approver: Any, recording: Recording, reason: str) -> Recording:
    """Delete one recording before its deadline (e.g. a caller's request), approved by a
    manager of the recording's center; the row stays as the deletion record."""
    reason = _reason(reason)
    if not _is_center_manager(approver, recording.center_id):
        raise CallsError(
            _("削除の承認者は、このセンターの管理者でなければなりません。"), field="approver"
        )
    recording = _locked(recording)
    if recording.is_deleted:
        raise CallsError(_("この録音は既に削除されています。"))
    if recording.legal_hold:
        raise CallsError(_("保全中の録音は削除できません。先に保全を解除してください。"))
    _erase(
        recording,
        at=timezone.now(),
        reason=DeletionReason.MANUAL,
        note=reason,
        deleted_by=actor,
        approved_by=approver,
    )
    audit_log(
        action=audit_actions.RECORDING_DELETED,
        actor=actor,
        center=recording.center,
        obj=recording,
        data={
            "reason": reason,
            "approved_by": approver.get_username(),
            "sha256": recording.sha256,
            "storage_key": recording.storage_key,
        },
    )
    recording_storage().delete(recording.storage_key)  # last: a failure rolls back the row
    return recording


def _erase(
    recording: Recording,
    *,
    at: datetime,
    reason: DeletionReason,
    note: str,
    deleted_by: Any,
    approved_by: Any,
) -> None:
    recording.deleted_at = at
    recording.deletion_reason = reason
    recording.deletion_note = note
    recording.deleted_by = deleted_by
    recording.approved_by = approved_by
    recording.save(
        update_fields=[
            "deleted_at",
            "deletion_reason",
            "deletion_note",
            "deleted_by",
            "approved_by",
        ]
    )


@dataclass
class PurgeReport:
    deleted: int = 0
    kept_on_hold: int = 0
    failed: list[str] = field(default_factory=list)


def recordings_purge(*, now: datetime | None = None) -> PurgeReport:
    """The retention job: delete every recording whose deadline has come.

    Due means ``retention_until <= now`` — the deadline is the first instant the recording
    may go. Held recordings are kept. The approval of these deletions is the center's
    retention setting (``retention_days`` on the row); each is one audited deletion.

    One transaction per recording, with the file removed last: a file that cannot be
    removed rolls back only its own row (the next run retries it) and never blocks the
    others; deleting an already missing file is not an error, so a retry completes.
    """
    now = now or timezone.now()
    report = PurgeReport()
    due = Recording.objects.filter(deleted_at__isnull=True, retention_until__lte=now)
    report.kept_on_hold = due.filter(legal_hold=True).count()
    storage = recording_storage()
    for recording_id in (
        due.filter(legal_hold=False).order_by("retention_until").values_list("pk", flat=True)
    ):
        try:
            with transaction.atomic():
                recording = (
                    Recording.objects.select_for_update()
                    .filter(
                        pk=recording_id,
                        deleted_at__isnull=True,
                        legal_hold=False,
                        retention_until__lte=now,
                    )
                    .first()
                )
                if recording is None:  # held or deleted meanwhile
                    continue
                _erase(
                    recording,
                    at=now,
                    reason=DeletionReason.RETENTION_EXPIRED,
                    note=f"保存期間（{recording.retention_days}日）満了",
                    deleted_by=None,
                    approved_by=None,
                )
                audit_log(
                    action=audit_actions.RECORDING_PURGED,
                    actor=None,
                    center=recording.center,
                    obj=recording,
                    data={
                        "retention_days": recording.retention_days,
                        "retention_defaulted": recording.retention_defaulted,
                        "retention_until": recording.retention_until.isoformat(),
                        "sha256": recording.sha256,
                        "storage_key": recording.storage_key,
                    },
                )
                storage.delete(recording.storage_key)
        except OSError:
            logger.exception("could not delete recording %s; will retry", recording_id)
            report.failed.append(str(recording_id))
        else:
            report.deleted += 1
    return report

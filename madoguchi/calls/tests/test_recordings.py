"""Call recordings (TEL-6, SEC-4): storing, retention purge, holds, deletion, integrity."""

from __future__ import annotations

import hashlib
import io
import wave
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.audit.models import AuditEvent
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Call, DeletionReason, Recording
from madoguchi.calls.recordings import (
    recording_delete,
    recording_hold,
    recording_open,
    recording_release,
    recording_store,
    recordings_of_call,
    recordings_purge,
)
from madoguchi.calls.storage import LocalRecordingStorage, StorageKeyError
from madoguchi.calls.tasks import recordings_purge_task
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import RetentionKind, RetentionPeriod

STARTED = datetime(2026, 1, 5, 9, 0, 10, tzinfo=TOKYO)
ENDED = datetime(2026, 1, 5, 9, 4, 40, tzinfo=TOKYO)


def wav_bytes(seconds: float = 1.0, *, rate: int = 8000, channels: int = 1) -> bytes:
    """A real WAV file of silence (16-bit linear PCM)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * channels * int(seconds * rate))
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def recordings_dir(settings, tmp_path):
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    return settings.RECORDINGS_DIR


def make_call(center, *, arrived_at: datetime = STARTED) -> Call:
    return Call.objects.create(
        center=center,
        dialed_number=center.numbers.first().e164,
        arrived_at=arrived_at,
        answered_at=arrived_at,
        ended_at=arrived_at + timedelta(minutes=5),
    )


def store(center, *, data: bytes | None = None, ended: datetime = ENDED) -> Recording:
    return recording_store(
        call=make_call(center),
        data=data if data is not None else wav_bytes(),
        started_at=STARTED,
        ended_at=ended,
        notice_played=True,
    )


def make_user(username: str, role: Role, center):
    user = user_create(actor=None, username=username, password="correct-horse-battery-staple")
    membership_grant(actor=None, user=user, center=center, role=role)
    return user


# --- storing -----------------------------------------------------------------------------


def test_store_keeps_exact_hash_size_duration_and_the_file(iwaki, recordings_dir, audit_trail):
    data = wav_bytes(1.0)
    call = make_call(iwaki)
    recording = recording_store(
        call=call, data=data, started_at=STARTED, ended_at=ENDED, notice_played=True
    )
    recording.refresh_from_db()
    assert recording.sha256 == hashlib.sha256(data).hexdigest()
    assert recording.size_bytes == len(data) == 44 + 16000
    assert recording.duration_s == Decimal("1.000")
    assert (recording.format, recording.notice_played) == ("wav", True)
    assert recording.storage_key == f"iwaki/2026/01/05/{recording.pk}.wav"
    assert (recordings_dir / recording.storage_key).read_bytes() == data
    assert list(recordings_of_call(call=call)) == [recording]
    assert audit_trail.actions() == ["calls.recording.stored"]
    event = audit_trail.events()[0]
    assert (event.kind, event.actor_label, event.center_id) == ("change", "system", iwaki.pk)
    assert event.data["sha256"] == recording.sha256
    assert event.data["retention_days"] == 90


@pytest.mark.parametrize(
    ("seconds", "rate", "channels", "expected"),
    [(2.5, 16000, 2, Decimal("2.500")), (0.125, 8000, 1, Decimal("0.125")), (61, 8000, 1, 61)],
)
def test_duration_comes_from_the_wav_header(iwaki, seconds, rate, channels, expected):
    recording = store(iwaki, data=wav_bytes(seconds, rate=rate, channels=channels))
    recording.refresh_from_db()
    assert recording.duration_s == Decimal(expected)


def test_duration_display():
    assert Recording(duration_s=Decimal("65.9")).duration_display == "1:05"
    assert Recording(duration_s=Decimal("3725")).duration_display == "1:02:05"


@pytest.mark.parametrize(
    ("slug", "days"), [("iwaki", 90), ("sapporo", 60), ("niigata", 90), ("oita", 90)]
)
def test_retention_until_is_end_plus_the_centers_recording_period(all_scenarios, slug, days):
    recording = store(all_scenarios[slug])
    assert recording.retention_until == ENDED + timedelta(days=days)
    assert (recording.retention_days, recording.retention_defaulted) == (days, False)


def test_a_center_without_a_recording_period_keeps_90_days_and_says_so(iwaki, audit_trail):
    RetentionPeriod.objects.filter(center=iwaki, kind=RetentionKind.RECORDING).delete()
    recording = store(iwaki)
    assert recording.retention_until == ENDED + timedelta(days=90)
    assert recording.retention_defaulted is True
    assert audit_trail.events()[-1].data["retention_defaulted"] is True


def _truncated() -> bytes:
    return wav_bytes(1.0)[:-100]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(500), "WAV形式（リニアPCM）ではありません"),
        (b"", "WAV形式（リニアPCM）ではありません"),
        (_truncated(), "途中で切れています"),
    ],
)
def test_non_wav_or_broken_files_are_refused_and_nothing_is_kept(
    iwaki, recordings_dir, audit_trail, data, message
):
    with pytest.raises(CallsError) as excinfo:
        store(iwaki, data=data)
    assert message in str(excinfo.value.message)
    assert Recording.objects.count() == 0
    assert not recordings_dir.exists() or not any(recordings_dir.rglob("*.wav"))
    assert audit_trail.actions() == []


def test_times_must_be_in_order(iwaki):
    with pytest.raises(CallsError, match="録音終了が録音開始より前"):
        store(iwaki, ended=STARTED - timedelta(seconds=1))


def test_a_call_without_center_cannot_be_stored(db):
    call = Call.objects.create(center=None, dialed_number="+81000000000", arrived_at=STARTED)
    with pytest.raises(CallsError, match="センターが決まっていない"):
        recording_store(
            call=call, data=wav_bytes(), started_at=STARTED, ended_at=ENDED, notice_played=False
        )


def test_a_failed_file_write_leaves_no_row(iwaki, monkeypatch):
    def broken_save(self, key, data):
        raise OSError("disk full")

    monkeypatch.setattr(LocalRecordingStorage, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        store(iwaki)
    assert Recording.objects.count() == 0
    assert not AuditEvent.objects.filter(action="calls.recording.stored").exists()


# --- storage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "../outside.wav",
        "iwaki/../../outside.wav",
        "/etc/passwd",
        "iwaki\\..\\x.wav",
        ".hidden.wav",
        "iwaki//x.wav",
        "iwaki/./x.wav",
        "iwaki/x.wav/",
        "",
        "a" * 201,
        "iwaki/録音.wav",
    ],
)
def test_storage_keys_cannot_leave_the_root(tmp_path, key):
    storage = LocalRecordingStorage(tmp_path / "root")
    with pytest.raises(StorageKeyError):
        storage.save(key, b"x")
    with pytest.raises(StorageKeyError):
        storage.open(key)
    with pytest.raises(StorageKeyError):
        storage.delete(key)
    assert list(tmp_path.rglob("*")) == []


def test_storage_refuses_a_symlink_out_of_the_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "iwaki").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(StorageKeyError):
        LocalRecordingStorage(root).save("iwaki/x.wav", b"x")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_stored_files_and_their_directories_are_owner_only(tmp_path):
    storage = LocalRecordingStorage(tmp_path / "root")
    storage.save("iwaki/2026/01/05/a.wav", b"audio")
    assert (tmp_path / "root/iwaki/2026/01/05/a.wav").stat().st_mode & 0o777 == 0o600
    for level in ["root", "root/iwaki", "root/iwaki/2026", "root/iwaki/2026/01/05"]:
        assert (tmp_path / level).stat().st_mode & 0o777 == 0o700, level


def test_storage_never_overwrites_and_deletes_idempotently(tmp_path):
    storage = LocalRecordingStorage(tmp_path)
    storage.save("iwaki/2026/01/05/a.wav", b"first")
    with pytest.raises(FileExistsError):
        storage.save("iwaki/2026/01/05/a.wav", b"second")
    with storage.open("iwaki/2026/01/05/a.wav") as file:
        assert file.read() == b"first"
    assert [p.name for p in (tmp_path / "iwaki/2026/01/05").iterdir()] == ["a.wav"]
    storage.delete("iwaki/2026/01/05/a.wav")
    storage.delete("iwaki/2026/01/05/a.wav")
    assert storage.exists("iwaki/2026/01/05/a.wav") is False


# --- retention purge ---------------------------------------------------------------------


def test_purge_keeps_until_the_deadline_and_deletes_at_it(iwaki, recordings_dir, audit_trail):
    recording = store(iwaki)
    path = recordings_dir / recording.storage_key
    deadline = ENDED + timedelta(days=90)
    audit_trail.mark()

    early = recordings_purge(now=deadline - timedelta(seconds=1))
    assert (early.deleted, early.kept_on_hold, early.failed) == (0, 0, [])
    assert path.exists()
    recording.refresh_from_db()
    assert recording.deleted_at is None

    report = recordings_purge(now=deadline)
    assert (report.deleted, report.failed) == (1, [])
    assert not path.exists()
    recording.refresh_from_db()
    assert recording.deleted_at == deadline
    assert recording.deletion_reason == DeletionReason.RETENTION_EXPIRED
    assert recording.deletion_note == "保存期間（90日）満了"
    assert (recording.deleted_by, recording.approved_by) == (None, None)
    # The row is the deletion record: what was deleted stays identifiable.
    assert recording.sha256 and recording.storage_key and recording.call_id
    assert audit_trail.actions() == ["calls.recording.purged"]
    event = audit_trail.events()[0]
    assert (event.kind, event.actor_label, event.object_id) == (
        "deletion",
        "system",
        str(recording.pk),
    )
    assert event.data["retention_days"] == 90
    assert event.data["sha256"] == recording.sha256

    assert recordings_purge(now=deadline + timedelta(days=1)).deleted == 0


def test_purge_uses_each_centers_period(all_scenarios):
    iwaki = store(all_scenarios["iwaki"])
    sapporo = store(all_scenarios["sapporo"])
    assert recordings_purge(now=ENDED + timedelta(days=60)).deleted == 1
    iwaki.refresh_from_db()
    sapporo.refresh_from_db()
    assert (iwaki.is_deleted, sapporo.is_deleted) == (False, True)


def test_legal_hold_keeps_a_recording_past_its_deadline(iwaki, recordings_dir):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    recording = store(iwaki)
    recording_hold(actor=supervisor, recording=recording, reason="苦情対応のため")
    late = ENDED + timedelta(days=400)
    report = recordings_purge(now=late)
    assert (report.deleted, report.kept_on_hold) == (0, 1)
    assert (recordings_dir / recording.storage_key).exists()

    recording_release(actor=supervisor, recording=recording, reason="対応完了")
    assert recordings_purge(now=late).deleted == 1
    assert not (recordings_dir / recording.storage_key).exists()


def test_a_file_that_cannot_be_removed_rolls_back_only_its_own_row(iwaki, monkeypatch):
    stuck = store(iwaki)
    other = store(iwaki)
    real_delete = LocalRecordingStorage.delete

    def delete(self, key):
        if key == stuck.storage_key:
            raise PermissionError("read-only")
        real_delete(self, key)

    monkeypatch.setattr(LocalRecordingStorage, "delete", delete)
    report = recordings_purge(now=ENDED + timedelta(days=90))
    assert (report.deleted, report.failed) == (1, [str(stuck.pk)])
    stuck.refresh_from_db()
    other.refresh_from_db()
    assert (stuck.is_deleted, other.is_deleted) == (False, True)
    purged = AuditEvent.objects.filter(action="calls.recording.purged")
    assert [e.object_id for e in purged] == [str(other.pk)]


def test_purge_completes_when_the_file_is_already_gone(iwaki, recordings_dir):
    recording = store(iwaki)
    (recordings_dir / recording.storage_key).unlink()  # e.g. a crash after the unlink
    assert recordings_purge(now=ENDED + timedelta(days=90)).deleted == 1


def test_purge_task_and_command(iwaki, recordings_dir):
    old = store(iwaki)
    old.retention_until = datetime(2020, 1, 1, tzinfo=TOKYO)  # due by the real clock
    old.save(update_fields=["retention_until"])
    assert recordings_purge_task.call() == {"deleted": 1, "kept_on_hold": 0, "failed": []}

    out = io.StringIO()
    call_command("recordings_purge", stdout=out)
    assert out.getvalue() == "0 件を削除しました（保全中のため保留 0 件）。\n"

    out = io.StringIO()
    call_command("recordings_purge", "--enqueue", stdout=out)
    result = DBTaskResult.objects.get()
    assert result.task_path == "madoguchi.calls.tasks.recordings_purge_task"
    assert out.getvalue() == f"ワーカーに依頼しました（{result.id}）。\n"


def test_command_fails_loudly_when_a_file_cannot_be_removed(iwaki, monkeypatch):
    recording = store(iwaki)
    recording.retention_until = datetime(2020, 1, 1, tzinfo=TOKYO)
    recording.save(update_fields=["retention_until"])

    def delete(self, key):
        raise PermissionError("read-only")

    monkeypatch.setattr(LocalRecordingStorage, "delete", delete)
    with pytest.raises(CommandError, match="1 件のファイルを削除できませんでした"):
        call_command("recordings_purge", stdout=io.StringIO())


# --- manual deletion ---------------------------------------------------------------------


def test_manual_deletion_needs_a_manager_of_the_center(all_scenarios, recordings_dir):
    iwaki = all_scenarios["iwaki"]
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    elsewhere = make_user("kanri_sapporo", Role.MANAGER, all_scenarios["sapporo"])
    recording = store(iwaki)
    for approver in [None, supervisor, elsewhere]:
        with pytest.raises(CallsError) as excinfo:
            recording_delete(
                actor=supervisor, approver=approver, recording=recording, reason="本人の申出"
            )
        assert excinfo.value.field == "approver"
        assert "このセンターの管理者" in str(excinfo.value.message)
    recording.refresh_from_db()
    assert recording.deleted_at is None
    assert (recordings_dir / recording.storage_key).exists()


def test_manual_deletion_with_approval_keeps_the_deletion_record(iwaki, recordings_dir):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    manager = make_user("kanri", Role.MANAGER, iwaki)
    recording = store(iwaki)
    recording_delete(actor=supervisor, approver=manager, recording=recording, reason="本人の申出")
    recording.refresh_from_db()
    assert recording.deletion_reason == DeletionReason.MANUAL
    assert recording.deletion_note == "本人の申出"
    assert (recording.deleted_by, recording.approved_by) == (supervisor, manager)
    assert recording.deleted_at is not None
    assert not (recordings_dir / recording.storage_key).exists()
    event = AuditEvent.objects.get(action="calls.recording.deleted")
    assert (event.kind, event.actor_label) == ("deletion", "sv")
    assert event.data["approved_by"] == "kanri"
    with pytest.raises(CallsError, match="既に削除されています"):
        recording_delete(actor=supervisor, approver=manager, recording=recording, reason="再度")


def test_manual_deletion_refuses_held_recordings_and_empty_reasons(iwaki):
    manager = make_user("kanri", Role.MANAGER, iwaki)
    recording = store(iwaki)
    with pytest.raises(CallsError) as excinfo:
        recording_delete(actor=manager, approver=manager, recording=recording, reason="  ")
    assert excinfo.value.field == "reason"
    recording_hold(actor=manager, recording=recording, reason="警察からの照会")
    with pytest.raises(CallsError, match="保全中の録音は削除できません"):
        recording_delete(actor=manager, approver=manager, recording=recording, reason="申出")


# --- holds -------------------------------------------------------------------------------


def test_hold_and_release_are_audited_with_their_reasons(iwaki, audit_trail):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    recording = store(iwaki)
    audit_trail.mark()
    held = recording_hold(actor=supervisor, recording=recording, reason=" 苦情対応の\nため ")
    assert (held.legal_hold, held.hold_reason, held.held_by) == (
        True,
        "苦情対応の ため",
        supervisor,
    )
    with pytest.raises(CallsError, match="既に保全されています"):
        recording_hold(actor=supervisor, recording=recording, reason="二重")
    released = recording_release(actor=supervisor, recording=recording, reason="対応完了")
    assert (released.legal_hold, released.hold_reason, released.held_by) == (False, "", None)
    with pytest.raises(CallsError, match="保全されていません"):
        recording_release(actor=supervisor, recording=recording, reason="二重")
    assert audit_trail.actions() == ["calls.recording.held", "calls.recording.released"]
    assert audit_trail.events()[1].data == {"reason": "対応完了", "held_for": "苦情対応の ため"}


def test_hold_needs_a_reason_and_a_living_recording(iwaki):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    recording = store(iwaki)
    with pytest.raises(CallsError) as excinfo:
        recording_hold(actor=supervisor, recording=recording, reason="")
    assert (excinfo.value.field, str(excinfo.value.message)) == (
        "reason",
        "理由を入力してください。",
    )
    recordings_purge(now=ENDED + timedelta(days=90))
    with pytest.raises(CallsError, match="削除済みの録音は保全できません"):
        recording_hold(actor=supervisor, recording=recording, reason="遅すぎた")


# --- playing -----------------------------------------------------------------------------


def test_open_serves_the_stored_bytes_and_logs_an_access(iwaki, audit_trail):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    data = wav_bytes(0.5)
    recording = store(iwaki, data=data)
    audit_trail.mark()
    with recording_open(actor=supervisor, recording=recording) as file:
        assert file.read() == data
    assert audit_trail.actions() == ["calls.recording.played"]
    event = audit_trail.events()[0]
    assert (event.kind, event.actor_label, event.object_id) == ("access", "sv", str(recording.pk))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: data[:-2] + b"\x01\x00",  # same size, one sample changed
        lambda data: data + b"\x00\x00",  # appended
    ],
)
def test_a_tampered_file_is_refused_and_the_refusal_is_logged(
    iwaki, recordings_dir, audit_trail, tamper
):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    data = wav_bytes()
    recording = store(iwaki, data=data)
    (recordings_dir / recording.storage_key).write_bytes(tamper(data))
    audit_trail.mark()
    with pytest.raises(CallsError) as excinfo:
        recording_open(actor=supervisor, recording=recording)
    assert "改ざんの可能性" in str(excinfo.value.message)
    assert audit_trail.actions() == ["calls.recording.integrity_failed"]
    assert audit_trail.events()[0].data["problem"] == "sha256_mismatch"


def test_a_missing_file_is_refused_and_logged(iwaki, recordings_dir, audit_trail):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    recording = store(iwaki)
    (recordings_dir / recording.storage_key).unlink()
    audit_trail.mark()
    with pytest.raises(CallsError, match="録音ファイルが見つかりません"):
        recording_open(actor=supervisor, recording=recording)
    assert audit_trail.events()[0].data["problem"] == "missing"


def test_a_deleted_recording_cannot_be_opened(iwaki, audit_trail):
    supervisor = make_user("sv", Role.SUPERVISOR, iwaki)
    recording = store(iwaki)
    recordings_purge(now=ENDED + timedelta(days=90))
    recording.refresh_from_db()
    audit_trail.mark()
    with pytest.raises(CallsError, match="削除されています"):
        recording_open(actor=supervisor, recording=recording)
    assert audit_trail.actions() == []

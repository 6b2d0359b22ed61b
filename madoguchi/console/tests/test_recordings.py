"""Recording screens: who may list and play, the audited stream, holds that keep input,
and the manual deletion a manager approves on the spot."""

from __future__ import annotations

import io
import wave
from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, totp_device_start, user_create
from madoguchi.audit.models import AuditEvent
from madoguchi.calls import recordings as recordings_service
from madoguchi.calls.models import Call, DeletionReason, Recording
from madoguchi.calls.recordings import recording_hold, recording_store, recordings_purge
from madoguchi.tenancy.calendars import TOKYO

STARTED = datetime(2026, 1, 5, 9, 0, 10, tzinfo=TOKYO)
PASSWORD = "correct-horse-battery"


def wav_bytes(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x00" * int(seconds * 8000))
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def recordings_dir(settings, tmp_path):
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    return settings.RECORDINGS_DIR


def store(center, *, minutes: int = 0, seconds: float = 1.0, data: bytes | None = None):
    started = STARTED + timedelta(minutes=minutes)
    call = Call.objects.create(
        center=center,
        dialed_number=center.numbers.first().e164,
        arrived_at=started,
        answered_at=started,
    )
    return recording_store(
        call=call,
        data=data or wav_bytes(seconds),
        started_at=started,
        ended_at=started + timedelta(seconds=seconds),
        notice_played=True,
    )


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, center):
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


@pytest.fixture
def supervisor(all_scenarios, make_user):
    return make_user("sv", Role.SUPERVISOR, all_scenarios["iwaki"])


@pytest.fixture
def sv_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_list_shows_the_current_centers_recordings_only(sv_client, all_scenarios):
    mine = store(all_scenarios["iwaki"], seconds=65)
    theirs = store(all_scenarios["sapporo"])
    response = sv_client.get("/console/calls/recordings/")
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("console:recording_detail", args=[mine.pk]) in body
    assert reverse("console:recording_detail", args=[theirs.pk]) not in body
    assert "2026-01-05 09:00:10" in body  # Japan time
    assert "0246-22-1111" in body  # the dialed number as people write it
    assert "1:05" in body
    assert "2026-04-05 09:01" in body  # retention until: end + 90 days
    assert "保存中" in body


def test_list_query_count_does_not_grow_with_rows(sv_client, all_scenarios):
    store(all_scenarios["iwaki"])
    sv_client.get("/console/calls/recordings/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        sv_client.get("/console/calls/recordings/")
    for minute in range(1, 6):
        store(all_scenarios["iwaki"], minutes=minute)
    with CaptureQueriesContext(connection) as six:
        body = sv_client.get("/console/calls/recordings/").content.decode()
    assert body.count("/console/calls/recordings/") >= 6
    assert len(six) == len(one)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CITY_STAFF, Role.FAQ_EDITOR])
def test_roles_without_recording_play_get_403_everywhere(client, all_scenarios, make_user, role):
    iwaki = all_scenarios["iwaki"]
    recording = store(iwaki)
    client.force_login(make_user("someone", role, iwaki))
    before = AuditEvent.objects.count()
    for url in [
        "/console/calls/recordings/",
        reverse("console:recording_detail", args=[recording.pk]),
        reverse("console:recording_audio", args=[recording.pk]),
    ]:
        assert client.get(url).status_code == 403
    hold = client.post(reverse("console:recording_hold", args=[recording.pk]), {"reason": "x"})
    assert hold.status_code == 403
    make_user("kanri", Role.MANAGER, iwaki)
    before = AuditEvent.objects.count()
    delete = client.post(
        reverse("console:recording_delete", args=[recording.pk]),
        {"reason": "本人の申し出", "approver": "kanri", "approver_password": PASSWORD},
    )
    assert delete.status_code == 403
    recording.refresh_from_db()
    assert (recording.legal_hold, recording.deleted_at) == (False, None)
    assert AuditEvent.objects.count() == before


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/console/calls/recordings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_detail_has_a_player_that_preloads_nothing(sv_client, all_scenarios):
    recording = store(all_scenarios["iwaki"])
    before = AuditEvent.objects.count()
    body = sv_client.get(reverse("console:recording_detail", args=[recording.pk])).content.decode()
    audio_url = reverse("console:recording_audio", args=[recording.pk])
    assert f'<audio controls preload="none" src="{audio_url}">' in body
    assert recording.sha256 in body
    assert "録音終了から90日" in body
    # Opening the page plays nothing, so it logs nothing; the stream logs each play.
    assert AuditEvent.objects.count() == before


def test_playing_streams_wav_and_logs_an_access(sv_client, all_scenarios, supervisor):
    data = wav_bytes(0.25)
    recording = store(all_scenarios["iwaki"], data=data)
    response = sv_client.get(reverse("console:recording_audio", args=[recording.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == data
    event = AuditEvent.objects.filter(action="calls.recording.played").get()
    assert (event.kind, event.actor_id, event.object_id) == (
        "access",
        supervisor.pk,
        str(recording.pk),
    )
    assert event.center_id == all_scenarios["iwaki"].pk


def test_manager_may_play_too(client, all_scenarios, make_user):
    recording = store(all_scenarios["iwaki"])
    client.force_login(make_user("kanri", Role.MANAGER, all_scenarios["iwaki"]))
    response = client.get(reverse("console:recording_audio", args=[recording.pk]))
    assert response.status_code == 200
    response.close()


def test_a_tampered_recording_is_not_played(sv_client, all_scenarios, recordings_dir):
    recording = store(all_scenarios["iwaki"])
    path = recordings_dir / recording.storage_key
    path.write_bytes(path.read_bytes()[:-1] + b"\x7f")
    response = sv_client.get(reverse("console:recording_audio", args=[recording.pk]))
    assert response.status_code == 409
    assert "改ざんの可能性" in response.content.decode()
    assert not AuditEvent.objects.filter(action="calls.recording.played").exists()
    assert AuditEvent.objects.filter(action="calls.recording.integrity_failed").count() == 1


def test_another_centers_recording_is_404(sv_client, all_scenarios):
    theirs = store(all_scenarios["sapporo"])
    for name in ["console:recording_detail", "console:recording_audio"]:
        assert sv_client.get(reverse(name, args=[theirs.pk])).status_code == 404
    hold = sv_client.post(reverse("console:recording_hold", args=[theirs.pk]), {"reason": "x"})
    assert hold.status_code == 404
    theirs.refresh_from_db()
    assert theirs.legal_hold is False


def test_deleting_another_centers_recording_is_404(sv_client, all_scenarios, make_user):
    theirs = store(all_scenarios["sapporo"])
    make_user("sapporo-kanri", Role.MANAGER, all_scenarios["sapporo"])
    response = sv_client.post(
        reverse("console:recording_delete", args=[theirs.pk]),
        {"reason": "本人の申し出", "approver": "sapporo-kanri", "approver_password": PASSWORD},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.deleted_at is None
    assert not AuditEvent.objects.filter(kind="deletion").exists()
    assert not AuditEvent.objects.filter(action="calls.recording.played").exists()


def test_unknown_id_is_404(sv_client, all_scenarios):
    url = "/console/calls/recordings/00000000-0000-0000-0000-000000000000/"
    assert sv_client.get(url).status_code == 404


def test_hold_with_an_empty_reason_is_400_and_changes_nothing(sv_client, all_scenarios):
    recording = store(all_scenarios["iwaki"])
    before = AuditEvent.objects.count()
    response = sv_client.post(
        reverse("console:recording_hold", args=[recording.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    assert "hold_reason_error" in response.content.decode()
    recording.refresh_from_db()
    assert (recording.legal_hold, recording.hold_reason) == (False, "")
    assert AuditEvent.objects.count() == before


def test_hold_with_a_too_long_reason_keeps_what_was_typed(sv_client, all_scenarios):
    recording = store(all_scenarios["iwaki"])
    typed = "苦情対応" * 60
    response = sv_client.post(
        reverse("console:recording_hold", args=[recording.pk]), {"reason": typed}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert typed in body
    recording.refresh_from_db()
    assert recording.legal_hold is False


def test_hold_and_release_through_the_page(sv_client, all_scenarios, supervisor):
    recording = store(all_scenarios["iwaki"])
    response = sv_client.post(
        reverse("console:recording_hold", args=[recording.pk]), {"reason": "苦情対応のため"}
    )
    assert response.status_code == 302
    page = sv_client.get(response["Location"]).content.decode()
    assert "録音を保全しました。" in page
    assert "保全中: 苦情対応のため" in page
    assert reverse("console:recording_release", args=[recording.pk]) in page
    recording.refresh_from_db()
    assert (recording.legal_hold, recording.held_by) == (True, supervisor)

    empty = sv_client.post(reverse("console:recording_release", args=[recording.pk]), {})
    assert empty.status_code == 400
    done = sv_client.post(
        reverse("console:recording_release", args=[recording.pk]), {"reason": "対応完了"}
    )
    assert done.status_code == 302
    recording.refresh_from_db()
    assert recording.legal_hold is False
    assert list(
        AuditEvent.objects.filter(action__startswith="calls.recording.")
        .exclude(action="calls.recording.stored")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["calls.recording.held", "calls.recording.released"]


def test_hold_on_a_recording_held_meanwhile_shows_the_error(sv_client, all_scenarios, supervisor):
    recording = store(all_scenarios["iwaki"])
    recording_hold(actor=supervisor, recording=recording, reason="先に保全")
    response = sv_client.post(
        reverse("console:recording_hold", args=[recording.pk]), {"reason": "後から保全"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "この録音は既に保全されています。" in body
    assert 'value="後から保全"' in body
    assert "保全中: 先に保全" in body


def test_a_deleted_recording_shows_its_deletion_record_and_no_player(sv_client, all_scenarios):
    recording = store(all_scenarios["iwaki"])
    recordings_purge(now=recording.retention_until)
    body = sv_client.get(reverse("console:recording_detail", args=[recording.pk])).content.decode()
    assert "<audio" not in body
    assert "この録音は削除されました。" in body
    assert "保存期間満了: 保存期間（90日）満了" in body
    assert "センターの保存期間設定（90日）" in body
    listing = sv_client.get("/console/calls/recordings/").content.decode()
    assert "削除済み" in listing
    gone = sv_client.get(reverse("console:recording_audio", args=[recording.pk]))
    assert gone.status_code == 409
    assert Recording.objects.get(pk=recording.pk).deleted_at == recording.retention_until


def test_holding_a_recording_deleted_meanwhile_says_why(sv_client, all_scenarios):
    recording = store(all_scenarios["iwaki"])
    recordings_purge(now=recording.retention_until)
    response = sv_client.post(
        reverse("console:recording_hold", args=[recording.pk]), {"reason": "苦情対応のため"}
    )
    assert response.status_code == 400
    assert "削除済みの録音は保全できません。" in response.content.decode()


# --- manual deletion (manager's approval) ----------------------------------------------


@pytest.fixture
def manager(all_scenarios, make_user):
    return make_user("kanri", Role.MANAGER, all_scenarios["iwaki"])


def delete(client, recording, **fields):
    data = {"reason": "通話者本人から削除の申し出", "approver": "kanri"}
    data["approver_password"] = PASSWORD
    data.update(fields)
    return client.post(reverse("console:recording_delete", args=[recording.pk]), data)


def assert_not_deleted(recording, recordings_dir):
    recording.refresh_from_db()
    assert recording.deleted_at is None
    assert (recording.deleted_by, recording.approved_by, recording.deletion_note) == (
        None,
        None,
        "",
    )
    assert (recordings_dir / recording.storage_key).exists()
    assert not AuditEvent.objects.filter(action="calls.recording.deleted").exists()


def test_detail_offers_the_deletion_form(sv_client, all_scenarios):
    recording = store(all_scenarios["iwaki"])
    body = sv_client.get(reverse("console:recording_detail", args=[recording.pk])).content.decode()
    assert "削除（管理者承認）" in body
    assert reverse("console:recording_delete", args=[recording.pk]) in body
    for label in ["削除の理由", "承認する管理者のログインID", "承認する管理者のパスワード"]:
        assert label in body
    assert 'id="delete_reason"' in body and 'id="hold_reason"' in body  # unique ids


def test_supervisor_deletes_with_a_managers_approval(
    sv_client, all_scenarios, supervisor, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    path = recordings_dir / recording.storage_key
    assert path.exists()
    response = delete(sv_client, recording)
    assert response.status_code == 302
    assert response["Location"] == reverse("console:recording_detail", args=[recording.pk])

    assert not path.exists()
    row = Recording.objects.get(pk=recording.pk)  # the row stays as the deletion record
    assert row.deleted_at is not None
    assert (row.deletion_reason, row.deletion_note) == (
        DeletionReason.MANUAL,
        "通話者本人から削除の申し出",
    )
    assert (row.deleted_by, row.approved_by) == (supervisor, manager)
    assert (row.sha256, row.storage_key) == (recording.sha256, recording.storage_key)

    event = AuditEvent.objects.filter(action="calls.recording.deleted").get()
    assert (event.kind, event.actor_id, event.object_id, event.center_id) == (
        "deletion",
        supervisor.pk,
        str(recording.pk),
        all_scenarios["iwaki"].pk,
    )
    assert event.data["approved_by"] == "kanri"
    assert event.data["reason"] == "通話者本人から削除の申し出"
    assert event.data["sha256"] == recording.sha256

    page = sv_client.get(response["Location"]).content.decode()
    assert "録音を削除しました。" in page
    assert "この録音は削除されました。" in page
    assert "<audio" not in page
    assert "個別削除（管理者承認）: 通話者本人から削除の申し出" in page
    assert "<dt>削除した者</dt><dd>sv</dd>" in page
    assert "<dt>承認</dt><dd>kanri（管理者）</dd>" in page
    assert reverse("console:recording_delete", args=[recording.pk]) not in page
    assert sv_client.get(reverse("console:recording_audio", args=[recording.pk])).status_code == 409


def test_a_manager_may_approve_their_own_deletion(client, all_scenarios, manager):
    recording = store(all_scenarios["iwaki"])
    client.force_login(manager)
    assert delete(client, recording).status_code == 302
    recording.refresh_from_db()
    assert (recording.deleted_by, recording.approved_by) == (manager, manager)


def test_a_wrong_approver_password_deletes_nothing(
    sv_client, all_scenarios, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    response = delete(sv_client, recording, approver_password="wrong-password-123")
    body = response.content.decode()
    assert response.status_code == 400
    assert "承認者のログインIDまたはパスワードが正しくありません。" in body
    assert "delete_approver_password_error" in body  # on the password field
    assert 'value="kanri"' in body  # the ID is kept
    assert "wrong-password-123" not in body  # the password never is
    assert 'value="通話者本人から削除の申し出"' in body
    assert_not_deleted(recording, recordings_dir)
    # The re-authentication counts as a failed log-in (audited, towards the lockout).
    assert AuditEvent.objects.filter(action="accounts.session.login_failed").count() == 1
    assert AccessAttempt.objects.get(username="kanri").failures_since_start == 1


def test_repeated_wrong_approver_passwords_lock_the_approver_out(
    sv_client, all_scenarios, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    for _ in range(4):
        assert delete(sv_client, recording, approver_password="nope-nope-nope").status_code == 400
    fifth = delete(sv_client, recording, approver_password="nope-nope-nope")
    assert fifth.status_code in {403, 429}
    locked = delete(sv_client, recording)  # now even the right password is refused
    assert locked.status_code in {403, 429}
    assert "ログインを一時的に停止しました" in locked.content.decode()
    assert_not_deleted(recording, recordings_dir)
    assert AuditEvent.objects.filter(action="accounts.session.locked_out").exists()


@pytest.mark.parametrize(
    ("role", "center"),
    [(Role.SUPERVISOR, "iwaki"), (Role.MANAGER, "sapporo"), (Role.SYSADMIN, None)],
)
def test_an_approver_who_is_not_this_centers_manager_is_refused(
    sv_client, all_scenarios, recordings_dir, role, center
):
    recording = store(all_scenarios["iwaki"])
    approver = user_create(actor=None, username="shonin", password=PASSWORD)
    membership_grant(
        actor=None, user=approver, center=all_scenarios[center] if center else None, role=role
    )
    response = delete(sv_client, recording, approver="shonin")
    body = response.content.decode()
    assert response.status_code == 400
    assert "削除の承認者は、このセンターの管理者でなければなりません。" in body
    assert "delete_approver_error" in body  # shown on the approver's ID
    assert 'value="shonin"' in body
    assert_not_deleted(recording, recordings_dir)


def test_the_supervisor_cannot_approve_their_own_deletion(sv_client, all_scenarios, recordings_dir):
    recording = store(all_scenarios["iwaki"])
    response = delete(sv_client, recording, approver="sv")
    assert response.status_code == 400
    assert "削除の承認者は、このセンターの管理者でなければなりません。" in response.content.decode()
    assert_not_deleted(recording, recordings_dir)


def test_an_empty_reason_is_400_and_keeps_the_approver_id(
    sv_client, all_scenarios, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    response = delete(sv_client, recording, reason="   ")
    body = response.content.decode()
    assert response.status_code == 400
    assert "delete_reason_error" in body
    assert 'value="kanri"' in body
    assert PASSWORD not in body
    assert_not_deleted(recording, recordings_dir)


def test_an_approver_with_two_factor_also_gives_a_code(
    sv_client, all_scenarios, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    device = totp_device_start(user=manager)
    device.confirmed = True
    device.save()
    missing = delete(sv_client, recording)
    assert missing.status_code == 400
    assert "承認者の確認コードを入力してください。" in missing.content.decode()
    assert "delete_approver_otp_error" in missing.content.decode()
    assert_not_deleted(recording, recordings_dir)
    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    assert delete(sv_client, recording, approver_otp=f"{token:06d}").status_code == 302
    recording.refresh_from_db()
    assert recording.approved_by == manager


def test_a_held_recording_has_no_deletion_form_and_is_not_deleted(
    sv_client, all_scenarios, supervisor, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    recording_hold(actor=supervisor, recording=recording, reason="苦情対応のため")
    url = reverse("console:recording_delete", args=[recording.pk])
    page = sv_client.get(reverse("console:recording_detail", args=[recording.pk])).content.decode()
    assert "保全中の録音は削除できません。削除が必要な場合は、先に保全を解除してください。" in page
    assert url not in page
    before = AuditEvent.objects.count()
    response = delete(sv_client, recording)
    assert response.status_code == 400
    assert "保全中の録音は削除できません。" in response.content.decode()
    assert_not_deleted(recording, recordings_dir)
    assert recording.legal_hold is True
    assert AuditEvent.objects.count() == before  # not even the approver's password is checked


def test_a_recording_deleted_meanwhile_is_not_deleted_again(
    sv_client, all_scenarios, manager, recordings_dir
):
    recording = store(all_scenarios["iwaki"])
    recordings_purge(now=recording.retention_until)
    before = AuditEvent.objects.count()
    response = delete(sv_client, recording)
    assert response.status_code == 400
    assert "この録音は削除されました。" in response.content.decode()
    recording.refresh_from_db()
    assert (recording.deletion_reason, recording.approved_by) == (
        DeletionReason.RETENTION_EXPIRED,
        None,
    )
    assert AuditEvent.objects.count() == before


def test_held_between_the_check_and_the_deletion_shows_the_services_refusal(
    sv_client, all_scenarios, supervisor, manager, recordings_dir, monkeypatch
):
    recording = store(all_scenarios["iwaki"])
    real_delete = recordings_service.recording_delete

    def hold_first(**kwargs):  # another supervisor holds it while the approver types
        recording_hold(actor=supervisor, recording=kwargs["recording"], reason="先に保全")
        return real_delete(**kwargs)

    monkeypatch.setattr("madoguchi.console.recordings.recording_delete", hold_first)
    response = delete(sv_client, recording)
    body = response.content.decode()
    assert response.status_code == 400
    assert "保全中の録音は削除できません。先に保全を解除してください。" in body
    assert "保全中: 先に保全" in body
    assert_not_deleted(recording, recordings_dir)


def test_a_file_that_cannot_be_removed_leaves_everything_as_it_was(
    sv_client, all_scenarios, manager, recordings_dir, monkeypatch
):
    recording = store(all_scenarios["iwaki"])

    class Stuck:
        def delete(self, key):
            raise PermissionError(key)

    monkeypatch.setattr(recordings_service, "recording_storage", Stuck)
    response = delete(sv_client, recording)
    assert response.status_code == 500
    assert "録音ファイルを消去できなかったため、削除していません。" in response.content.decode()
    assert 'value="kanri"' in response.content.decode()
    assert_not_deleted(recording, recordings_dir)

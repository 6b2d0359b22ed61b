"""Writes of the calls context: announcements (TEL-2), forwarding (TEL-3), queues (TEL-1,
TEL-9) and voicemail handling (TEL-4). Every refusal changes nothing and logs nothing."""

from __future__ import annotations

import io
import wave
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import (
    Announcement,
    AnnouncementKind,
    Call,
    Disposition,
    Forwarding,
    Queue,
    Voicemail,
    VoicemailStatus,
)
from madoguchi.calls.services import (
    ANNOUNCEMENT_MAX_BYTES,
    announcement_default_text,
    announcement_save,
    forwarding_set,
    queue_save,
    voicemail_set_status,
)
from madoguchi.tenancy.calendars import TOKYO

RECORDED = datetime(2026, 1, 5, 19, 12, 30, tzinfo=TOKYO)


def wav_bytes(frames: int = 800) -> bytes:
    """A real WAV file of silence (8 kHz, mono, 16-bit linear PCM)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x00" * frames)
    return buffer.getvalue()


def upload(data: bytes, name: str = "guidance.wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="audio/wav")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def manager(all_scenarios):
    user = user_create(actor=None, username="kanri", password="correct-horse-battery-staple")
    membership_grant(actor=None, user=user, center=all_scenarios["iwaki"], role=Role.MANAGER)
    return user


@pytest.fixture
def operator(all_scenarios):
    user = user_create(actor=None, username="sato", password="correct-horse-battery-staple")
    membership_grant(actor=None, user=user, center=all_scenarios["iwaki"], role=Role.OPERATOR)
    return user


# ---------------------------------------------------------------------------
# Announcements


def test_default_wording_names_the_center_and_covers_every_kind_and_language(all_scenarios):
    iwaki, oita = all_scenarios["iwaki"], all_scenarios["oita"]
    notice = announcement_default_text(center=iwaki, kind="recording_notice", language="ja")
    assert notice == (
        "お電話ありがとうございます。いわき市総合コールセンターです。"
        "サービス向上のため、この通話は録音させていただきます。"
    )
    english = announcement_default_text(center=oita, kind="after_hours", language="en")
    assert english.startswith("Thank you for calling Oita City My Number Card Call Center.")
    for kind in AnnouncementKind.values:
        for language in ["ja", "en", "zh-hans", "ko"]:
            text = announcement_default_text(center=oita, kind=kind, language=language)
            assert 0 < len(text) <= 1000 and "%(" not in text
    assert announcement_default_text(center=iwaki, kind="waiting", language="fr") == ""


def test_announcement_text_is_saved_and_audited(all_scenarios, manager, audit_trail):
    iwaki = all_scenarios["iwaki"]
    saved = announcement_save(
        actor=manager,
        center=iwaki,
        kind="after_hours",
        language="ja",
        text="  本日の受付は終了しました。\r\n平日8時30分から19時までにおかけ直しください。 ",
        audio=None,
    )
    assert (saved.kind, saved.language, saved.audio.name) == ("after_hours", "ja", "")
    assert saved.text == "本日の受付は終了しました。\n平日8時30分から19時までにおかけ直しください。"
    [event] = audit_trail.events()
    assert (event.action, event.actor_label, event.center_id) == (
        "calls.announcement.saved",
        "kanri",
        iwaki.pk,
    )
    assert event.data == {
        "kind": "after_hours",
        "language": "ja",
        "created": True,
        "text": saved.text,
        "audio": "",
    }
    again = announcement_save(
        actor=manager, center=iwaki, kind="after_hours", language="ja", text="改", audio=None
    )
    assert again.pk == saved.pk and Announcement.objects.get().text == "改"


def test_a_line_break_counts_as_one_character(all_scenarios, manager):
    text = "あ" * 500 + "\r\n" + "い" * 499  # 1001 characters as sent, 1000 as typed
    saved = announcement_save(
        actor=manager,
        center=all_scenarios["iwaki"],
        kind="waiting",
        language="ja",
        text=text,
        audio=None,
    )
    assert len(saved.text) == 1000


def test_audio_is_stored_replaced_and_removed(
    all_scenarios, manager, media_root, django_capture_on_commit_callbacks
):
    iwaki = all_scenarios["iwaki"]
    first = announcement_save(
        actor=manager,
        center=iwaki,
        kind="recording_notice",
        language="ja",
        text="この通話は録音させていただきます。",
        audio=upload(wav_bytes(), name="../../etc/録音告知.WAV"),
    )
    # The stored name comes from the center, kind and language, never from the upload.
    assert first.audio.name == "announcements/iwaki-recording_notice-ja.wav"
    assert (media_root / first.audio.name).read_bytes() == wav_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        second = announcement_save(
            actor=manager,
            center=iwaki,
            kind="recording_notice",
            language="ja",
            text="この通話は録音させていただきます。",
            audio=upload(wav_bytes(1600)),
        )
    assert second.audio.name != first.audio.name
    assert stored_files(media_root) == [second.audio.name]
    with django_capture_on_commit_callbacks(execute=True):
        third = announcement_save(
            actor=manager,
            center=iwaki,
            kind="recording_notice",
            language="ja",
            text="この通話は録音させていただきます。",
            audio=None,
            remove_audio=True,
        )
    assert third.audio.name == ""
    assert stored_files(media_root) == []


TOO_BIG = b"RIFF" + b"\x00" * (ANNOUNCEMENT_MAX_BYTES - 3)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": ""}, "text", "文言を入力してください。"),
        ({"text": " \r\n　"}, "text", "文言を入力してください。"),
        ({"text": "あ" * 1001}, "text", "文言は1000文字以内にしてください（現在1001文字）。"),
        ({"language": "en"}, "language", "このセンターの対応言語ではありません。"),
        ({"kind": "music_on_hold"}, "kind", "ガイダンスの種類が正しくありません。"),
        (
            {"audio": b"ID3\x04\x00 an mp3 file"},
            "audio",
            "WAV形式（リニアPCM）の音声ファイルを選んでください。",
        ),
        ({"audio": b""}, "audio", "WAV形式（リニアPCM）の音声ファイルを選んでください。"),
        ({"audio": wav_bytes(0)}, "audio", "音声ファイルに音声が入っていません。"),
        (
            {"audio": wav_bytes()[:-100]},
            "audio",
            "音声ファイルが途中で切れています。もう一度書き出してください。",
        ),
        (
            {"audio": TOO_BIG},
            "audio",
            "音声ファイルは5MB以下にしてください（選ばれたファイルは5.0MBです）。",
        ),
    ],
)
def test_announcement_refusals_change_nothing(
    all_scenarios, manager, audit_trail, media_root, changes, field, message
):
    iwaki = all_scenarios["iwaki"]
    kwargs: dict[str, Any] = {
        "kind": "waiting",
        "language": "ja",
        "text": "お待ちください。",
        "audio": None,
    }
    kwargs.update(changes)
    if isinstance(kwargs["audio"], bytes):
        kwargs["audio"] = upload(kwargs["audio"])
    with pytest.raises(CallsError) as excinfo:
        announcement_save(actor=manager, center=iwaki, **kwargs)
    assert (excinfo.value.field, str(excinfo.value.message)) == (field, message)
    assert not Announcement.objects.exists()
    assert audit_trail.events() == []
    assert not media_root.exists() or stored_files(media_root) == []


def test_audio_is_refused_while_no_media_directory_is_configured(
    all_scenarios, manager, settings, audit_trail
):
    settings.MEDIA_ROOT = ""
    with pytest.raises(CallsError, match="音声ファイルの保存先が設定されていません"):
        announcement_save(
            actor=manager,
            center=all_scenarios["iwaki"],
            kind="waiting",
            language="ja",
            text="お待ちください。",
            audio=upload(wav_bytes()),
        )
    assert not Announcement.objects.exists()
    assert audit_trail.events() == []


def test_a_multilingual_center_saves_each_language(all_scenarios, manager):
    oita = all_scenarios["oita"]
    for language in oita.languages:
        announcement_save(
            actor=manager,
            center=oita,
            kind="waiting",
            language=language,
            text=language,
            audio=None,
        )
    assert sorted(Announcement.objects.values_list("language", flat=True)) == sorted(
        ["ja", "en", "zh-hans", "ko"]
    )


# ---------------------------------------------------------------------------
# Forwarding (the service exists; here: a refusal leaves no row and no event)


def test_forwarding_refusal_creates_nothing(all_scenarios, manager, audit_trail):
    with pytest.raises(CallsError) as excinfo:
        forwarding_set(actor=manager, center=all_scenarios["iwaki"], enabled=True, number="0246-22")
    assert excinfo.value.field == "number"
    assert not Forwarding.objects.exists()
    assert audit_trail.events() == []
    saved = forwarding_set(
        actor=manager,
        center=all_scenarios["iwaki"],
        enabled=True,
        number="０２４６－２２－０１１０",
        label="市役所警備室",
    )
    assert (saved.enabled, saved.e164, saved.display) == (True, "+81246220110", "0246-22-0110")
    assert audit_trail.actions() == ["calls.forwarding.set"]


# ---------------------------------------------------------------------------
# Queues


def save_queue(center, actor=None, **changes):
    kwargs: dict[str, Any] = {
        "name": "一般",
        "language": "ja",
        "skills": [],
        "max_wait_s": None,
        "max_length": None,
        "sl_threshold_s": None,
        "ring_timeout_s": None,
    }
    kwargs.update(changes)
    return queue_save(actor=actor, center=center, **kwargs)


def test_first_queue_becomes_the_default_and_is_audited(all_scenarios, manager, audit_trail):
    oita = all_scenarios["oita"]
    general = save_queue(oita, manager, skills=[" 予約 ", "予約", "", "ﾏｲﾅﾝﾊﾞｰ"])
    assert general.is_default is True
    assert general.skills == ["予約", "マイナンバー"]
    assert (general.sl_threshold_s, general.ring_timeout_s) == (20, 15)
    english = save_queue(
        oita,
        manager,
        name="English",
        language="en",
        skills=["english"],
        max_wait_s=120,
        max_length=10,
        sl_threshold_s=30,
        ring_timeout_s=20,
    )
    assert english.is_default is False
    assert (english.max_wait_s, english.max_length, english.sl_threshold_s) == (120, 10, 30)
    events = audit_trail.events()
    assert [e.action for e in events] == ["calls.queue.saved", "calls.queue.saved"]
    assert events[1].data == {
        "created": True,
        "name": "English",
        "language": "en",
        "skills": ["english"],
        "max_wait_s": 120,
        "max_length": 10,
        "sl_threshold_s": 30,
        "ring_timeout_s": 20,
        "is_default": False,
        "previous_default": None,
    }


def test_making_another_queue_the_default_moves_the_flag(all_scenarios, manager):
    oita = all_scenarios["oita"]
    general = save_queue(oita, manager)
    english = save_queue(oita, manager, name="English", language="en")
    save_queue(oita, manager, queue=english, name="English", language="en", make_default=True)
    assert list(Queue.objects.filter(center=oita, is_default=True)) == [english]
    general.refresh_from_db()
    assert general.is_default is False
    # Editing the default without touching the flag keeps it.
    renamed = save_queue(oita, manager, queue=english, name="English desk", language="en")
    assert renamed.is_default is True


def test_the_default_queue_cannot_be_switched_off(all_scenarios, manager, audit_trail):
    iwaki = all_scenarios["iwaki"]
    general = save_queue(iwaki, manager, max_wait_s=60)
    audit_trail.mark()
    with pytest.raises(CallsError) as excinfo:
        save_queue(iwaki, manager, queue=general, name="改名", make_default=False)
    assert excinfo.value.field == "make_default"
    general.refresh_from_db()
    assert (general.name, general.is_default, general.max_wait_s) == ("一般", True, 60)
    assert audit_trail.events() == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "名称を入力してください。"),
        ({"name": "あ" * 101}, "name", "名称は100文字以内にしてください。"),
        ({"name": "一般"}, "name", "「一般」という名前のキューは既にあります。"),
        ({"name": "ｲｯﾊﾟﾝ"}, "name", "「イッパン」という名前のキューは既にあります。"),
        (
            {"language": "en"},
            "language",
            "言語はこのセンターの対応言語（ja）から選んでください。",
        ),
        (
            {"max_wait_s": 0},
            "max_wait_s",
            "最大待ち時間（秒）は1から3600までの整数で入力してください（空欄も可）。",
        ),
        (
            {"max_length": -3},
            "max_length",
            "最大待ち呼数は1から999までの整数で入力してください（空欄も可）。",
        ),
        (
            {"sl_threshold_s": 601},
            "sl_threshold_s",
            "サービスレベル基準（秒）は1から600までの整数で入力してください（空欄も可）。",
        ),
        (
            {"ring_timeout_s": 10**12},
            "ring_timeout_s",
            "呼出し時間（秒）は1から120までの整数で入力してください（空欄も可）。",
        ),
        ({"skills": ["x" * 41]}, "skills", "スキル名は40文字以内にしてください。"),
    ],
)
def test_queue_refusals_change_nothing(
    all_scenarios, manager, audit_trail, changes, field, message
):
    iwaki = all_scenarios["iwaki"]
    save_queue(iwaki, manager)
    save_queue(iwaki, manager, name="イッパン")
    audit_trail.mark()
    before = list(Queue.objects.order_by("pk").values())
    with pytest.raises(CallsError) as excinfo:
        save_queue(iwaki, manager, **{"name": "高齢者", **changes})
    assert (excinfo.value.field, str(excinfo.value.message)) == (field, message)
    assert list(Queue.objects.order_by("pk").values()) == before
    assert audit_trail.events() == []


def test_renaming_a_queue_to_its_own_name_is_not_a_duplicate(all_scenarios, manager):
    general = save_queue(all_scenarios["iwaki"], manager)
    assert save_queue(all_scenarios["iwaki"], manager, queue=general, max_length=5).max_length == 5


def test_a_queue_of_another_center_is_refused(all_scenarios, manager, audit_trail):
    oita_queue = save_queue(all_scenarios["oita"], manager)
    audit_trail.mark()
    with pytest.raises(CallsError, match="このセンターのキューではありません"):
        save_queue(all_scenarios["iwaki"], manager, queue=oita_queue, name="乗っ取り")
    oita_queue.refresh_from_db()
    assert (oita_queue.name, oita_queue.center) == ("一般", all_scenarios["oita"])
    assert audit_trail.events() == []


# ---------------------------------------------------------------------------
# Voicemail


def make_voicemail(center, *, caller: str = "+819012345678", withheld: bool = False):
    call = Call.objects.create(
        center=center,
        dialed_number=center.numbers.first().e164,
        caller_number="" if withheld else caller,
        caller_withheld=withheld,
        arrived_at=RECORDED,
        disposition=Disposition.VOICEMAIL,
    )
    return Voicemail.objects.create(call=call, recorded_at=RECORDED, duration_s=42)


def test_voicemail_goes_through_every_step_in_order(all_scenarios, operator, audit_trail):
    voicemail = make_voicemail(all_scenarios["iwaki"])
    for status in ["assigned", "called_back", "closed"]:
        voicemail_set_status(actor=operator, voicemail=voicemail, status=status)
    stored = Voicemail.objects.get()
    assert (stored.status, stored.assigned_to) == (VoicemailStatus.CLOSED, operator)
    assert voicemail.status == VoicemailStatus.CLOSED  # the caller's instance follows
    events = audit_trail.events()
    assert [(e.action, e.data, e.center_id) for e in events] == [
        ("calls.voicemail.status_set", {"from": "new", "to": "assigned"}, stored.call.center_id),
        (
            "calls.voicemail.status_set",
            {"from": "assigned", "to": "called_back"},
            stored.call.center_id,
        ),
        (
            "calls.voicemail.status_set",
            {"from": "called_back", "to": "closed"},
            stored.call.center_id,
        ),
    ]


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (
            "new",
            "called_back",
            "先に「担当決定」にしてください（未対応→担当決定→折り返し済み→完了の順です）。",
        ),
        (
            "new",
            "closed",
            "先に「担当決定」にしてください（未対応→担当決定→折り返し済み→完了の順です）。",
        ),
        (
            "assigned",
            "closed",
            "先に「折り返し済み」にしてください（未対応→担当決定→折り返し済み→完了の順です）。",
        ),
        ("assigned", "new", "「担当決定」の留守番電話を「未対応」に戻すことはできません。"),
        (
            "called_back",
            "assigned",
            "「折り返し済み」の留守番電話を「担当決定」に戻すことはできません。",
        ),
        ("closed", "called_back", "「完了」の留守番電話を「折り返し済み」に戻すことはできません。"),
        ("assigned", "assigned", "この留守番電話は既に「担当決定」です。"),
        ("new", "deleted", "対応状況が正しくありません。"),
    ],
)
def test_voicemail_refusals_change_nothing(
    all_scenarios, operator, manager, audit_trail, start, target, message
):
    voicemail = make_voicemail(all_scenarios["iwaki"])
    Voicemail.objects.filter(pk=voicemail.pk).update(status=start, assigned_to=manager)
    voicemail.refresh_from_db()
    with pytest.raises(CallsError) as excinfo:
        voicemail_set_status(actor=operator, voicemail=voicemail, status=target)
    assert (excinfo.value.field, str(excinfo.value.message)) == ("status", message)
    stored = Voicemail.objects.get()
    assert (stored.status, stored.assigned_to) == (start, manager)
    assert voicemail.status == start
    assert audit_trail.events() == []


def test_a_voicemail_without_a_number_may_be_closed_without_a_callback(all_scenarios, operator):
    withheld = make_voicemail(all_scenarios["iwaki"], withheld=True)
    voicemail_set_status(actor=operator, voicemail=withheld, status="closed")
    assert Voicemail.objects.get(pk=withheld.pk).status == VoicemailStatus.CLOSED
    unknown = make_voicemail(all_scenarios["iwaki"], caller="")
    voicemail_set_status(actor=operator, voicemail=unknown, status="assigned")
    voicemail_set_status(actor=operator, voicemail=unknown, status="closed")
    assert Voicemail.objects.get(pk=unknown.pk).status == VoicemailStatus.CLOSED


def test_status_is_checked_against_the_stored_row_not_a_stale_instance(all_scenarios, operator):
    voicemail = make_voicemail(all_scenarios["iwaki"])
    stale = Voicemail.objects.get(pk=voicemail.pk)
    voicemail_set_status(actor=operator, voicemail=voicemail, status="assigned")
    # Another screen still shows "new": assigning again is refused, not applied twice.
    with pytest.raises(CallsError, match="既に「担当決定」です"):
        voicemail_set_status(actor=operator, voicemail=stale, status="assigned")

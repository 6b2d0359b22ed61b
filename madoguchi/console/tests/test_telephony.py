"""Telephony settings screens: announcements, forwarding, queues, voicemail.

Each screen: the allowed role gets 200, a role without the permission 403, bad input
400 with the message and the typed value kept, another center's objects 404.
"""

from __future__ import annotations

import html
import io
import re
import wave
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.audit.models import AuditEvent
from madoguchi.calls.models import (
    Announcement,
    Call,
    Disposition,
    Forwarding,
    Queue,
    Voicemail,
    VoicemailStatus,
)
from madoguchi.calls.services import announcement_save, queue_save
from madoguchi.tenancy.calendars import TOKYO

PASSWORD = "correct-horse-battery-staple"
RECORDED = datetime(2026, 1, 5, 19, 12, 30, tzinfo=TOKYO)


def wav_bytes(frames: int = 800) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x01\x00" * frames)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, *centers):
        user = user_create(actor=None, username=username, password=PASSWORD)
        for center in centers or [None]:
            membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


@pytest.fixture
def iwaki(all_scenarios):
    return all_scenarios["iwaki"]


@pytest.fixture
def oita(all_scenarios):
    return all_scenarios["oita"]


@pytest.fixture
def login(client, iwaki, make_user):
    """Log the client in with a new user holding ``role`` in Iwaki."""

    def as_role(role: Role, center=None):
        client.force_login(make_user(f"user-{role}", role, center or iwaki))
        return client

    return as_role


def audit_count() -> int:
    return AuditEvent.objects.count()


def body(response) -> str:
    return html.unescape(response.content.decode())


# ---------------------------------------------------------------------------
# Announcements (CENTER_MANAGE)


def plain_queue(center, name, language):
    """A queue with every limit left at its default."""
    return queue_save(
        actor=None,
        center=center,
        name=name,
        language=language,
        skills=[],
        max_wait_s=None,
        max_length=None,
        sl_threshold_s=None,
        ring_timeout_s=None,
    )


def test_announcements_list_offers_default_wording_per_kind_and_language(login):
    response = login(Role.MANAGER).get("/console/calls/announcements/")
    page = body(response)
    assert response.status_code == 200
    for label in ["お待たせガイダンス", "録音告知", "混雑メッセージ", "時間外ガイダンス"]:
        assert label in page
    assert "サービス向上のため、この通話は録音させていただきます。" in page
    assert page.count("未登録（既定の文言）") == 5  # Iwaki speaks Japanese only
    assert "/console/calls/announcements/waiting/en/" not in page


def test_multilingual_center_lists_every_language(login, oita):
    page = body(login(Role.MANAGER, oita).get("/console/calls/announcements/"))
    links = re.findall(r'href="/console/calls/announcements/([a-z_]+)/([a-z-]+)/"', page)
    assert len(links) == 20
    assert {language for _kind, language in links} == {"ja", "en", "zh-hans", "ko"}
    assert 'lang="ko"' in page and "한국어" in page


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR, Role.CITY_STAFF])
def test_announcements_are_for_managers(login, role):
    client = login(role)
    assert client.get("/console/calls/announcements/").status_code == 403
    refused = client.post("/console/calls/announcements/waiting/ja/", {"text": "乗っ取り"})
    assert refused.status_code == 403
    assert not Announcement.objects.exists()


def test_edit_form_starts_from_the_default_text_and_saves(login, iwaki):
    client = login(Role.MANAGER)
    form = body(client.get("/console/calls/announcements/recording_notice/ja/"))
    assert "まだ登録されていません。" in form
    assert "いわき市総合コールセンターです。サービス向上のため" in form
    response = client.post(
        "/console/calls/announcements/recording_notice/ja/",
        {"text": "この通話は録音されます。", "audio": SimpleUploadedFile("a.wav", wav_bytes())},
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/calls/announcements/"
    saved = Announcement.objects.get(center=iwaki)
    assert (saved.kind, saved.text) == ("recording_notice", "この通話は録音されます。")
    assert (saved.audio.name or "").endswith(".wav")
    event = AuditEvent.objects.filter(action="calls.announcement.saved").get()
    assert (event.actor_label, event.center_id) == ("user-manager", iwaki.pk)
    listed = body(client.get("/console/calls/announcements/"))
    assert "「録音告知」（日本語）を保存しました。" in listed
    assert listed.count("未登録（既定の文言）") == 4
    audio = client.get("/console/calls/announcements/recording_notice/ja/audio/")
    assert (audio.status_code, audio["Content-Type"]) == (200, "audio/wav")
    assert audio.content == wav_bytes()
    edit = body(client.get("/console/calls/announcements/recording_notice/ja/"))
    assert "<audio controls" in edit and "まだ登録されていません。" not in edit
    removed = client.post(
        "/console/calls/announcements/recording_notice/ja/",
        {"text": "この通話は録音されます。", "remove_audio": "on"},
    )
    assert removed.status_code == 302
    saved.refresh_from_db()
    assert saved.audio.name == ""
    assert client.get("/console/calls/announcements/recording_notice/ja/audio/").status_code == 404


def test_announcement_list_query_count_is_bounded(login, oita, django_assert_max_num_queries):
    for language in oita.languages:
        announcement_save(
            actor=None, center=oita, kind="waiting", language=language, text="…", audio=None
        )
    client = login(Role.MANAGER, oita)
    with django_assert_max_num_queries(10):
        assert client.get("/console/calls/announcements/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"text": "お待ちください。" * 126},
            "text",
            "文言は1000文字以内にしてください（現在1008文字）。",
        ),
        ({"text": "   "}, "text", "文言を入力してください。"),
        (
            {"text": "お待ちください。", "audio": b"ID3 not a wav"},
            "audio",
            "WAV形式（リニアPCM）の音声ファイルを選んでください。",
        ),
    ],
)
def test_bad_announcement_input_keeps_the_text_and_saves_nothing(login, data, field, message):
    client = login(Role.MANAGER)
    before = audit_count()
    if "audio" in data:
        data = {**data, "audio": SimpleUploadedFile("guidance.mp3", data["audio"])}
    response = client.post("/console/calls/announcements/waiting/ja/", data)
    page = body(response)
    assert response.status_code == 400
    assert message in page
    assert f">\n{data['text']}</textarea>" in page
    assert f'id="id_{field}_error"' in page  # the message sits at the field at fault
    assert not Announcement.objects.exists()
    assert audit_count() == before


def test_announcement_of_a_language_or_kind_the_center_lacks_is_404(login, oita, make_user):
    client = login(Role.MANAGER)
    assert client.get("/console/calls/announcements/waiting/en/").status_code == 404
    assert client.get("/console/calls/announcements/hold_music/ja/").status_code == 404
    refused = client.post("/console/calls/announcements/waiting/en/", {"text": "Please wait."})
    assert refused.status_code == 404
    # Oita's uploaded audio is not reachable from Iwaki, not even for Japanese.
    announcement_save(
        actor=None,
        center=oita,
        kind="waiting",
        language="ja",
        text="お待ちください。",
        audio=SimpleUploadedFile("a.wav", wav_bytes()),
    )
    assert client.get("/console/calls/announcements/waiting/ja/audio/").status_code == 404
    assert client.get("/console/calls/announcements/waiting/en/audio/").status_code == 404
    assert not Announcement.objects.filter(center__slug="iwaki").exists()


# ---------------------------------------------------------------------------
# Forwarding (FORWARDING_SWITCH)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER])
def test_supervisors_and_managers_see_the_forwarding_state(login, role):
    response = login(role).get("/console/calls/forwarding/")
    assert response.status_code == 200
    assert "停止中" in body(response)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CITY_STAFF, Role.SYSADMIN])
def test_forwarding_switch_is_refused_to_other_roles(login, role):
    client = login(role)
    assert client.get("/console/calls/forwarding/").status_code == 403
    response = client.post(
        "/console/calls/forwarding/", {"enabled": "on", "number": "0246-22-0110"}
    )
    assert response.status_code == 403
    assert not Forwarding.objects.exists()


def test_switch_forwarding_on_and_off(login, iwaki):
    client = login(Role.SUPERVISOR)
    on = client.post(
        "/console/calls/forwarding/",
        {"enabled": "on", "number": "0246-22-0110", "label": "市役所警備室"},
    )
    assert on.status_code == 302
    forwarding = Forwarding.objects.get(center=iwaki)
    assert (forwarding.enabled, forwarding.e164, forwarding.label) == (
        True,
        "+81246220110",
        "市役所警備室",
    )
    page = body(client.get("/console/calls/forwarding/"))
    assert "時間外転送を開始しました（転送先 0246-22-0110）。" in page
    assert "転送中" in page and 'value="0246-22-0110"' in page
    off = client.post("/console/calls/forwarding/", {"number": "0246-22-0110"})
    assert off.status_code == 302
    forwarding.refresh_from_db()
    assert (forwarding.enabled, forwarding.display) == (False, "0246-22-0110")
    events = AuditEvent.objects.filter(action="calls.forwarding.set").order_by("seq")
    assert [e.data["enabled"] for e in events] == [True, False]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("0246-22", "「0246-22」は電話番号として正しくありません（例: 0246-22-1111）。"),
        ("", "転送先の電話番号を入力してください。"),
    ],
)
def test_bad_forwarding_number_keeps_input_and_changes_nothing(login, number, message):
    client = login(Role.SUPERVISOR)
    before = audit_count()
    response = client.post(
        "/console/calls/forwarding/", {"enabled": "on", "number": number, "label": "警備室"}
    )
    page = body(response)
    assert response.status_code == 400
    assert message in page
    assert 'id="id_number_error"' in page
    assert 'value="警備室"' in page and (not number or f'value="{number}"' in page)
    assert 'name="enabled" id="id_enabled" checked' in page
    assert not Forwarding.objects.exists()
    assert audit_count() == before


# ---------------------------------------------------------------------------
# Queues (CENTER_MANAGE)


def queue_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "高齢者相談",
        "language": "ja",
        "skills": "高齢者、介護",
        "max_wait_s": "180",
        "max_length": "",
        "sl_threshold_s": "30",
        "ring_timeout_s": "",
    }
    data.update(changes)
    return data


def test_manager_creates_and_edits_a_queue(login, iwaki):
    client = login(Role.MANAGER)
    assert client.get("/console/calls/queues/").status_code == 200
    created = client.post("/console/calls/queues/", queue_data())
    assert created.status_code == 302
    queue = Queue.objects.get(center=iwaki)
    assert (queue.skills, queue.max_wait_s, queue.max_length) == (["高齢者", "介護"], 180, None)
    assert (queue.sl_threshold_s, queue.ring_timeout_s, queue.is_default) == (30, 15, True)
    page = body(client.get("/console/calls/queues/"))
    assert "キュー「高齢者相談」を登録しました。" in page
    assert "高齢者、介護" in page and "制限なし" in page
    form = body(client.get(f"/console/calls/queues/{queue.pk}/"))
    assert 'value="高齢者、介護"' in form and 'value="180"' in form
    edited = client.post(
        f"/console/calls/queues/{queue.pk}/",
        queue_data(name="高齢者・介護", max_length="8", make_default="on"),
    )
    assert edited.status_code == 302
    queue.refresh_from_db()
    assert (queue.name, queue.max_length, queue.is_default) == ("高齢者・介護", 8, True)
    assert AuditEvent.objects.filter(action="calls.queue.saved").count() == 2


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR])
def test_queues_are_for_managers(login, iwaki, role):
    queue = plain_queue(iwaki, "一般", "ja")
    client = login(role)
    assert client.get("/console/calls/queues/").status_code == 403
    assert client.post("/console/calls/queues/", queue_data()).status_code == 403
    assert client.post(f"/console/calls/queues/{queue.pk}/", queue_data()).status_code == 403
    assert list(Queue.objects.values_list("name", flat=True)) == ["一般"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"language": "en"}, "language", "言語はこのセンターの対応言語（ja）から選んでください。"),
        (
            {"max_wait_s": "-5"},
            "max_wait_s",
            "最大待ち時間（秒）は1から3600までの整数で入力してください（空欄も可）。",
        ),
        ({"max_length": "十"}, "max_length", "整数を入力してください。"),
        ({"name": "一般"}, "name", "「一般」という名前のキューは既にあります。"),
        ({"name": ""}, "name", "このフィールドは必須です。"),
    ],
)
def test_bad_queue_input_keeps_what_was_typed(login, iwaki, changes, field, message):
    plain_queue(iwaki, "一般", "ja")
    client = login(Role.MANAGER)
    before = (list(Queue.objects.values()), audit_count())
    data = queue_data(**changes)
    response = client.post("/console/calls/queues/", data)
    page = body(response)
    assert response.status_code == 400
    assert message in page
    assert f'id="queue_{field}_error"' in page
    for key, typed in data.items():
        if typed and key != "language":  # a select offers only the center's languages
            assert f'value="{typed}"' in page
    assert (list(Queue.objects.values()), audit_count()) == before


def test_switching_off_the_default_on_the_edit_page_is_explained(login, iwaki):
    queue = plain_queue(iwaki, "一般", "ja")
    response = login(Role.MANAGER).post(
        f"/console/calls/queues/{queue.pk}/", queue_data(name="改名")
    )
    page = body(response)
    assert response.status_code == 400
    assert "既定のキューは外せません。ほかのキューを既定にすると切り替わります。" in page
    assert 'value="改名"' in page
    assert "キュー「一般」" in page  # the heading still names the stored queue
    queue.refresh_from_db()
    assert (queue.name, queue.is_default) == ("一般", True)


def test_queue_of_another_center_is_404(login, oita):
    queue = plain_queue(oita, "English", "en")
    client = login(Role.MANAGER)
    assert client.get(f"/console/calls/queues/{queue.pk}/").status_code == 404
    refused = client.post(f"/console/calls/queues/{queue.pk}/", queue_data(name="乗っ取り"))
    assert refused.status_code == 404
    assert "English" not in body(client.get("/console/calls/queues/"))
    queue.refresh_from_db()
    assert queue.name == "English"


def test_queue_list_query_count_is_bounded(login, oita, django_assert_max_num_queries):
    for number, language in enumerate(["ja", "en", "zh-hans", "ko"] * 3):
        queue_save(
            actor=None,
            center=oita,
            name=f"Q{number}",
            language=language,
            skills=["a"],
            max_wait_s=None,
            max_length=None,
            sl_threshold_s=None,
            ring_timeout_s=None,
        )
    client = login(Role.MANAGER, oita)
    with django_assert_max_num_queries(12):
        assert client.get("/console/calls/queues/").status_code == 200


# ---------------------------------------------------------------------------
# Voicemail (CALL_HANDLE)


def make_voicemail(center, *, caller="+819012345678", withheld=False, minutes=0):
    at = RECORDED + timedelta(minutes=minutes)
    call = Call.objects.create(
        center=center,
        dialed_number=center.numbers.first().e164,
        caller_number="" if withheld else caller,
        caller_withheld=withheld,
        arrived_at=at,
        disposition=Disposition.VOICEMAIL,
    )
    return Voicemail.objects.create(call=call, recorded_at=at, duration_s=42)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_voicemail_list_shows_numbers_and_logs_the_access(login, iwaki, role):
    voicemail = make_voicemail(iwaki)
    withheld = make_voicemail(iwaki, withheld=True, minutes=5)
    response = login(role).get("/console/calls/voicemail/")
    page = body(response)
    assert response.status_code == 200
    assert "090-1234-5678" in page and "非通知" in page
    assert "2026-01-05 19:12" in page  # Japan time
    assert "折り返し先がないため完了にする" in page  # only for the withheld one
    assert page.count("自分が担当する（") == 2
    event = AuditEvent.objects.filter(action="calls.voicemail.listed").get()
    assert (event.kind, event.center_id, event.actor_label) == ("access", iwaki.pk, f"user-{role}")
    assert event.data == {"ids": [withheld.pk, voicemail.pk], "all": False}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CITY_STAFF, Role.SYSADMIN])
def test_voicemail_is_refused_without_call_handling(login, iwaki, role):
    voicemail = make_voicemail(iwaki)
    client = login(role)
    assert client.get("/console/calls/voicemail/").status_code == 403
    refused = client.post(
        f"/console/calls/voicemail/{voicemail.pk}/status/", {"status": "assigned"}
    )
    assert refused.status_code == 403
    assert Voicemail.objects.get().status == VoicemailStatus.NEW
    assert not AuditEvent.objects.filter(action__startswith="calls.voicemail.").exists()


def test_operator_works_a_voicemail_to_closed(login, iwaki):
    voicemail = make_voicemail(iwaki)
    client = login(Role.OPERATOR)
    url = f"/console/calls/voicemail/{voicemail.pk}/status/"
    for status in ["assigned", "called_back", "closed"]:
        response = client.post(url, {"status": status})
        assert response.status_code == 302
        assert response["Location"] == "/console/calls/voicemail/"
    voicemail.refresh_from_db()
    assert voicemail.status == VoicemailStatus.CLOSED
    assert voicemail.assigned_to.username == "user-operator"
    page = body(client.get("/console/calls/voicemail/"))
    assert "090-1234-5678 からの留守番電話を「完了」にしました。" in page
    assert "未完了の留守番電話はありません。" in page  # closed ones leave the default list
    everything = body(client.get("/console/calls/voicemail/", {"show": "all"}))
    assert "090-1234-5678" in everything and "完了" in everything


def test_going_back_is_refused_with_a_message(login, iwaki):
    voicemail = make_voicemail(iwaki)
    Voicemail.objects.filter(pk=voicemail.pk).update(status=VoicemailStatus.CALLED_BACK)
    client = login(Role.OPERATOR)
    response = client.post(
        f"/console/calls/voicemail/{voicemail.pk}/status/", {"status": "assigned"}
    )
    page = body(response)
    assert response.status_code == 400
    assert "「折り返し済み」の留守番電話を「担当決定」に戻すことはできません。" in page
    assert 'role="alert"' in page
    voicemail.refresh_from_db()
    assert voicemail.status == VoicemailStatus.CALLED_BACK
    assert not AuditEvent.objects.filter(action="calls.voicemail.status_set").exists()
    skipped = client.post(f"/console/calls/voicemail/{voicemail.pk}/status/", {"status": "new"})
    assert skipped.status_code == 400


def test_voicemail_of_another_center_is_invisible_and_404(login, iwaki, oita):
    foreign = make_voicemail(oita, caller="+819098765432")
    client = login(Role.OPERATOR)
    assert "090-9876-5432" not in body(client.get("/console/calls/voicemail/"))
    refused = client.post(f"/console/calls/voicemail/{foreign.pk}/status/", {"status": "assigned"})
    assert refused.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == VoicemailStatus.NEW
    assert AuditEvent.objects.filter(action="calls.voicemail.listed").get().data["ids"] == []


def test_voicemail_list_query_count_is_bounded(login, iwaki, django_assert_max_num_queries):
    for minutes in range(30):
        make_voicemail(iwaki, minutes=minutes)
    client = login(Role.OPERATOR)
    with django_assert_max_num_queries(16):
        assert client.get("/console/calls/voicemail/").status_code == 200

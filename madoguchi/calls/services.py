"""Writes of the calls context: queues, forwarding, agents. Each audited."""

from __future__ import annotations

import struct
import unicodedata
import wave
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import (
    Agent,
    Announcement,
    AnnouncementKind,
    Forwarding,
    Queue,
    Voicemail,
    VoicemailStatus,
)
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.phone import phone_normalize


@transaction.atomic
def queue_ensure_default(*, actor: Any, center: Center) -> Queue:
    """Every center answers into at least one queue: create 「一般」 if it has none."""
    queue = Queue.objects.filter(center=center, is_default=True).first()
    if queue is not None:
        return queue
    queue = Queue.objects.create(center=center, name="一般", is_default=True, language="ja")
    audit_log(action=audit_actions.QUEUE_SAVED, actor=actor, center=center, obj=queue)
    return queue


@transaction.atomic
def forwarding_set(
    *, actor: Any, center: Center, enabled: bool, number: str = "", label: str = ""
) -> Forwarding:
    """Switch after-hours forwarding on or off (TEL-3); switching on needs a number."""
    forwarding, _created = Forwarding.objects.get_or_create(center=center)
    if number:
        try:
            phone = phone_normalize(number)
        except TenancyError as exc:
            raise CallsError(exc.message, field="number") from exc
        forwarding.e164, forwarding.display = phone.e164, phone.display
    if label:
        forwarding.label = label
    if enabled and not forwarding.e164:
        raise CallsError(_("転送先の電話番号を入力してください。"), field="number")
    forwarding.enabled = enabled
    forwarding.save()
    audit_log(
        action=audit_actions.FORWARDING_SET,
        actor=actor,
        center=center,
        obj=forwarding,
        data={"enabled": enabled, "to": forwarding.display},
    )
    return forwarding


@transaction.atomic
def simulated_agents_ensure(
    *, center: Center, count: int, prefix: str = "シミュレーター"
) -> list[Agent]:
    """Seats ``<prefix> 1..count`` answered by the simulator (recording mode, demo stream)."""
    agents = []
    for number in range(1, count + 1):
        agent, _created = Agent.objects.get_or_create(
            center=center,
            name=f"{prefix} {number}",
            defaults={"is_simulated": True},
        )
        agents.append(agent)
    return agents


# ---------------------------------------------------------------------------
# Announcements (TEL-2)

ANNOUNCEMENT_MAX_CHARS = 1000
ANNOUNCEMENT_MAX_BYTES = 5 * 1024 * 1024

# Wording offered for an announcement a center has not written yet (the gateway should
# speak it too until the center saves its own). Japanese first; the other languages are
# drafts for the city to review.
_ANNOUNCEMENT_DEFAULTS: dict[str, dict[str, str]] = {
    AnnouncementKind.WAITING: {
        "ja": (
            "お電話ありがとうございます。ただいま電話が大変混み合っております。"
            "順番におつなぎいたしますので、このままお待ちください。"
        ),
        "en": (
            "Thank you for calling. All our operators are busy at the moment. "
            "Please stay on the line; we will answer your call in turn."
        ),
        "zh-hans": "感谢您的来电。目前所有话务员都在通话中，请您稍候，我们将按顺序为您接通。",
        "ko": (
            "전화해 주셔서 감사합니다. 지금은 모든 상담원이 통화 중입니다. "
            "잠시만 기다려 주시면 순서대로 연결해 드리겠습니다."
        ),
    },
    AnnouncementKind.RECORDING_NOTICE: {
        "ja": (
            "お電話ありがとうございます。%(center)sです。"
            "サービス向上のため、この通話は録音させていただきます。"
        ),
        "en": (
            "Thank you for calling %(center)s. "
            "This call will be recorded to help us improve our service."
        ),
        "zh-hans": "感谢您的来电。为了提高服务质量，本次通话将被录音。",
        "ko": "전화해 주셔서 감사합니다. 서비스 향상을 위해 이 통화는 녹음됩니다.",
    },
    AnnouncementKind.CONGESTION: {
        "ja": (
            "ただいま電話が大変混み合っており、おつなぎすることができません。"
            "恐れ入りますが、しばらくたってからおかけ直しください。"
        ),
        "en": (
            "We are sorry. All lines are busy and we cannot take your call now. "
            "Please call again later."
        ),
        "zh-hans": "非常抱歉，目前线路繁忙，暂时无法为您接通。请稍后再拨。",
        "ko": "죄송합니다. 지금은 전화가 많아 연결해 드릴 수 없습니다. 잠시 후 다시 걸어 주십시오.",
    },
    AnnouncementKind.AFTER_HOURS: {
        "ja": (
            "お電話ありがとうございます。%(center)sです。"
            "ただいまの時間は受付時間外です。恐れ入りますが、受付時間内におかけ直しください。"
        ),
        "en": (
            "Thank you for calling %(center)s. We are closed now. "
            "Please call again during our opening hours."
        ),
        "zh-hans": "感谢您的来电。现在是非受理时间，请在受理时间内再次来电。",
        "ko": (
            "전화해 주셔서 감사합니다. 지금은 상담 시간이 아닙니다. 상담 시간에 다시 걸어 주십시오."
        ),
    },
    AnnouncementKind.VOICEMAIL: {
        "ja": (
            "ただいま電話が大変混み合っております。発信音のあとに、お名前、ご用件、"
            "折り返しのお電話番号をお話しください。担当者から折り返しお電話いたします。"
        ),
        "en": (
            "All our operators are busy. After the tone, please leave your name, your "
            "message and a phone number we can call you back on. We will return your call."
        ),
        "zh-hans": (
            "目前所有话务员都在通话中。请在提示音后留下您的姓名、来电事由和回拨电话号码，"
            "我们会给您回电。"
        ),
        "ko": (
            "지금은 모든 상담원이 통화 중입니다. 신호음이 울린 후 성함과 용건, "
            "연락받으실 전화번호를 남겨 주시면 다시 전화드리겠습니다."
        ),
    },
}


def announcement_default_text(*, center: Center, kind: str, language: str) -> str:
    """The wording offered for an announcement the center has not saved ("" if none)."""
    template = _ANNOUNCEMENT_DEFAULTS.get(kind, {}).get(language, "")
    name = center.name_en if language == "en" and center.name_en else center.name
    return template % {"center": name} if "%(center)s" in template else template


def _announcement_check_wav(audio: UploadedFile[bytes]) -> None:
    """Callers hear the file as it is: accept only a complete, non-empty PCM WAV ≤ 5 MB."""
    size = audio.size or 0
    if size > ANNOUNCEMENT_MAX_BYTES:
        raise CallsError(
            _("音声ファイルは5MB以下にしてください（選ばれたファイルは%(size).1fMBです）。")
            % {"size": size / 1024 / 1024},
            field="audio",
        )
    audio.seek(0)
    try:
        with wave.open(audio, "rb") as wav:
            frames = wav.getnframes()
            expected = frames * wav.getsampwidth() * wav.getnchannels()
            complete = len(wav.readframes(frames)) == expected
    except (wave.Error, EOFError, struct.error) as exc:
        raise CallsError(
            _("WAV形式（リニアPCM）の音声ファイルを選んでください。"), field="audio"
        ) from exc
    finally:
        audio.seek(0)
    if frames == 0:
        raise CallsError(_("音声ファイルに音声が入っていません。"), field="audio")
    if not complete:
        raise CallsError(
            _("音声ファイルが途中で切れています。もう一度書き出してください。"), field="audio"
        )


@transaction.atomic
def announcement_save(
    *,
    actor: Any,
    center: Center,
    kind: str,
    language: str,
    text: str,
    audio: UploadedFile[bytes] | None,
    remove_audio: bool = False,
) -> Announcement:
    """Save what callers of ``center`` hear for ``kind`` in ``language`` (TEL-2).

    The text is required even with an audio file: it is spoken when the file cannot be
    played and is what staff read. A new file replaces the old one, which is deleted
    once the change is committed; ``remove_audio`` goes back to speaking the text.
    """
    if kind not in AnnouncementKind.values:
        raise CallsError(_("ガイダンスの種類が正しくありません。"), field="kind")
    if language not in center.languages:
        raise CallsError(_("このセンターの対応言語ではありません。"), field="language")
    # Browsers send line breaks as CRLF but count them as one character.
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise CallsError(_("文言を入力してください。"), field="text")
    if len(text) > ANNOUNCEMENT_MAX_CHARS:
        raise CallsError(
            _("文言は%(max)d文字以内にしてください（現在%(count)d文字）。")
            % {"max": ANNOUNCEMENT_MAX_CHARS, "count": len(text)},
            field="text",
        )
    if audio is not None:
        _announcement_check_wav(audio)
        if not settings.MEDIA_ROOT:
            # Without it Django would write into the working directory.
            raise CallsError(
                _("音声ファイルの保存先が設定されていません。システム管理者に連絡してください。"),
                field="audio",
            )
    announcement = (
        Announcement.objects.select_for_update()
        .filter(center=center, kind=kind, language=language)
        .first()
    ) or Announcement(center=center, kind=kind, language=language)
    created = announcement.pk is None
    old_audio = announcement.audio.name or ""
    announcement.text = text
    if audio is not None:
        # The stored name never comes from the uploaded one.
        announcement.audio.save(f"{center.slug}-{kind}-{language}.wav", audio, save=False)
    elif remove_audio:
        announcement.audio = ""
    try:
        with transaction.atomic():
            announcement.save()
    except IntegrityError as exc:  # the same announcement was created just now
        raise CallsError(_("同時に保存されました。もう一度保存してください。")) from exc
    if old_audio and old_audio != announcement.audio.name:
        storage = announcement.audio.storage
        transaction.on_commit(lambda: storage.delete(old_audio))
    audit_log(
        action=audit_actions.ANNOUNCEMENT_SAVED,
        actor=actor,
        center=center,
        obj=announcement,
        data={
            "kind": kind,
            "language": language,
            "created": created,
            "text": text,
            "audio": announcement.audio.name or "",
        },
    )
    return announcement


# ---------------------------------------------------------------------------
# Queues (TEL-1, TEL-9)

# Upper limits catch typing mistakes (and values the database column cannot hold).
QUEUE_NUMBER_LIMITS: dict[str, int] = {
    "max_wait_s": 3600,
    "max_length": 999,
    "sl_threshold_s": 600,
    "ring_timeout_s": 120,
}
_QUEUE_NUMBER_LABELS = {
    "max_wait_s": _("最大待ち時間（秒）"),
    "max_length": _("最大待ち呼数"),
    "sl_threshold_s": _("サービスレベル基準（秒）"),
    "ring_timeout_s": _("呼出し時間（秒）"),
}
SKILL_MAX_CHARS = 40


@transaction.atomic
def queue_save(
    *,
    actor: Any,
    center: Center,
    queue: Queue | None = None,
    name: str,
    language: str,
    skills: list[str],
    max_wait_s: int | None,
    max_length: int | None,
    sl_threshold_s: int | None,
    ring_timeout_s: int | None,
    make_default: bool | None = None,
) -> Queue:
    """Create or change a queue of ``center`` (TEL-1, TEL-9).

    A queue takes the callers who chose its language; callers of a language without a
    queue go to the default queue, so a center always has exactly one: its first queue
    becomes the default, ``make_default=True`` moves the flag here, and the default
    cannot be switched off directly (make another queue the default instead). Empty
    limits mean no limit; an empty service-level threshold or ring time means the
    standard value (20 s, 15 s).
    """
    if queue is not None and queue.center_id != center.pk:
        raise CallsError(_("このセンターのキューではありません。"))
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name:
        raise CallsError(_("名称を入力してください。"), field="name")
    if len(name) > 100:
        raise CallsError(_("名称は100文字以内にしてください。"), field="name")
    duplicate = Queue.objects.filter(center=center, name=name)
    if queue is not None:
        duplicate = duplicate.exclude(pk=queue.pk)
    if duplicate.exists():
        raise CallsError(
            _("「%(name)s」という名前のキューは既にあります。") % {"name": name}, field="name"
        )
    if language not in center.languages:
        raise CallsError(
            _("言語はこのセンターの対応言語（%(languages)s）から選んでください。")
            % {"languages": "、".join(center.languages)},
            field="language",
        )
    clean_skills = _queue_skills(skills)
    numbers = {
        "max_wait_s": max_wait_s,
        "max_length": max_length,
        "sl_threshold_s": sl_threshold_s,
        "ring_timeout_s": ring_timeout_s,
    }
    for field, value in numbers.items():
        if value is not None and not 1 <= value <= QUEUE_NUMBER_LIMITS[field]:
            raise CallsError(
                _("%(label)sは1から%(max)dまでの整数で入力してください（空欄も可）。")
                % {"label": _QUEUE_NUMBER_LABELS[field], "max": QUEUE_NUMBER_LIMITS[field]},
                field=field,
            )
    current_default = (
        Queue.objects.select_for_update().filter(center=center, is_default=True).first()
    )
    is_default = queue is not None and queue.is_default
    if make_default is False and is_default:
        raise CallsError(
            _("既定のキューは外せません。ほかのキューを既定にすると切り替わります。"),
            field="make_default",
        )
    created = queue is None
    queue = queue or Queue(center=center)
    queue.name, queue.language, queue.skills = name, language, clean_skills
    queue.max_wait_s, queue.max_length = max_wait_s, max_length
    queue.sl_threshold_s = sl_threshold_s or Queue._meta.get_field("sl_threshold_s").default
    queue.ring_timeout_s = ring_timeout_s or Queue._meta.get_field("ring_timeout_s").default
    previous_default = None
    if current_default is None:
        queue.is_default = True
    elif make_default and current_default.pk != queue.pk:
        # One default per center is a database constraint: clear the old flag first.
        current_default.is_default = False
        current_default.save(update_fields=["is_default"])
        previous_default = current_default.name
        queue.is_default = True
    try:
        with transaction.atomic():
            queue.save()
    except IntegrityError as exc:  # another manager saved the same name just now
        raise CallsError(
            _("「%(name)s」という名前のキューは既にあります。") % {"name": name}, field="name"
        ) from exc
    audit_log(
        action=audit_actions.QUEUE_SAVED,
        actor=actor,
        center=center,
        obj=queue,
        data={
            "created": created,
            "name": name,
            "language": language,
            "skills": clean_skills,
            "max_wait_s": queue.max_wait_s,
            "max_length": queue.max_length,
            "sl_threshold_s": queue.sl_threshold_s,
            "ring_timeout_s": queue.ring_timeout_s,
            "is_default": queue.is_default,
            "previous_default": previous_default,
        },
    )
    return queue


def _queue_skills(skills: list[str]) -> list[str]:
    """Skill names as agents carry them: NFKC, trimmed, no blanks or repeats, in order."""
    clean: list[str] = []
    for raw in skills:
        skill = unicodedata.normalize("NFKC", raw).strip()
        if not skill or skill in clean:
            continue
        if len(skill) > SKILL_MAX_CHARS:
            raise CallsError(
                _("スキル名は%(max)d文字以内にしてください。") % {"max": SKILL_MAX_CHARS},
                field="skills",
            )
        clean.append(skill)
    return clean


# ---------------------------------------------------------------------------
# Voicemail (TEL-4)

VOICEMAIL_ORDER = [
    VoicemailStatus.NEW,
    VoicemailStatus.ASSIGNED,
    VoicemailStatus.CALLED_BACK,
    VoicemailStatus.CLOSED,
]


@transaction.atomic
def voicemail_set_status(*, actor: Any, voicemail: Voicemail, status: str) -> Voicemail:
    """Move a voicemail one step along new → assigned → called back → closed (TEL-4).

    Steps are never skipped or undone, so the report can trust that every closed message
    was called back — except a message without a caller number (withheld or unknown),
    which nobody can call back and may be closed from new or assigned. Assigning makes
    the actor the person in charge. The row is locked, so two operators clicking at
    once cannot both take the same message.
    """
    try:
        target = VoicemailStatus(status)
    except ValueError as exc:
        raise CallsError(_("対応状況が正しくありません。"), field="status") from exc
    locked = (
        Voicemail.objects.select_for_update(of=("self",))
        .select_related("call__center")
        .get(pk=voicemail.pk)
    )
    current = VoicemailStatus(locked.status)
    here, there = VOICEMAIL_ORDER.index(current), VOICEMAIL_ORDER.index(target)
    if there == here:
        raise CallsError(
            _("この留守番電話は既に「%(status)s」です。") % {"status": current.label},
            field="status",
        )
    if there < here:
        raise CallsError(
            _("「%(current)s」の留守番電話を「%(target)s」に戻すことはできません。")
            % {"current": current.label, "target": target.label},
            field="status",
        )
    no_number = locked.call.caller_withheld or not locked.call.caller_number
    if there > here + 1 and not (target == VoicemailStatus.CLOSED and no_number):
        raise CallsError(
            _("先に「%(next)s」にしてください（未対応→担当決定→折り返し済み→完了の順です）。")
            % {"next": VOICEMAIL_ORDER[here + 1].label},
            field="status",
        )
    locked.status = target
    fields = ["status"]
    if target == VoicemailStatus.ASSIGNED:
        locked.assigned_to = actor
        fields.append("assigned_to")
    locked.save(update_fields=fields)
    audit_log(
        action=audit_actions.VOICEMAIL_STATUS_SET,
        actor=actor,
        center=locked.call.center,
        obj=locked,
        data={"from": str(current), "to": str(target)},
    )
    voicemail.status, voicemail.assigned_to = locked.status, locked.assigned_to
    return locked

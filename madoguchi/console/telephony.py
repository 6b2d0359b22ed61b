"""Console screens for the telephony settings of the current center: announcements
(TEL-2), after-hours forwarding (TEL-3), queues (TEL-1, TEL-9) and voicemail (TEL-4).

Each view parses input with a form, checks one permission, calls one ``calls`` service
and maps a ``CallsError`` onto the form, so what the user typed stays on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from madoguchi.accounts.permissions import Action
from madoguchi.audit.services import audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import (
    Announcement,
    AnnouncementKind,
    Call,
    Forwarding,
    Queue,
    Voicemail,
    VoicemailStatus,
)
from madoguchi.calls.selectors import (
    announcement_get,
    announcements_by_kind,
    center_queues,
    center_voicemails,
)
from madoguchi.calls.services import (
    announcement_default_text,
    announcement_save,
    forwarding_set,
    queue_save,
    voicemail_set_status,
)
from madoguchi.console.access import console_view
from madoguchi.console.forms import keep_error
from madoguchi.console.telephony_forms import AnnouncementForm, ForwardingForm, QueueForm
from madoguchi.tenancy.models import Center

VOICEMAIL_PAGE_SIZE = 50


def _center(request: HttpRequest) -> Center:
    center: Center | None = request.center  # type: ignore[attr-defined]
    if center is None:  # an installation-wide role with no active center to work in
        raise Http404
    return center


def _language_names() -> dict[str, str]:
    return dict(settings.LANGUAGES)


# ---------------------------------------------------------------------------
# Announcements (TEL-2)


@dataclass(frozen=True)
class AnnouncementRow:
    kind: AnnouncementKind
    language: str
    language_name: str
    announcement: Announcement | None
    text: str


@console_view(Action.CENTER_MANAGE)
def announcements(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    saved = announcements_by_kind(center)
    names = _language_names()
    rows = [
        AnnouncementRow(
            kind=kind,
            language=language,
            language_name=names.get(language, language),
            announcement=saved.get((kind.value, language)),
            text=(
                saved[(kind.value, language)].text
                if (kind.value, language) in saved
                else announcement_default_text(center=center, kind=kind, language=language)
            ),
        )
        for kind in AnnouncementKind
        for language in center.languages
    ]
    return render(request, "console/telephony_announcements.html", {"center": center, "rows": rows})


@console_view(Action.CENTER_MANAGE)
def announcement_edit(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    center = _center(request)
    if kind not in AnnouncementKind.values or language not in center.languages:
        raise Http404
    announcement = announcement_get(center, kind, language)
    has_audio = bool(announcement and announcement.audio)
    if request.method == "POST":
        form = AnnouncementForm(request.POST, request.FILES, language=language, has_audio=has_audio)
        if form.is_valid():
            data = form.cleaned_data
            try:
                announcement_save(
                    actor=request.user,
                    center=center,
                    kind=kind,
                    language=language,
                    text=data["text"],
                    audio=data["audio"],
                    remove_audio=data.get("remove_audio", False),
                )
            except CallsError as exc:
                keep_error(form, exc)
            else:
                messages.success(
                    request,
                    _("「%(kind)s」（%(language)s）を保存しました。")
                    % {
                        "kind": AnnouncementKind(kind).label,
                        "language": _language_names().get(language, language),
                    },
                )
                return redirect("console:announcements")
    else:
        text = (
            announcement.text
            if announcement
            else announcement_default_text(center=center, kind=kind, language=language)
        )
        form = AnnouncementForm(initial={"text": text}, language=language, has_audio=has_audio)
    return render(
        request,
        "console/telephony_announcement_edit.html",
        {
            "center": center,
            "form": form,
            "kind": AnnouncementKind(kind),
            "language": language,
            "language_name": _language_names().get(language, language),
            "announcement": announcement,
            "is_default_text": announcement is None,
        },
        status=400 if form.is_bound else 200,
    )


@console_view(Action.CENTER_MANAGE)
def announcement_audio(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    """The uploaded file (at most 5 MB), for staff to listen to; there is no public URL."""
    announcement = announcement_get(_center(request), kind, language)
    if announcement is None or not announcement.audio:
        raise Http404
    try:
        with announcement.audio.open("rb") as file:
            data = file.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type="audio/wav")
    response["Content-Disposition"] = f'inline; filename="{kind}-{language}.wav"'
    return response


# ---------------------------------------------------------------------------
# After-hours forwarding (TEL-3)


@console_view(Action.FORWARDING_SWITCH)
def forwarding(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    current = Forwarding.objects.filter(center=center).first()
    if request.method == "POST":
        form = ForwardingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                current = forwarding_set(
                    actor=request.user,
                    center=center,
                    enabled=data["enabled"],
                    number=data["number"],
                    label=data["label"],
                )
            except CallsError as exc:
                keep_error(form, exc)
            else:
                if current.enabled:
                    messages.success(
                        request,
                        _("時間外転送を開始しました（転送先 %(to)s）。") % {"to": current.display},
                    )
                else:
                    messages.success(request, _("時間外転送を停止しました。"))
                return redirect("console:forwarding")
    else:
        form = ForwardingForm(
            initial={
                "enabled": current.enabled if current else False,
                "number": current.display if current else "",
                "label": current.label if current else "",
            }
        )
    return render(
        request,
        "console/telephony_forwarding.html",
        {"center": center, "forwarding": current, "form": form},
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------------------
# Queues (TEL-1, TEL-9)


def _queue_save(request: HttpRequest, form: QueueForm, queue: Queue | None) -> Queue | None:
    """Save the form through the service; ``None`` when it was refused (errors on form)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return queue_save(
            actor=request.user,
            center=_center(request),
            queue=queue,
            name=data["name"],
            language=data["language"],
            skills=data["skills"],
            max_wait_s=data["max_wait_s"],
            max_length=data["max_length"],
            sl_threshold_s=data["sl_threshold_s"],
            ring_timeout_s=data["ring_timeout_s"],
            make_default=data["make_default"],
        )
    except CallsError as exc:
        keep_error(form, exc)
        return None


@console_view(Action.CENTER_MANAGE)
def queues(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    if request.method == "POST":
        form = QueueForm(request.POST, languages=center.languages)
        saved = _queue_save(request, form, None)
        if saved is not None:
            messages.success(request, _("キュー「%(name)s」を登録しました。") % {"name": saved})
            return redirect("console:queues")
    else:
        form = QueueForm(
            languages=center.languages, initial={"language": next(iter(center.languages), "")}
        )
    names = _language_names()
    return render(
        request,
        "console/telephony_queues.html",
        {
            "center": center,
            "queues": [(q, names.get(q.language, q.language)) for q in center_queues(center)],
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@console_view(Action.CENTER_MANAGE)
def queue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    queue = get_object_or_404(Queue, pk=pk, center=center)
    if request.method == "POST":
        form = QueueForm(request.POST, languages=center.languages)
        saved = _queue_save(request, form, queue)
        if saved is not None:
            messages.success(request, _("キュー「%(name)s」を保存しました。") % {"name": saved})
            return redirect("console:queues")
        queue.refresh_from_db()  # the heading shows the stored queue, not the refused input
    else:
        form = QueueForm(
            languages=center.languages,
            initial={
                "name": queue.name,
                "language": queue.language,
                "skills": "、".join(queue.skills),
                "max_wait_s": queue.max_wait_s,
                "max_length": queue.max_length,
                "sl_threshold_s": queue.sl_threshold_s,
                "ring_timeout_s": queue.ring_timeout_s,
                "make_default": queue.is_default,
            },
        )
    return render(
        request,
        "console/telephony_queue_edit.html",
        {"center": center, "queue": queue, "form": form},
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------------------
# Voicemail (TEL-4)


def _caller(call: Call) -> str:
    """The caller's number as people write it (0246-22-1111), or why there is none."""
    if call.caller_withheld:
        return _("非通知")
    if not call.caller_number:
        return _("番号不明")
    try:
        parsed = phonenumbers.parse(call.caller_number, "JP")
    except phonenumbers.NumberParseException:
        return call.caller_number
    if not phonenumbers.is_valid_number(parsed):
        return call.caller_number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


# The one next step offered for each status (the service enforces the order).
NEXT_STEP = {
    VoicemailStatus.NEW: (VoicemailStatus.ASSIGNED, gettext_lazy("自分が担当する")),
    VoicemailStatus.ASSIGNED: (VoicemailStatus.CALLED_BACK, gettext_lazy("折り返し済みにする")),
    VoicemailStatus.CALLED_BACK: (VoicemailStatus.CLOSED, gettext_lazy("完了にする")),
}

CLOSE_WITHOUT_CALLBACK = gettext_lazy("折り返し先がないため完了にする")


def _voicemail_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    center = _center(request)
    show_all = request.GET.get("show") == "all"
    page = Paginator(
        center_voicemails(center, open_only=not show_all), VOICEMAIL_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows: list[dict[str, Any]] = []
    for voicemail in page:
        call = voicemail.call
        no_number = call.caller_withheld or not call.caller_number
        current = VoicemailStatus(voicemail.status)
        steps = [NEXT_STEP[current]] if current in NEXT_STEP else []
        if no_number and current in {VoicemailStatus.NEW, VoicemailStatus.ASSIGNED}:
            steps.append((VoicemailStatus.CLOSED, CLOSE_WITHOUT_CALLBACK))
        rows.append({"voicemail": voicemail, "caller": _caller(call), "steps": steps})
    # Caller numbers are personal data: showing them is an access (SEC-2, RPT-7).
    audit_log(
        action=audit_actions.VOICEMAIL_LISTED,
        actor=request.user,
        center=center,
        data={"ids": [row["voicemail"].pk for row in rows], "all": show_all},
    )
    return render(
        request,
        "console/telephony_voicemail.html",
        {
            "center": center,
            "page": page,
            "rows": rows,
            "show_all": show_all,
            "query": "show=all&" if show_all else "",
            "error": error,
        },
        status=status,
    )


@console_view(Action.CALL_HANDLE)
def voicemail_list(request: HttpRequest) -> HttpResponse:
    return _voicemail_page(request)


@require_POST
@console_view(Action.CALL_HANDLE)
def voicemail_status(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    voicemail = get_object_or_404(
        Voicemail.objects.select_related("call"), pk=pk, call__center=center
    )
    try:
        voicemail_set_status(
            actor=request.user, voicemail=voicemail, status=request.POST.get("status", "")
        )
    except CallsError as exc:
        return _voicemail_page(request, status=400, error=str(exc.message))
    messages.success(
        request,
        _("%(caller)s からの留守番電話を「%(status)s」にしました。")
        % {
            "caller": _caller(voicemail.call),
            "status": VoicemailStatus(voicemail.status).label,
        },
    )
    url = reverse("console:voicemail")
    return redirect(f"{url}?show=all" if request.GET.get("show") == "all" else url)

"""Console screens for call recordings (TEL-6): list, detail with player, legal hold,
and the manual deletion approved by a manager on the spot (SEC-4).

Supervisors and managers only (``calls.recording.play``), and only recordings of the
current center: any other id is answered with 404, as if it did not exist.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import Action
from madoguchi.accounts.selectors import user_totp_device
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Recording
from madoguchi.calls.recordings import (
    recording_delete,
    recording_hold,
    recording_of_center,
    recording_open,
    recording_release,
    recordings_of_center,
)
from madoguchi.console.access import console_view
from madoguchi.console.forms import PageForm, keep_error

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


class HoldForm(PageForm):
    id_prefix = "hold"

    reason = forms.CharField(label=gettext_lazy("保全の理由"), max_length=200)


class ReleaseForm(PageForm):
    id_prefix = "release"

    reason = forms.CharField(label=gettext_lazy("解除の理由"), max_length=200)


class DeleteForm(PageForm):
    """Deleting before the deadline: the reason, and the approving manager's ID and
    password typed on the spot (a re-authentication: a wrong password counts towards
    the lockout like a failed log-in, and an approver with two-factor set up also gives
    a code). Whether the approver may approve is the service's rule."""

    id_prefix = "delete"

    reason = forms.CharField(label=gettext_lazy("削除の理由"), max_length=200)
    approver = forms.CharField(
        label=gettext_lazy("承認する管理者のログインID"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    approver_password = forms.CharField(
        label=gettext_lazy("承認する管理者のパスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    approver_otp = forms.CharField(
        label=gettext_lazy("承認する管理者の確認コード（二段階認証を設定した方）"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.approver_user: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("approver"), data.get("approver_password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            # As at log-in: never say which of the two was wrong.
            self.add_error(
                "approver_password",
                _("承認者のログインIDまたはパスワードが正しくありません。"),
            )
            return data
        device = user_totp_device(user=user)
        if device is not None:
            token = (data.get("approver_otp") or "").replace(" ", "")
            if not token:
                self.add_error("approver_otp", _("承認者の確認コードを入力してください。"))
                return data
            allowed, _info = device.verify_is_allowed()
            if not allowed:
                self.add_error(
                    "approver_otp",
                    _("確認コードの誤りが続いたため、少し待ってから入力してください。"),
                )
                return data
            if not token.isdigit() or not device.verify_token(token):
                self.add_error("approver_otp", _("確認コードが正しくありません。"))
                return data
        self.approver_user = user
        return data


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "console/forbidden.html", status=404)


def _detail_page(
    request: HttpRequest,
    recording: Recording,
    *,
    form: forms.Form | None = None,
    delete_form: DeleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = ReleaseForm() if recording.legal_hold else HoldForm()
    return render(
        request,
        "console/recording_detail.html",
        {
            "recording": recording,
            "form": form,
            "delete_form": delete_form or DeleteForm(request),
        },
        status=status,
    )


@require_GET
@console_view(Action.RECORDING_PLAY)
def recordings(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    page = Paginator(recordings_of_center(center=center), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "console/recordings.html", {"center": center, "page": page})


@require_GET
@console_view(Action.RECORDING_PLAY)
def recording_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    recording = recording_of_center(center=request.center, recording_id=pk)  # type: ignore[attr-defined]
    if recording is None:
        return _not_found(request)
    return _detail_page(request, recording)


# console_view's bound is HttpResponse, but a FileResponse streams (HttpResponseBase).
@require_GET
@console_view(Action.RECORDING_PLAY)
def recording_audio(request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
    """The audio itself; every fetch is one audited play (the page preloads nothing)."""
    recording = recording_of_center(center=request.center, recording_id=pk)  # type: ignore[attr-defined]
    if recording is None:
        return _not_found(request)
    try:
        file = recording_open(actor=request.user, recording=recording)
    except CallsError as exc:
        return HttpResponse(str(exc.message), status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(file, content_type="audio/wav")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store"  # personal data: no copy in browser caches
    return response


def _change_hold(
    request: HttpRequest,
    pk: uuid.UUID,
    form_class: type[HoldForm] | type[ReleaseForm],
    service: Callable[..., Recording],
    done: str,
) -> HttpResponse:
    """Put on or release a legal hold: the form keeps the reason when it is refused."""
    recording = recording_of_center(center=request.center, recording_id=pk)  # type: ignore[attr-defined]
    if recording is None:
        return _not_found(request)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, recording=recording, reason=form.cleaned_data["reason"])
        except CallsError as exc:
            keep_error(form, exc)
            recording.refresh_from_db()  # someone else may have changed it meanwhile
        else:
            messages.success(request, done)
            return redirect("console:recording_detail", pk=recording.pk)
    return _detail_page(request, recording, form=form, status=400)


@require_POST
@console_view(Action.RECORDING_PLAY)
def recording_hold_view(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _change_hold(
        request,
        pk,
        HoldForm,
        recording_hold,
        _("録音を保全しました。保全を解除するまで削除されません。"),
    )


@require_POST
@console_view(Action.RECORDING_PLAY)
def recording_release_view(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _change_hold(request, pk, ReleaseForm, recording_release, _("保全を解除しました。"))


@require_POST
@sensitive_post_parameters("approver_password", "approver_otp")  # kept out of error reports
@console_view(Action.RECORDING_PLAY)
def recording_delete_view(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Delete a recording before its deadline with a manager's approval; the row stays as
    the deletion record. Any refusal deletes nothing and keeps what was typed."""
    recording = recording_of_center(center=request.center, recording_id=pk)  # type: ignore[attr-defined]
    if recording is None:
        return _not_found(request)
    if recording.legal_hold or recording.is_deleted:
        # The page says why it cannot be deleted; no approver password is checked for it.
        return _detail_page(request, recording, status=400)
    form = DeleteForm(request, request.POST)
    if not form.is_valid() or form.approver_user is None:
        return _detail_page(request, recording, delete_form=form, status=400)
    try:
        recording_delete(
            actor=request.user,
            approver=form.approver_user,
            recording=recording,
            reason=form.cleaned_data["reason"],
        )
    except CallsError as exc:
        keep_error(form, exc)
        recording.refresh_from_db()  # held or deleted meanwhile: the page shows it
        return _detail_page(request, recording, delete_form=form, status=400)
    except OSError:
        # The file could not be removed: the service rolled the row back, nothing changed.
        logger.exception("could not delete the file of recording %s", recording.pk)
        form.add_error(
            None,
            _(
                "録音ファイルを消去できなかったため、削除していません。"
                "システム管理者に連絡してください。"
            ),
        )
        return _detail_page(request, recording, delete_form=form, status=500)
    messages.success(
        request, _("録音を削除しました。音声ファイルは消去され、削除の記録が残ります。")
    )
    return redirect("console:recording_detail", pk=recording.pk)

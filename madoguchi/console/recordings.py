"""Console screens for call recordings (TEL-6): list, detail with player, legal hold.

Supervisors and managers only (``calls.recording.play``), and only recordings of the
current center: any other id is answered with 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from madoguchi.accounts.permissions import Action
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Recording
from madoguchi.calls.recordings import (
    recording_hold,
    recording_of_center,
    recording_open,
    recording_release,
    recordings_of_center,
)
from madoguchi.console.access import console_view
from madoguchi.console.forms import PageForm, keep_error

PAGE_SIZE = 50


class HoldForm(PageForm):
    id_prefix = "hold"

    reason = forms.CharField(label=gettext_lazy("保全の理由"), max_length=200)


class ReleaseForm(PageForm):
    id_prefix = "release"

    reason = forms.CharField(label=gettext_lazy("解除の理由"), max_length=200)


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "console/forbidden.html", status=404)


def _detail_page(
    request: HttpRequest, recording: Recording, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        form = ReleaseForm() if recording.legal_hold else HoldForm()
    return render(
        request,
        "console/recording_detail.html",
        {"recording": recording, "form": form},
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

"""Citizen pages of the inbox: the inquiry form (INQ-1) and the survey (SUR-1).

Thin: parse, call one service, map InboxError onto the form. Never a 500 for bad input;
a refused field keeps everything else the citizen typed.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.forms import InquiryForm, SurveyForm
from madoguchi.inbox.services import (
    WEB_MAX_FILE_BYTES,
    WEB_MAX_FILES,
    SurveyTarget,
    Upload,
    inquiry_submit,
    inquiry_throttle_hit,
    survey_submit,
    survey_target,
)
from madoguchi.tenancy.models import Center

THANKS_SALT = "madoguchi.inbox.thanks"


def _centers() -> list[Center]:
    return list(Center.objects.filter(is_active=True).order_by("kind", "slug"))


def _center(slug: str) -> Center:
    center = Center.objects.select_related("calendar").filter(slug=slug, is_active=True).first()
    if center is None:
        raise Http404
    return center


def _display_name(center: Center) -> str:
    return center.name_en if get_language() != "ja" and center.name_en else center.name


def _keep_error(form: Any, exc: InboxError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def center_choice(request: HttpRequest) -> HttpResponse:
    centers = _centers()
    if len(centers) == 1:
        return redirect("inbox_public:form", slug=centers[0].slug)
    return render(
        request,
        "inbox/public/centers.html",
        {"centers": [(c, _display_name(c)) for c in centers]},
    )


@require_http_methods(["GET", "POST"])
def inquiry(request: HttpRequest, slug: str) -> HttpResponse:
    center = _center(slug)
    status = 200
    file_error = ""
    if request.method == "POST":
        form = InquiryForm(request.POST)
        files = request.FILES.getlist("attachments")
        if inquiry_throttle_hit(client_ip=request.META.get("REMOTE_ADDR", "")):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "短い時間に多くの送信がありました。しばらく待ってから、もう一度送信してください。"
                ),
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                message = inquiry_submit(
                    center=center,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    reply_channel=data["reply_channel"],
                    subject=data["subject"],
                    body=data["body"],
                    language=get_language() or "ja",
                    # Never more than the limit + 1 byte in memory: the service refuses it.
                    uploads=[
                        Upload(filename=f.name or "file", content=f.read(WEB_MAX_FILE_BYTES + 1))
                        for f in files[: WEB_MAX_FILES + 1]
                    ],
                )
            except InboxError as exc:
                _keep_error(form, exc)
                if exc.field == "attachments":
                    file_error = str(exc.message)
            else:
                token = signing.dumps(
                    {"m": message.pk, "d": message.reply_due_on.isoformat()}, salt=THANKS_SALT
                )
                return redirect("inbox_public:thanks", slug=center.slug, token=token)
        if status == 200:
            status = 400
    else:
        form = InquiryForm()
    return render(
        request,
        "inbox/public/form.html",
        {
            "center": center,
            "center_name": _display_name(center),
            "form": form,
            "file_error": file_error,
            "max_files": WEB_MAX_FILES,
            "max_mb": WEB_MAX_FILE_BYTES // (1024 * 1024),
        },
        status=status,
    )


def thanks(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    center = _center(slug)
    try:
        data = signing.loads(token, salt=THANKS_SALT, max_age=24 * 3600)
    except signing.BadSignature as exc:
        raise Http404 from exc
    return render(
        request,
        "inbox/public/thanks.html",
        {
            "center": center,
            "center_name": _display_name(center),
            "number": data["m"],
            "due": data["d"],
        },
    )


def _survey_page(request: HttpRequest, target: SurveyTarget) -> HttpResponse:
    if request.method == "POST":
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                survey_submit(
                    target=target,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    language=get_language() or "ja",
                )
            except InboxError as exc:
                _keep_error(form, exc)
            else:
                return render(
                    request,
                    "inbox/public/survey_thanks.html",
                    {"center_name": _display_name(target.center)},
                )
        status = 400
    else:
        form = SurveyForm()
        status = 200
    return render(
        request,
        "inbox/public/survey.html",
        {
            "center_name": _display_name(target.center),
            "form": form,
            "for_contact": target.message is not None or target.interaction is not None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = survey_target(token=token)
    except InboxError as exc:
        return render(
            request, "inbox/public/survey_invalid.html", {"error": exc.message}, status=404
        )
    return _survey_page(request, target)


@require_http_methods(["GET", "POST"])
def center_survey(request: HttpRequest, slug: str) -> HttpResponse:
    return _survey_page(request, SurveyTarget(center=_center(slug)))

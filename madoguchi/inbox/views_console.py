"""Console pages of the inbox (INBOX_HANDLE; templates INBOX_TEMPLATE_MANAGE).

Japanese only. Opening a message is a view of personal data and is audited (selectors).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from madoguchi.accounts.permissions import Action
from madoguchi.accounts.selectors import center_staff
from madoguchi.audit.services import audit_access
from madoguchi.console.access import console_view
from madoguchi.console.forms import keep_error
from madoguchi.inbox import audit_actions
from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.forms import (
    AssignForm,
    InboxFilterForm,
    InboxSettingsForm,
    ReplyForm,
    TemplateForm,
)
from madoguchi.inbox.models import Attachment, InboxMessage, InboxSettings, ReplyTemplate
from madoguchi.inbox.selectors import message_get, message_list, overdue_count, template_list
from madoguchi.inbox.services import (
    inbox_settings_save,
    message_assign,
    message_close,
    render_template,
    reply_send,
    template_save,
)
from madoguchi.tenancy.models import Center

PAGE_SIZE = 50


def _center(request: HttpRequest) -> Center:
    center: Center | None = request.center  # type: ignore[attr-defined]
    if center is None:
        raise Http404
    return center


@console_view(Action.INBOX_HANDLE)
def inbox_list(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    form = InboxFilterForm(request.GET or {"status": "open"})
    form.is_valid()
    data = form.cleaned_data
    overdue = {"yes": True, "no": False}.get(data.get("overdue") or "")
    qs = message_list(
        center=center,
        status=data.get("status") or "",
        channel=data.get("channel") or "",
        overdue=overdue,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    return render(
        request,
        "inbox/console/list.html",
        {
            "center": center,
            "form": form,
            "page": page,
            "rows": page.object_list,
            "query": f"{query}&" if query else "",
            "overdue_total": overdue_count(center=center),
        },
    )


def _detail(
    request: HttpRequest,
    center: Center,
    pk: int,
    *,
    reply_form: ReplyForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    try:
        message = message_get(center=center, pk=pk, actor=request.user)
    except InboxError as exc:
        raise Http404 from exc
    staff = center_staff(center=center)
    if reply_form is None:
        initial: dict[str, Any] = {"channel": message.reply_on}
        template_id = request.GET.get("template")
        if template_id and template_id.isdigit():
            template = template_list(center=center, active_only=True).filter(pk=template_id).first()
            if template is not None:
                initial["template"] = template
                initial["body"] = render_template(template=template, message=message)
        reply_form = ReplyForm(initial=initial, center=center)
    return render(
        request,
        "inbox/console/detail.html",
        {
            "center": center,
            "message": message,
            "reply_form": reply_form,
            "assign_form": assign_form
            or AssignForm(staff=staff, initial={"assignee": message.assigned_to_id}),
            "templates": template_list(center=center, active_only=True),
            "error": error,
        },
        status=status,
    )


@console_view(Action.INBOX_HANDLE)
def inbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _center(request), pk)


def _message(center: Center, pk: int) -> InboxMessage:
    return get_object_or_404(InboxMessage.objects.select_related("center"), pk=pk, center=center)


@require_POST
@console_view(Action.INBOX_HANDLE)
def inbox_assign(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    message = _message(center, pk)
    form = AssignForm(request.POST, staff=center_staff(center=center))
    if not form.is_valid():
        return _detail(request, center, pk, assign_form=form, status=400)
    try:
        message_assign(actor=request.user, message=message, assignee=form.cleaned_data["assignee"])
    except InboxError as exc:
        return _detail(request, center, pk, status=400, error=str(exc.message))
    messages.success(request, f"受付番号 {message.pk} の担当を決めました。")
    return redirect("console:inbox_console:detail", pk=pk)


@require_POST
@console_view(Action.INBOX_HANDLE)
def inbox_reply(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    message = _message(center, pk)
    form = ReplyForm(request.POST, center=center)
    if form.is_valid():
        try:
            reply = reply_send(
                actor=request.user,
                message=message,
                body=form.cleaned_data["body"],
                template=form.cleaned_data["template"],
                channel=form.cleaned_data["channel"],
            )
        except InboxError as exc:
            keep_error(form, exc)
        else:
            done = "送信しました" if not reply.manual else "記録しました"
            messages.success(request, f"受付番号 {message.pk} への回答を{done}。")
            return redirect("console:inbox_console:detail", pk=pk)
    return _detail(request, center, pk, reply_form=form, status=400)


@require_POST
@console_view(Action.INBOX_HANDLE)
def inbox_close(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    message = _message(center, pk)
    try:
        message_close(actor=request.user, message=message)
    except InboxError as exc:
        return _detail(request, center, pk, status=400, error=str(exc.message))
    messages.success(request, f"受付番号 {message.pk} を完了にしました。")
    return redirect("console:inbox_console:list")


@console_view(Action.INBOX_HANDLE)
def inbox_attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    center = _center(request)
    attachment = get_object_or_404(
        Attachment.objects.select_related("message"),
        pk=attachment_id,
        message_id=pk,
        message__center=center,
    )
    audit_access(
        action=audit_actions.MESSAGE_VIEWED,
        actor=request.user,
        obj=attachment.message,
        center=center,
        data={"attachment_id": attachment.pk},
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


def _templates_page(
    request: HttpRequest,
    center: Center,
    *,
    form: TemplateForm | None = None,
    editing: ReplyTemplate | None = None,
    settings_form: InboxSettingsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if settings_form is None:
        current = InboxSettings.objects.filter(center=center).first() or InboxSettings()
        settings_form = InboxSettingsForm(
            initial={
                "reply_cutoff": current.reply_cutoff,
                "delay_notice": current.delay_notice,
                "delay_days": current.delay_days,
                "overdue_notice_threshold": current.overdue_notice_threshold,
            }
        )
    if form is None:
        form = (
            TemplateForm(
                initial={
                    "name": editing.name,
                    "body": editing.body,
                    "is_active": editing.is_active,
                }
            )
            if editing
            else TemplateForm()
        )
    return render(
        request,
        "inbox/console/templates.html",
        {
            "center": center,
            "templates": template_list(center=center),
            "form": form,
            "editing": editing,
            "settings_form": settings_form,
        },
        status=status,
    )


@console_view(Action.INBOX_TEMPLATE_MANAGE)
def template_index(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    if request.method != "POST":
        return _templates_page(request, center)
    return _template_save(request, center, None)


@console_view(Action.INBOX_TEMPLATE_MANAGE)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    template = get_object_or_404(ReplyTemplate, pk=pk, center=center)
    if request.method != "POST":
        return _templates_page(request, center, editing=template)
    return _template_save(request, center, template)


def _template_save(
    request: HttpRequest, center: Center, template: ReplyTemplate | None
) -> HttpResponse:
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            saved = template_save(
                actor=request.user,
                center=center,
                name=form.cleaned_data["name"],
                body=form.cleaned_data["body"],
                is_active=form.cleaned_data["is_active"],
                template=template,
            )
        except InboxError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, f"テンプレート「{saved.name}」を保存しました。")
            return redirect("console:inbox_console:templates")
    return _templates_page(request, center, form=form, editing=template, status=400)


@require_POST
@console_view(Action.INBOX_TEMPLATE_MANAGE)
def settings_save(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    form = InboxSettingsForm(request.POST)
    if form.is_valid():
        try:
            inbox_settings_save(actor=request.user, center=center, **form.cleaned_data)
        except InboxError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, "受信箱の設定を保存しました。")
            return redirect("console:inbox_console:templates")
    return _templates_page(request, center, settings_form=form, status=400)

"""Console screens of the interactions context (CON-1..9, TEL-11): the operator desk,
history search and export, record detail and editing, escalations and callbacks, the
category tree, and the complaint and long-call lists.

Views are thin: parse typed input, check one declared permission (``console_view``),
call one service or selector, map ``InteractionsError`` onto the form. Reading personal
data (a record, a caller's history, a callback number) is audited here, where it is shown.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.permissions import Action, actions_for, centers_with
from madoguchi.audit.services import audit_access, audit_log
from madoguchi.calls.models import Call, Voicemail
from madoguchi.console.access import console_view
from madoguchi.console.actions import form_errors_message, perform
from madoguchi.console.forms import keep_error
from madoguchi.interactions import audit_actions, exports, selectors, services
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.forms_console import (
    CallbackAttemptForm,
    CategoryChangeForm,
    CategoryForm,
    ContactForm,
    EscalationReportForm,
    FollowUpFilterForm,
    InteractionEditForm,
    SearchForm,
    VoicemailCallbackForm,
)
from madoguchi.interactions.models import Category, Channel, Interaction
from madoguchi.knowledge.services import faq_uses_sync
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.selectors import center_for_number

FAQ_PANE = "knowledge/console/_faq_pane.html"
PAGE_SIZE = 50


def _faq_pane() -> str | None:
    """The knowledge app's FAQ pane when it is installed (merged), else None: the desk
    then offers a plain FAQ-id field (the seam, docs/operator-desk.md)."""
    try:
        get_template(FAQ_PANE)
    except TemplateDoesNotExist:
        return None
    return FAQ_PANE


def _visible(request: HttpRequest, action: Action = Action.INTERACTION_VIEW) -> list[int] | None:
    return centers_with(request.user, action)


def _call(request: HttpRequest, raw: str) -> Call | None:
    center = request.center  # type: ignore[attr-defined]
    try:
        call_id = uuid.UUID(raw)
    except ValueError:
        return None
    return Call.objects.filter(pk=call_id, center=center).first()


def _desk_page(
    request: HttpRequest, *, form: ContactForm | None = None, status: int = 200
) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    source = request.POST if form is not None else request.GET
    call = _call(request, source.get("call", ""))
    if form is None:
        channel = request.GET.get("channel", Channel.PHONE if call else "")
        initial: dict[str, Any] = {
            "channel": channel if channel in Channel.values else Channel.PHONE,
            "call": str(call.pk) if call else "",
            "dialed_number": call.dialed_number if call else "",
            "caller_number": call.caller_number if call else "",
            "language": call.language if call else "ja",
        }
        form = ContactForm(initial=initial, center=center)
    dialed = (form.data.get("dialed_number") if form.is_bound else None) or (
        form.initial.get("dialed_number") or ""
    )
    caller = (form.data.get("caller_number") if form.is_bound else None) or (
        form.initial.get("caller_number") or ""
    )
    dialed_center = center_for_number(number=dialed) if dialed else None
    history = selectors.caller_history(center=center, number=caller) if caller else []
    if caller and not form.is_bound:
        # The caller's earlier contacts are personal data: showing them is an access.
        audit_log(
            action=audit_actions.CALLER_HISTORY_VIEWED,
            actor=request.user,
            center=center,
            data={"found": len(history), "call_id": str(call.pk) if call else None},
        )
    return render(
        request,
        "interactions/console/desk.html",
        {
            "center": center,
            "call": call,
            "form": form,
            "dialed": dialed,
            "dialed_center": dialed_center,
            "caller": caller,
            "history": history,
            "tally": selectors.tally_categories(center=center),
            "targets": selectors.transfer_targets(center=center, at=timezone.now()),
            "faq_pane": _faq_pane(),
            "contact_open": bool(call or request.GET.get("channel")),
            "channels": Channel.choices,
        },
        status=status,
    )


@console_view(Action.INTERACTION_CREATE)
def desk(request: HttpRequest) -> HttpResponse:
    return _desk_page(request)


@require_POST
@console_view(Action.INTERACTION_CREATE)
def desk_tally(request: HttpRequest) -> HttpResponse:
    """One click (or key) on a category button records a simple inquiry (CON-2)."""
    center = request.center  # type: ignore[attr-defined]
    category = Category.objects.filter(pk=request.POST.get("category") or 0, center=center).first()
    if category is None:
        messages.error(request, _("分類を選んでください。"))
        return redirect("console:desk")
    channel = request.POST.get("channel", Channel.PHONE)
    call = _call(request, request.POST.get("call", ""))
    try:
        interaction = services.interaction_tally(
            actor=request.user,
            center=center,
            category=category,
            channel=channel if channel in Channel.values else Channel.PHONE,
            dialed_number=request.POST.get("dialed_number", ""),
            call=call,
        )
    except InteractionsError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:desk")
    messages.success(
        request,
        _("「%(name)s」を記録しました（応対番号 %(pk)s）。")
        % {"name": category.name, "pk": interaction.pk},
    )
    return redirect("console:desk")


@require_POST
@console_view(Action.INTERACTION_CREATE)
def desk_record(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    form = ContactForm(request.POST, center=center)
    if form.is_valid():
        data = form.cleaned_data
        try:
            interaction = services.contact_record(
                actor=request.user,
                center=center,
                channel=data["channel"],
                kind=data["kind"],
                summary=data["summary"],
                answer=data["answer"],
                outcome=data["outcome"],
                category=data["category"],
                department=data["department"],
                dialed_number=data["dialed_number"],
                caller_number=data["caller_number"],
                faq_ids=form.faq_id_list(),
                call=_call(request, data["call"] or ""),
                language=data["language"],
                escalation_days=data["escalation_days"] or 3,
                escalation_email=data["escalation_email"] or "",
                callback=data["callback"],
                callback_number=data["callback_number"],
                callback_preferred_time=data["callback_preferred_time"],
            )
        except InteractionsError as exc:
            keep_error(form, exc)
        else:
            faq_uses_sync(actor=request.user, interaction=interaction)
            messages.success(
                request, _("応対を記録しました（応対番号 %(pk)s）。") % {"pk": interaction.pk}
            )
            return redirect("console:desk")
    return _desk_page(request, form=form, status=400)


def _search_form(request: HttpRequest) -> tuple[SearchForm, list[Any]]:
    visible = _visible(request)
    centers = [c for c in request.centers if visible is None or c.pk in visible]  # type: ignore[attr-defined]
    return SearchForm(request.GET or None, centers=centers), centers


def _search(form: SearchForm, centers: list[Any]) -> Any:
    data = form.cleaned_data
    since, until = data.get("since"), data.get("until")
    center = data.get("center")
    return selectors.interaction_search(
        center_ids=[center.pk] if center else [c.pk for c in centers],
        since=datetime.combine(since, time.min, tzinfo=TOKYO) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=TOKYO)
        if until
        else None,
        channel=data.get("channel") or None,
        category=data.get("category"),
        kind=data.get("kind") or None,
        outcome=data.get("outcome") or None,
        operator=data.get("operator"),
        department=data.get("department"),
        text=data.get("text") or "",
    )


def _conditions(form: SearchForm) -> dict[str, Any]:
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in form.cleaned_data.items() if v}


@console_view(Action.INTERACTION_VIEW)
def history(request: HttpRequest) -> HttpResponse:
    """Search (CON-6), read-only for city staff (CON-7); listing records is an access."""
    form, centers = _search_form(request)
    page = None
    if not form.is_bound:
        form = SearchForm(
            initial={"since": timezone.now().astimezone(TOKYO).date() - timedelta(days=7)},
            centers=centers,
        )
    elif form.is_valid():
        page = Paginator(_search(form, centers), PAGE_SIZE).get_page(request.GET.get("page"))
        audit_log(
            action=audit_actions.INTERACTIONS_SEARCHED,
            actor=request.user,
            center=request.center,  # type: ignore[attr-defined]
            data={"conditions": _conditions(form), "page": page.number},
        )
    query = request.GET.copy()
    query.pop("page", None)
    allowed = actions_for(request.user, request.center)  # type: ignore[attr-defined]
    return render(
        request,
        "interactions/console/history.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_export": Action.INTERACTION_EXPORT in allowed,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@console_view(Action.INTERACTION_EXPORT)
def history_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """All or the filtered records as CSV (UTF-8 with BOM) or Excel, streamed (CON-6);
    every export is audited with its conditions."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    visible = _visible(request, Action.INTERACTION_EXPORT)
    centers = [c for c in request.centers if visible is None or c.pk in visible]  # type: ignore[attr-defined]
    form = SearchForm(request.GET or {}, centers=centers)
    if not form.is_valid():
        messages.error(request, _("検索条件を確認してください。"))
        return redirect("console:history")
    records = _search(form, centers)
    audit_log(
        action=audit_actions.INTERACTIONS_EXPORTED,
        actor=request.user,
        center=request.center,  # type: ignore[attr-defined]
        data={"format": fmt, "conditions": _conditions(form)},
    )
    stamp = timezone.now().astimezone(TOKYO).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(records), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="interactions-{stamp}.csv"'
        return response
    return FileResponse(
        exports.xlsx_file(records),
        as_attachment=True,
        filename=f"interactions-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _record(request: HttpRequest, pk: int) -> Interaction:
    interaction = selectors.interaction_get(center_ids=_visible(request), pk=pk)
    if interaction is None:
        raise Http404
    return interaction


@console_view(Action.INTERACTION_VIEW)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _record(request, pk)
    audit_access(
        action=audit_actions.INTERACTION_VIEWED,
        actor=request.user,
        obj=interaction,
        center=interaction.center,
    )
    allowed = actions_for(request.user, interaction.center)
    return render(
        request,
        "interactions/console/detail.html",
        {
            "interaction": interaction,
            "events": list(interaction.events.all()),
            "can_edit": Action.INTERACTION_CREATE in allowed,
        },
    )


@console_view(Action.INTERACTION_CREATE)
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _record(request, pk)
    if interaction.center_id != request.center.pk:  # type: ignore[attr-defined]
        raise Http404
    center = interaction.center
    if request.method == "POST":
        form = InteractionEditForm(request.POST, center=center)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.interaction_update(
                    actor=request.user,
                    interaction=interaction,
                    kind=data["kind"],
                    summary=data["summary"],
                    answer=data["answer"],
                    outcome=data["outcome"],
                    category=data["category"],
                    department=data["department"],
                    faq_ids=form.faq_id_list(),
                )
            except InteractionsError as exc:
                keep_error(form, exc)
            else:
                interaction.refresh_from_db()
                faq_uses_sync(actor=request.user, interaction=interaction)
                messages.success(request, _("応対履歴を修正しました。"))
                return redirect("console:record_detail", pk=pk)
        status = 400
    else:
        form = InteractionEditForm(
            initial={
                "kind": interaction.kind,
                "category": interaction.category_id,
                "summary": interaction.summary,
                "answer": interaction.answer,
                "faq_ids": ",".join(interaction.faq_ids),
                "outcome": interaction.outcome,
                "department": interaction.department_id,
            },
            center=center,
        )
        status = 200
    return render(
        request,
        "interactions/console/edit.html",
        {"interaction": interaction, "form": form},
        status=status,
    )


@console_view(Action.INTERACTION_VIEW)
def followups(request: HttpRequest) -> HttpResponse:
    """Escalations and callbacks (CON-5, TEL-11); city staff use the department filter
    as their department's view and report done from the detail page."""
    center = request.center  # type: ignore[attr-defined]
    form = FollowUpFilterForm(request.GET or None, center=center)
    today = timezone.now().astimezone(TOKYO).date()
    status, department, overdue = "", None, False
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"]
        department = form.cleaned_data["department"]
        overdue = form.cleaned_data["overdue"]
    escalations = selectors.escalation_list(
        center_ids=[center.pk],
        status=status,
        department=department,
        overdue_on=today if overdue else None,
    )
    page = Paginator(escalations, PAGE_SIZE).get_page(request.GET.get("page"))
    callbacks = list(selectors.callback_list(center_ids=[center.pk])[:PAGE_SIZE])
    allowed = actions_for(request.user, center)
    can_call = Action.INTERACTION_CREATE in allowed
    if callbacks and can_call:
        audit_log(
            action=audit_actions.CALLBACK_VIEWED,
            actor=request.user,
            center=center,
            data={"callback_ids": [c.pk for c in callbacks]},
        )
    return render(
        request,
        "interactions/console/followups.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "callbacks": callbacks,
            "can_call": can_call,
            "voicemails": list(selectors.voicemails_to_call_back(center=center)[:PAGE_SIZE])
            if can_call
            else [],
            "attempt_form": CallbackAttemptForm(),
            "voicemail_form": VoicemailCallbackForm(),
        },
    )


def _escalation(request: HttpRequest, pk: int) -> Any:
    escalation = selectors.escalation_get(center_ids=_visible(request), pk=pk)
    if escalation is None:
        raise Http404
    return escalation


@console_view(Action.INTERACTION_VIEW)
def escalation_detail(
    request: HttpRequest, pk: int, *, form: EscalationReportForm | None = None, status: int = 200
) -> HttpResponse:
    escalation = _escalation(request, pk)
    allowed = actions_for(request.user, escalation.center)
    return render(
        request,
        "interactions/console/escalation.html",
        {
            "escalation": escalation,
            "today": timezone.now().astimezone(TOKYO).date(),
            "can_report": Action.ESCALATION_REPORT in allowed,
            "can_confirm": Action.ESCALATION_CONFIRM in allowed,
            "form": form or EscalationReportForm(),
        },
        status=status,
    )


@require_POST
@console_view(Action.ESCALATION_REPORT)
def escalation_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    perform(
        request,
        lambda: services.escalation_start(actor=request.user, escalation=_escalation(request, pk)),
        done=_("対応中にしました。"),
    )
    return redirect("console:escalation", pk=pk)


@require_POST
@console_view(Action.ESCALATION_REPORT)
def escalation_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = EscalationReportForm(request.POST)
    if form.is_valid():
        try:
            services.escalation_report(
                actor=request.user,
                escalation=_escalation(request, pk),
                report=form.cleaned_data["report"],
            )
        except InteractionsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("完了を報告しました。"))
            return redirect("console:escalation", pk=pk)
    return escalation_detail(request, pk, form=form, status=400)


@require_POST
@console_view(Action.ESCALATION_CONFIRM)
def escalation_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    perform(
        request,
        lambda: services.escalation_confirm(
            actor=request.user, escalation=_escalation(request, pk)
        ),
        done=_("完了を確認しました。"),
    )
    return redirect("console:escalation", pk=pk)


@require_POST
@console_view(Action.INTERACTION_CREATE)
def callback_attempt_view(request: HttpRequest, pk: int) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    callback = selectors.callback_get(center_ids=[center.pk], pk=pk)
    if callback is None:
        raise Http404
    form = CallbackAttemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("console:followups")
    perform(
        request,
        lambda: services.callback_attempt_log(
            actor=request.user,
            callback=callback,
            result=form.cleaned_data["result"],
            note=form.cleaned_data["note"],
            call=_call(request, request.POST.get("call", "")),
        ),
        done=_("折り返しの結果を記録しました。"),
    )
    return redirect("console:followups")


@require_POST
@console_view(Action.INTERACTION_CREATE)
def voicemail_callback_view(request: HttpRequest, pk: int) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    voicemail = Voicemail.objects.select_related("call").filter(pk=pk, call__center=center).first()
    if voicemail is None:
        raise Http404
    form = VoicemailCallbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("console:followups")
    perform(
        request,
        lambda: services.callback_request(
            actor=request.user,
            center=center,
            number=voicemail.call.caller_number,
            preferred_time=form.cleaned_data["preferred_time"],
            voicemail=voicemail,
        ),
        done=_("留守番電話の折り返しを登録しました。"),
    )
    return redirect("console:followups")


@console_view(Action.CATEGORY_MANAGE)
def categories(
    request: HttpRequest, *, form: CategoryForm | None = None, status: int = 200
) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    tree = selectors.category_tree(center=center)
    return render(
        request,
        "interactions/console/categories.html",
        {
            "tree": [
                (
                    node,
                    depth,
                    CategoryChangeForm(
                        initial={
                            "name": node.name,
                            "order": node.order,
                            "is_active": node.is_active,
                        },
                        auto_id=f"change{node.pk}_%s",
                    ),
                )
                for node, depth in tree
            ],
            "form": form or CategoryForm(center=center),
        },
        status=status,
    )


@require_POST
@console_view(Action.CATEGORY_MANAGE)
def category_add(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    form = CategoryForm(request.POST, center=center)
    if form.is_valid():
        try:
            category = services.category_create(
                actor=request.user,
                center=center,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                order=form.cleaned_data["order"],
            )
        except InteractionsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("分類「%(name)s」を追加しました。") % {"name": category})
            return redirect("console:categories")
    return categories(request, form=form, status=400)


@require_POST
@console_view(Action.CATEGORY_MANAGE)
def category_change(request: HttpRequest, pk: int) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    category = Category.objects.filter(pk=pk, center=center).first()
    if category is None:
        raise Http404
    form = CategoryChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("console:categories")
    perform(
        request,
        lambda: services.category_change(
            actor=request.user,
            category=category,
            name=form.cleaned_data["name"],
            order=form.cleaned_data["order"],
            is_active=form.cleaned_data["is_active"],
        ),
        done=_("分類「%(name)s」を保存しました。") % {"name": form.cleaned_data["name"]},
    )
    return redirect("console:categories")


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


@console_view(Action.INTERACTION_VIEW)
def complaints(request: HttpRequest) -> HttpResponse:
    """The day's complaints, to report to the city by the next business day (CON-9)."""
    from madoguchi.tenancy.selectors import next_business_day

    center = request.center  # type: ignore[attr-defined]
    today = timezone.now().astimezone(TOKYO).date()
    day = _day(request.GET.get("day"), today)
    rows = list(selectors.complaints_for_report(center=center, day=day))
    audit_log(
        action=audit_actions.INTERACTIONS_SEARCHED,
        actor=request.user,
        center=center,
        data={"conditions": {"kind": "complaint", "day": day.isoformat()}},
    )
    return render(
        request,
        "interactions/console/complaints.html",
        {
            "day": day,
            "report_by": next_business_day(center, day),
            "rows": rows,
        },
    )


@console_view(Action.INTERACTION_VIEW)
def long_calls_view(request: HttpRequest) -> HttpResponse:
    """Calls over the threshold (default 20 minutes) with their content (CON-9)."""
    center = request.center  # type: ignore[attr-defined]
    today = timezone.now().astimezone(TOKYO).date()
    since = _day(request.GET.get("since"), today - timedelta(days=7))
    until = _day(request.GET.get("until"), today)
    try:
        minutes = max(1, min(int(request.GET.get("minutes", "20")), 600))
    except ValueError:
        minutes = 20
    rows = list(
        selectors.long_calls(
            center=center,
            since=datetime.combine(since, time.min, tzinfo=TOKYO),
            until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=TOKYO),
            threshold_s=minutes * 60,
        )[:200]
    )
    audit_log(
        action=audit_actions.INTERACTIONS_SEARCHED,
        actor=request.user,
        center=center,
        data={"conditions": {"long_calls_minutes": minutes, "since": since, "until": until}},
    )
    return render(
        request,
        "interactions/console/long_calls.html",
        {"rows": rows, "since": since, "until": until, "minutes": minutes},
    )

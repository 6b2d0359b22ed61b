"""Staff console views: parse input, check one permission, call one service, render."""

from __future__ import annotations

import base64
from datetime import datetime, time, timedelta
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts import audit_actions as accounts_actions
from madoguchi.accounts.errors import AccountsError
from madoguchi.accounts.models import Membership, Role, User
from madoguchi.accounts.permissions import Action, actions_for, centers_with
from madoguchi.accounts.selectors import center_staff, staff_member, user_totp_device
from madoguchi.accounts.services import (
    membership_grant,
    membership_revoke,
    staff_add,
    totp_device_confirm,
    totp_device_start,
)
from madoguchi.audit import audit_actions
from madoguchi.audit.selectors import audit_event_search
from madoguchi.audit.services import audit_access, audit_log
from madoguchi.console.access import SESSION_CENTER, console_view
from madoguchi.console.forms import (
    AuditSearchForm,
    CalendarExceptionForm,
    DepartmentForm,
    InboundNumberForm,
    LoginForm,
    RoleGrantForm,
    StaffAddForm,
    TotpConfirmForm,
    keep_error,
)
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import CalendarException, ExceptionKind, NumberKind
from madoguchi.tenancy.selectors import (
    calendar_days,
    departments_open_now,
    is_open,
    next_business_day,
)
from madoguchi.tenancy.services import (
    calendar_exception_remove,
    calendar_exception_set,
    department_upsert,
    inbound_number_add,
)


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("console:home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("console:home")
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user)
        device = getattr(form, "otp_device", None)
        if device is not None:
            otp_login(request, device)
        return HttpResponseRedirect(next_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("ログアウトしました。"))
    return redirect("console:login")


@require_POST
@console_view()
def center_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("center", "")
    center = next((c for c in request.centers if str(c.pk) == wanted), None)  # type: ignore[attr-defined]
    if center is None:
        messages.error(request, _("そのセンターを選ぶ権限がありません。"))
    else:
        request.session[SESSION_CENTER] = center.pk
        audit_log(action=accounts_actions.CENTER_SWITCHED, actor=request.user, center=center)
    return redirect("console:home")


@console_view()
def home(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    context: dict[str, Any] = {"center": center}
    if center is not None:
        now = timezone.now()
        today = now.astimezone(TOKYO).date()
        context.update(
            now=now,
            open_now=is_open(center, now),
            today=calendar_days(calendar=center.calendar, start=today, days=1)[0],
            next_day=next_business_day(center, today),
            numbers=center.numbers.all(),
        )
    return render(request, "console/home.html", context)


def _center_page(
    request: HttpRequest, *, status: int = 200, **forms_override: forms.Form
) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    now = timezone.now()
    today = now.astimezone(TOKYO).date()
    departments = departments_open_now(center=center, at=now)
    context = {
        "center": center,
        "can_manage": Action.CENTER_MANAGE in actions_for(request.user, center),
        "numbers": center.numbers.all(),
        "hours": center.calendar.hours.all(),
        "days": calendar_days(calendar=center.calendar, start=today, days=14),
        "exceptions": center.calendar.exceptions.filter(date__gte=today),
        "departments": departments,
        "retention": center.retention_periods.all(),
        "number_form": forms_override.get("number_form") or InboundNumberForm(),
        "exception_form": forms_override.get("exception_form") or CalendarExceptionForm(),
        "department_form": forms_override.get("department_form") or DepartmentForm(center=center),
    }
    return render(request, "console/center.html", context, status=status)


@console_view(Action.CENTER_VIEW)
def center(request: HttpRequest) -> HttpResponse:
    if request.center is None:  # type: ignore[attr-defined]
        return render(request, "console/forbidden.html", status=403)
    return _center_page(request)


@require_POST
@console_view(Action.CENTER_MANAGE)
def number_add(request: HttpRequest) -> HttpResponse:
    form = InboundNumberForm(request.POST)
    if form.is_valid():
        try:
            number = inbound_number_add(
                actor=request.user,
                center=request.center,  # type: ignore[attr-defined]
                number=form.cleaned_data["number"],
                kind=NumberKind(form.cleaned_data["kind"]),
                label=form.cleaned_data["label"],
            )
        except TenancyError as exc:
            keep_error(form, exc)
        else:
            messages.success(
                request, _("着信番号 %(number)s を登録しました。") % {"number": number}
            )
            return redirect("console:center")
    return _center_page(request, status=400, number_form=form)


@require_POST
@console_view(Action.CENTER_MANAGE)
def exception_add(request: HttpRequest) -> HttpResponse:
    form = CalendarExceptionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            calendar_exception_set(
                actor=request.user,
                calendar=request.center.calendar,  # type: ignore[attr-defined]
                center=request.center,  # type: ignore[attr-defined]
                day=data["date"],
                kind=ExceptionKind(data["kind"]),
                opens=data["opens"],
                closes=data["closes"],
                reason=data["reason"],
            )
        except TenancyError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("%(date)s の設定を保存しました。") % {"date": data["date"]})
            return redirect("console:center")
    return _center_page(request, status=400, exception_form=form)


@require_POST
@console_view(Action.CENTER_MANAGE)
def exception_remove(request: HttpRequest, pk: int) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    exception = get_object_or_404(CalendarException, pk=pk, calendar=center.calendar)
    calendar_exception_remove(actor=request.user, exception=exception, center=center)
    messages.success(request, _("%(date)s の設定を削除しました。") % {"date": exception.date})
    return redirect("console:center")


@require_POST
@console_view(Action.CENTER_MANAGE)
def department_add(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    form = DepartmentForm(request.POST, center=center)
    if form.is_valid():
        data = form.cleaned_data
        try:
            department = department_upsert(
                actor=request.user,
                center=center,
                name=data["name"],
                extension=data["extension"],
                external_number=data["external_number"],
                address=data["address"],
                parent=data["parent"],
                is_contact_point=data["is_contact_point"],
            )
        except TenancyError as exc:
            keep_error(form, exc)
        else:
            messages.success(
                request, _("所管課「%(name)s」を保存しました。") % {"name": department}
            )
            return redirect("console:center")
    return _center_page(request, status=400, department_form=form)


@console_view(Action.AUDIT_VIEW)
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        since = data["since"]
        until = data["until"]
        events = audit_event_search(
            center_ids=centers_with(request.user, Action.AUDIT_VIEW),
            since=datetime.combine(since, time.min, tzinfo=TOKYO) if since else None,
            until=(
                datetime.combine(until + timedelta(days=1), time.min, tzinfo=TOKYO)
                if until
                else None
            ),
            actor=data["actor"],
            action=data["action"],
            obj=data["obj"],
        )
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        # The log shows who did what: reading it is itself an access to personal data.
        audit_log(
            action=audit_actions.LOG_SEARCHED,
            actor=request.user,
            center=request.center,  # type: ignore[attr-defined]
            data={k: v for k, v in data.items() if v},
        )
    elif not form.is_bound:
        form = AuditSearchForm(initial={"since": timezone.now().astimezone(TOKYO).date()})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@console_view()
def two_factor(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = user_totp_device(user=user)
    form = TotpConfirmForm(request.POST if request.method == "POST" else None)
    pending = None
    if request.method == "POST" and "start" in request.POST:
        pending = totp_device_start(user=user)
        form = TotpConfirmForm()
    elif request.method == "POST":
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if form.is_valid():
            try:
                totp_device_confirm(user=user, token=form.cleaned_data["token"])
            except AccountsError as exc:
                keep_error(form, exc)
            else:
                messages.success(
                    request, _("二段階認証を設定しました。次回から確認コードが必要です。")
                )
                return redirect("console:two_factor")
    qr_svg = secret = None
    if pending is not None:
        qr_svg = segno.make(pending.config_url, error="m").svg_inline(scale=4, title="QR")
        secret = base64.b32encode(pending.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "console/two_factor.html",
        {"device": device, "pending": pending, "form": form, "qr_svg": qr_svg, "secret": secret},
        status=400 if form.is_bound and form.errors else 200,
    )


@console_view(Action.USER_MANAGE)
def staff(
    request: HttpRequest, *, status: int = 200, add_form: StaffAddForm | None = None
) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    return render(
        request,
        "console/staff.html",
        {
            "staff": center_staff(center=center),
            "center": center,
            "form": add_form or StaffAddForm(),
        },
        status=status,
    )


@require_POST
@console_view(Action.USER_MANAGE)
def staff_add_view(request: HttpRequest) -> HttpResponse:
    form = StaffAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_add(
                actor=request.user,
                center=request.center,  # type: ignore[attr-defined]
                username=data["username"],
                password=data["password"],
                role=Role(data["role"]),
                display_name=data["display_name"],
            )
        except AccountsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("%(name)s を登録しました。") % {"name": user})
            return redirect("console:staff_detail", user_id=user.pk)
    return staff(request, status=400, add_form=form)


def _staff_page(
    request: HttpRequest, user_id: int, *, status: int = 200, form: RoleGrantForm | None = None
) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    member = staff_member(center=center, user_id=user_id)
    if member is None:
        return render(request, "console/forbidden.html", status=404)
    if status == 200:
        # A staff record holds personal data (name, e-mail, log-in times): log the view.
        audit_access(
            action=accounts_actions.USER_VIEWED, actor=request.user, obj=member, center=center
        )
    memberships = [m for m in member.memberships.all() if m.center_id == center.pk]
    return render(
        request,
        "console/staff_detail.html",
        {
            "member": member,
            "memberships": memberships,
            "has_totp": user_totp_device(user=member) is not None,
            "form": form or RoleGrantForm(),
        },
        status=status,
    )


@console_view(Action.USER_MANAGE)
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    return _staff_page(request, user_id)


@require_POST
@console_view(Action.USER_MANAGE)
def role_grant(request: HttpRequest, user_id: int) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    member = staff_member(center=center, user_id=user_id)
    if member is None:
        return render(request, "console/forbidden.html", status=404)
    form = RoleGrantForm(request.POST)
    if form.is_valid():
        membership_grant(
            actor=request.user, user=member, center=center, role=Role(form.cleaned_data["role"])
        )
        return redirect("console:staff_detail", user_id=member.pk)
    return _staff_page(request, user_id, status=400, form=form)


@require_POST
@console_view(Action.USER_MANAGE)
def role_revoke(request: HttpRequest, user_id: int, membership_id: int) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    membership = get_object_or_404(Membership, pk=membership_id, user_id=user_id, center=center)
    membership_revoke(actor=request.user, membership=membership)
    messages.success(
        request, _("役割「%(role)s」を解除しました。") % {"role": membership.get_role_display()}
    )
    if staff_member(center=center, user_id=user_id) is None:
        return redirect("console:staff")
    return redirect("console:staff_detail", user_id=user_id)

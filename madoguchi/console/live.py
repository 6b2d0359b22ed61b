"""Live console screens: the wallboard (TEL-7) and the agent's phone state (desk)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import Action
from madoguchi.calls.agents import agent_for_user
from madoguchi.calls.demo import demo_gateway
from madoguchi.calls.errors import CallsError
from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.live import LiveRouter, live_router
from madoguchi.calls.models import AgentState
from madoguchi.calls.wallboard import wallboard_snapshot
from madoguchi.console.access import console_view
from madoguchi.tenancy.selectors import department_list

NOT_READY_REASONS = [
    ("break", "休憩"),
    ("meeting", "打合せ"),
    ("training", "研修"),
    ("callback", "折り返し対応"),
]


@console_view(Action.WALLBOARD_VIEW)
def wallboard(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    snapshot = wallboard_snapshot(center=center, now=timezone.now())
    return render(
        request,
        "console/wallboard.html",
        {
            "center": center,
            "snapshot": snapshot,
            "demo": demo_gateway() is not None,
        },
    )


@require_POST
@console_view(Action.WALLBOARD_VIEW)
def demo_call(request: HttpRequest) -> HttpResponse:
    """Training: one simulated caller dials the demo number now."""
    gateway = demo_gateway()
    if gateway is None or gateway.settings.center_id != request.center.pk:  # type: ignore[attr-defined]
        raise Http404
    gateway.call_now(language=request.POST.get("language", "ja"))
    return HttpResponse(status=204)


@console_view(Action.CALL_HANDLE)
def phone(request: HttpRequest) -> HttpResponse:
    center = request.center  # type: ignore[attr-defined]
    user: User = request.user  # type: ignore[assignment]
    agent = agent_for_user(user=user, center=center)
    router = live_router()
    live = router.agent_state(agent)
    call = router.offered_call(agent)
    gateway = demo_gateway()
    return render(
        request,
        "console/phone.html",
        {
            "center": center,
            "agent": agent,
            "state": live.state if live else AgentState.LOGGED_OUT,
            "state_label": AgentState(live.state if live else AgentState.LOGGED_OUT).label,
            "call": call,
            "reasons": NOT_READY_REASONS,
            "departments": department_list(center=center) if call else [],
            "wrap_up_s": int(gateway.settings.wrap_up_s) if gateway else _sip_wrap_up(router),
            "answers_on_phone": router.answers_on_phone,
        },
    )


def _sip_wrap_up(router: LiveRouter) -> int | None:
    wrap_up = getattr(router.gateway, "wrap_up_s", None)
    return int(wrap_up) if isinstance(wrap_up, int | float) else None


@require_POST
@console_view(Action.CALL_HANDLE)
def phone_action(request: HttpRequest) -> HttpResponse:
    """Ready, not ready (with a reason), answer, hang up, transfer, log out."""
    center = request.center  # type: ignore[attr-defined]
    user: User = request.user  # type: ignore[assignment]
    agent = agent_for_user(user=user, center=center)
    router = live_router()
    action = request.POST.get("action", "")
    call = router.offered_call(agent)
    now = time.time()
    try:
        if action == "ready":
            router.agent_ready(agent)
        elif action == "not_ready":
            reason = request.POST.get("reason", "")
            if reason not in dict(NOT_READY_REASONS):
                raise CallsError(_("離席の理由を選んでください。"))
            router.agent_not_ready(agent, reason)
        elif action == "logout":
            router.agent_logout(agent)
        elif action == "answer" and call is not None and not router.answers_on_phone:
            router.event(gw.AgentConnected(call.id, agent.pk, now))
        elif action == "hangup" and call is not None:
            router.hang_up(call.id, now)
            gateway = demo_gateway()
            if gateway is not None:
                gateway.wrap_up_timer(agent.pk)
        elif action == "transfer" and call is not None:
            department = int(request.POST.get("department", "0") or 0)
            router.transfer(call.id, department, now)
            messages.success(request, _("転送しました。"))
        else:
            raise CallsError(_("この操作は今はできません。"))
    except (CallsError, ValueError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    # The operator desk answers and hangs up from its own screen and comes back to it.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("console:phone")

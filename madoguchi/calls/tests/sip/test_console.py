"""The operator desk drives real SIP calls: the web process runs the SIP gateway.

A real uvicorn serves ``madoguchi.config.asgi.application`` with its lifespan on and
``MADOGUCHI_GATEWAY=sip``, as in production: the lifespan starts the SIP gateway on the
process's live router. The operator logs in (a session cookie) and presses the console's
buttons over HTTP (with the CSRF token of the page); sipp callers come in through Kamailio.
"""

from __future__ import annotations

import http.cookies
import re
import shutil
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from django.test import Client

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.calls.gateway.sip import stack as sip_stack
from madoguchi.calls.gateway.sip.config import number_routes
from madoguchi.calls.gateway.sip.service import sip_gateway
from madoguchi.calls.gateway.sip.sipp import Sipp, caller_hung_up_xml
from madoguchi.calls.live import live_router, live_router_reset
from madoguchi.calls.models import (
    Agent,
    AgentStateEvent,
    Announcement,
    Call,
    CallEvent,
    CallEventType,
    Disposition,
)
from madoguchi.calls.services import queue_ensure_default
from madoguchi.calls.tests.sip.conftest import SHORT_PROMPTS, TUESDAY_10, Telephony
from madoguchi.tenancy.models import Center, Department


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Desk:
    """An operator's browser session on the console, over real HTTP."""

    def __init__(self, base: str, session: str) -> None:
        self.base = base
        self.cookies = {"sessionid": session}
        self.opener = urllib.request.build_opener(NoRedirect)

    def _open(self, path: str, data: bytes | None = None) -> tuple[int, str]:
        assert self.base.startswith("http://127.0.0.1:")
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310 (loopback)
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=15)
        except urllib.error.HTTPError as error:  # 302 (not followed) and errors
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.read().decode()

    def phone(self) -> str:
        status, page = self._open("/console/live/phone/")
        assert status == 200, (status, page[:500])
        return page

    def press(self, action: str, **fields: str) -> None:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.phone())
        assert token is not None
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "action": action, **fields}
        ).encode()
        status, page = self._open("/console/live/phone/action/", body)
        assert status == 302, (status, page[:500])  # back to the phone screen

    def state(self) -> str:
        found = re.search(r'id="phone-state" data-state="([a-z_]+)"', self.phone())
        assert found is not None
        return found.group(1)


@pytest.fixture
def web_sip(
    transactional_db: None,
    load_scenarios: Any,
    prompt_dir: str,
    settings: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Telephony, str]]:
    """Kamailio + rtpengine on loopback, and the ASGI server whose lifespan runs the gateway."""
    try:
        sip_stack.check_installed()
    except sip_stack.StackMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    for center in load_scenarios("iwaki").values():
        queue_ensure_default(actor=None, center=center)
        for kind, text in SHORT_PROMPTS.items():
            Announcement.objects.update_or_create(
                center=center, kind=kind, language="ja", defaults={"text": text}
            )
    config = sip_stack.loopback_settings(numbers=number_routes())
    for name, value in {
        "MADOGUCHI_GATEWAY": "sip",
        "MADOGUCHI_DEMO_CALLS": "1",  # the SIP gateway wins: no simulated stream
        "MADOGUCHI_SIP_DIR": config.run_dir,
        "MADOGUCHI_SIP_PROMPT_DIR": prompt_dir,
        "MADOGUCHI_SIP_HOST": config.host,
        "MADOGUCHI_SIP_PORT": str(config.sip_port),
        "MADOGUCHI_SIP_EVAPI_PORT": str(config.evapi_port),
        "MADOGUCHI_SIP_ROUTER_PORT": str(config.router_port),
        "MADOGUCHI_SIP_WORKER_PORT": str(config.worker_port),
        "MADOGUCHI_SIP_TRUNK": config.trunk,
    }.items():
        monkeypatch.setenv(name, value)
    stack = sip_stack.Stack(config)
    try:
        stack.start()
    except Exception:
        shutil.rmtree(config.run_dir, ignore_errors=True)
        raise
    live_router_reset()
    from madoguchi.config.asgi import application

    port = sip_stack.free_tcp_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="asgi-sip-server", daemon=True)
    thread.start()
    tel: Telephony | None = None
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the ASGI server stopped at start-up (lifespan failed)"
            assert time.monotonic() < deadline, "the ASGI server did not start"
            time.sleep(0.05)
        gateway = sip_gateway()
        assert gateway is not None, "the lifespan did not start the SIP gateway"
        tel = Telephony(stack, gateway, live_router())
        tel.at(TUESDAY_10)
        yield tel, f"http://127.0.0.1:{port}"
    finally:
        if tel is not None:
            for proc in tel.procs:
                proc.kill()
        server.should_exit = True
        thread.join(timeout=20)
        live_router_reset()
        stack.stop()
        shutil.rmtree(config.run_dir, ignore_errors=True)


@pytest.fixture
def operator(web_sip: tuple[Telephony, str]) -> tuple[Agent, Desk]:
    """佐藤, an operator of Iwaki logged in to the console, with a desk phone at ext. 7001."""
    tel, base = web_sip
    center = Center.objects.get(slug="iwaki")
    user = user_create(actor=None, username="sato", password="correct-horse-battery-staple")
    membership_grant(actor=None, user=user, center=center, role=Role.OPERATOR)
    agent = Agent.objects.create(user=user, center=center, name="佐藤", extension="7001")
    client = Client()
    client.force_login(user)
    assert tel.router.agent_state(agent) is None
    return agent, Desk(base, client.cookies["sessionid"].value)


def _wait(what: str, check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_ready_in_the_console_gets_a_real_call_and_transfer_reaches_the_department(
    web_sip: tuple[Telephony, str], operator: tuple[Agent, Desk]
):
    tel, _ = web_sip
    agent, desk = operator
    department = Department.objects.get(center=agent.center, name="市民課")
    agent_phone = tel.phone("agent", user="7001", ring_ms=500)
    department_phone = tel.phone("department", user=department.extension)
    assert desk.state() == "logged_out"

    desk.press("ready")
    assert desk.state() == "available"
    assert list(AgentStateEvent.objects.filter(agent=agent).values_list("state", flat=True)) == [
        "available"
    ]
    caller = tel.caller("caller", "0246221111", talk_ms=12000, caller="0312345678")
    _wait(
        "the operator's phone never answered the call",
        lambda: Call.objects.filter(agent=agent, disposition=Disposition.ANSWERED).exists(),
    )
    assert desk.state() == "on_call"
    page = desk.phone()
    assert "通話中" in page and "+81312345678" in page
    assert "市民課" in page  # the transfer choices

    desk.press("transfer", department=str(department.pk))
    assert agent_phone.wait(15) == 0, agent_phone.output()  # the operator's leg gets BYE
    assert department_phone.wait(20) == 0, department_phone.output()  # 市民課 answered
    assert caller.wait(40) == 0, caller.output()
    tel.settle(1.0)

    call = Call.objects.get()
    assert (call.dialed_number, call.caller_number, call.agent) == (
        "+81246221111",
        "+81312345678",
        agent,
    )
    assert call.transferred_to == "市民課"
    types = list(
        CallEvent.objects.filter(call=call).order_by("at", "pk").values_list("type", flat=True)
    )
    assert types[-3:] == [
        CallEventType.AGENT_CONNECTED,
        CallEventType.TRANSFERRED,
        CallEventType.ENDED,
    ], types
    assert tel.gateway.worker_events["peer_answered"] == 2  # the operator, then 市民課

    # After the call the operator wraps up, then ends it with 受付可 in the console.
    assert desk.state() == "wrap_up"
    desk.press("ready")
    assert desk.state() == "available"
    call.refresh_from_db()
    assert call.wrap_end_at is not None


def test_not_ready_in_the_console_keeps_calls_away_and_hang_up_ends_a_real_call(
    web_sip: tuple[Telephony, str], operator: tuple[Agent, Desk]
):
    tel, _ = web_sip
    agent, desk = operator
    agent_phone = tel.phone("agent", user="7001", ring_ms=3000)
    desk.press("ready")
    desk.press("not_ready", reason="break")
    assert desk.state() == "not_ready"
    caller = Sipp.start(
        caller_hung_up_xml(wait_ms=30000),
        workdir=tel.workdir,
        name="caller",
        port=sip_stack.free_udp_port(),
        media_port=sip_stack.free_udp_port(),
        target=tel.proxy,
        service="0246221111",
        timeout_s=60,
    )
    tel.procs.append(caller)
    _wait(
        "the call was never queued",
        lambda: CallEvent.objects.filter(type=CallEventType.ENQUEUED).exists(),
    )
    time.sleep(1.0)
    assert not CallEvent.objects.filter(type=CallEventType.AGENT_OFFERED).exists()

    desk.press("ready")  # the waiting caller goes to the operator at once
    _wait("the operator's phone never rang", lambda: desk.state() == "ringing", timeout=5)
    ringing = desk.phone()
    assert "電話機で応答してください。" in ringing and 'value="answer"' not in ringing
    _wait(
        "the operator's phone never answered the call",
        lambda: Call.objects.filter(agent=agent, disposition=Disposition.ANSWERED).exists(),
    )
    assert "通話中" in desk.phone()
    desk.press("hangup")  # 終話 on the desk: both legs get BYE long before the 30 s
    assert agent_phone.wait(15) == 0, agent_phone.output()
    assert caller.wait(15) == 0, caller.output()
    tel.settle(1.0)
    call = Call.objects.get()
    assert call.ended_at is not None and call.answered_at is not None
    talk = (call.ended_at - call.answered_at).total_seconds()
    assert 0 < talk < 15, talk
    assert CallEvent.objects.filter(call=call, type=CallEventType.ENDED).count() == 1
    assert call.disposition == Disposition.ANSWERED
    assert desk.state() == "wrap_up"

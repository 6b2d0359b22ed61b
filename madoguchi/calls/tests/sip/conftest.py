"""Fixtures for the SIP integration tests: a real Kamailio + rtpengine on loopback, the
SIP gateway (routing endpoint, media worker, evapi) against the test database, and sipp
callers and phones. If the stack is not installed the tests FAIL with the command that
installs it (``make test`` runs scripts/ensure-telephony.sh first)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from madoguchi.calls.gateway.sip import stack as sip_stack
from madoguchi.calls.gateway.sip.config import number_routes
from madoguchi.calls.gateway.sip.gateway import SipGateway
from madoguchi.calls.gateway.sip.prompts import PromptCache
from madoguchi.calls.gateway.sip.sipp import Sipp, register
from madoguchi.calls.live import LiveRouter
from madoguchi.calls.models import Announcement, AnnouncementKind
from madoguchi.calls.services import queue_ensure_default
from madoguchi.tenancy.calendars import TOKYO

# The engine decides on a fixed reference time so the tests run at any hour.
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO)  # open (centers and departments)
SUNDAY_22 = datetime(2026, 11, 22, 22, 0, tzinfo=TOKYO)  # after hours

SHORT_PROMPTS = {
    AnnouncementKind.RECORDING_NOTICE: "録音します。",
    AnnouncementKind.WAITING: "お待ちください。",
    AnnouncementKind.AFTER_HOURS: "時間外です。",
    AnnouncementKind.VOICEMAIL: "伝言をどうぞ。",
    AnnouncementKind.CONGESTION: "混み合っています。",
}


@pytest.fixture(scope="session")
def prompt_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="madoguchi-prompts-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Telephony:
    """The running stack, gateway and helpers for one test."""

    def __init__(self, stack: sip_stack.Stack, gateway: SipGateway, router: LiveRouter) -> None:
        self.stack = stack
        self.gateway = gateway
        self.router = router
        self.settings = stack.settings
        self.workdir = stack.settings.run_dir
        self.procs: list[Sipp] = []

    @property
    def proxy(self) -> str:
        return f"127.0.0.1:{self.settings.sip_port}"

    def at(self, moment: datetime) -> None:
        """Let the engine see wall-clock time as if it were ``moment`` now."""
        import time

        offset = moment.timestamp() - time.time()
        self.router.engine.clock = lambda at: datetime.fromtimestamp(at + offset, UTC)

    def phone(
        self,
        name: str,
        *,
        user: str | None,
        ring_ms: int = 300,
        port: int | None = None,
        calls: int = 1,
    ) -> Sipp:
        from madoguchi.calls.gateway.sip.sipp import phone_xml

        port = port or sip_stack.free_udp_port()
        proc = Sipp.start(
            phone_xml(ring_ms=ring_ms),
            workdir=self.workdir,
            name=name,
            port=port,
            media_port=sip_stack.free_udp_port(),
            calls=calls,
            echo=True,
            timeout_s=90,
        )
        self.procs.append(proc)
        if user is not None:
            register(proxy=("127.0.0.1", self.settings.sip_port), user=user, contact_port=port)
        return proc

    def trunk_phone(self, name: str, ring_ms: int = 300) -> Sipp:
        """The far end of the carrier trunk (e.g. the security desk's number)."""
        port = int(self.settings.trunk.rsplit(":", 1)[1])
        return self.phone(name, user=None, ring_ms=ring_ms, port=port)

    def caller(
        self, name: str, dialed: str, *, talk_ms: int, caller: str = "0312345678", headers: str = ""
    ) -> Sipp:
        from madoguchi.calls.gateway.sip.sipp import caller_xml

        proc = Sipp.start(
            caller_xml(caller=caller, talk_ms=talk_ms, headers=headers),
            workdir=self.workdir,
            name=name,
            port=sip_stack.free_udp_port(),
            media_port=sip_stack.free_udp_port(),
            target=self.proxy,
            service=dialed,
            timeout_s=60,
        )
        self.procs.append(proc)
        return proc

    def in_router(self, fn: Any) -> Any:
        return self.gateway.in_router(fn)

    def settle(self, seconds: float = 1.0) -> None:
        """Let the router thread write what the last events said."""
        import time

        time.sleep(seconds)
        self.gateway.in_router(lambda: None)


@pytest.fixture
def sip_centers() -> tuple[str, ...]:
    """The scenario centers loaded before the stack starts (parametrize to change)."""
    return ("iwaki",)


@pytest.fixture
def telephony(
    transactional_db: None,
    iwaki: Any,
    load_scenarios: Any,
    sip_centers: tuple[str, ...],
    prompt_dir: str,
    settings: Any,
    tmp_path: Any,
) -> Iterator[Telephony]:
    try:
        sip_stack.check_installed()
    except sip_stack.StackMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    for center in load_scenarios(*sip_centers).values():
        queue_ensure_default(actor=None, center=center)
        for kind, text in SHORT_PROMPTS.items():
            Announcement.objects.update_or_create(
                center=center, kind=kind, language="ja", defaults={"text": text}
            )
    config = sip_stack.loopback_settings(numbers=number_routes())
    stack = sip_stack.Stack(config)
    try:
        stack.start()
    except Exception:
        shutil.rmtree(config.run_dir, ignore_errors=True)
        raise
    router = LiveRouter()
    gateway = SipGateway(router, config, prompts=PromptCache(prompt_dir), voicemail_max_s=20)
    try:
        gateway.start()
    except Exception:
        stack.stop()
        shutil.rmtree(config.run_dir, ignore_errors=True)
        raise
    tel = Telephony(stack, gateway, router)
    tel.at(TUESDAY_10)
    try:
        yield tel
    finally:
        for proc in tel.procs:
            proc.kill()
        gateway.stop()
        stack.stop()
        shutil.rmtree(config.run_dir, ignore_errors=True)

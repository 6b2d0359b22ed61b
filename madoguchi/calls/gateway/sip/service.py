"""The SIP gateway inside the web (ASGI) process, on the process's live router.

Production runs one ASGI process with ``MADOGUCHI_GATEWAY=sip``: its lifespan starts the
SIP gateway (routing endpoint, evapi client, media worker) on ``live_router()``, the same
router the console's desk acts on, so "ready", "not ready", hang-up and transfer in the
console reach the calls Kamailio carries. Kamailio and rtpengine run as services with the
configs of ``madoguchi telephony_config``; the ports below must match its options.

Environment (defaults = ``TelephonySettings``):

* ``MADOGUCHI_SIP_DIR`` — the directory given to ``telephony_config --out`` (Kamailio's
  jsonrpc socket lives there); prompts are cached in ``<dir>/prompts`` unless
  ``MADOGUCHI_SIP_PROMPT_DIR`` says otherwise.
* ``MADOGUCHI_SIP_HOST``, ``MADOGUCHI_SIP_PORT``, ``MADOGUCHI_SIP_EVAPI_PORT``,
  ``MADOGUCHI_SIP_ROUTER_PORT``, ``MADOGUCHI_SIP_WORKER_PORT``, ``MADOGUCHI_SIP_TRUNK``.
* ``MADOGUCHI_SIP_WRAP_UP_S`` — optional: agents become ready when it runs out (else they
  press 受付可 after their wrap-up).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from madoguchi.calls.gateway import protocol as gw
from madoguchi.calls.gateway.sip.config import TelephonySettings, number_routes
from madoguchi.calls.gateway.sip.gateway import SipGateway
from madoguchi.calls.gateway.sip.prompts import PromptCache
from madoguchi.calls.live import live_router

logger = logging.getLogger(__name__)

_gateway: SipGateway | None = None
_lock = threading.Lock()


def gateway_kind(environ: Mapping[str, str] | None = None) -> str:
    """The gateway the web process runs: "sip", or "" (none; the demo stream may run)."""
    return (environ if environ is not None else os.environ).get("MADOGUCHI_GATEWAY", "").lower()


def settings_from_env(environ: Mapping[str, str] | None = None) -> TelephonySettings:
    env = environ if environ is not None else os.environ
    d = TelephonySettings(run_dir=env.get("MADOGUCHI_SIP_DIR", "/run/madoguchi-sip"))

    def port(name: str, default: int) -> int:
        return int(env.get(name, default))

    return TelephonySettings(
        run_dir=d.run_dir,
        host=env.get("MADOGUCHI_SIP_HOST", d.host),
        sip_port=port("MADOGUCHI_SIP_PORT", d.sip_port),
        evapi_port=port("MADOGUCHI_SIP_EVAPI_PORT", d.evapi_port),
        router_port=port("MADOGUCHI_SIP_ROUTER_PORT", d.router_port),
        worker_port=port("MADOGUCHI_SIP_WORKER_PORT", d.worker_port),
        trunk=env.get("MADOGUCHI_SIP_TRUNK", d.trunk),
    )


def sip_gateway() -> SipGateway | None:
    return _gateway


def sip_gateway_start(environ: Mapping[str, str] | None = None) -> SipGateway:
    """Start the gateway on the process's live router (once); raises if it cannot start."""
    global _gateway
    env = environ if environ is not None else os.environ
    with _lock:
        if _gateway is not None:
            return _gateway
        settings = settings_from_env(env)
        settings.numbers = number_routes()
        router = live_router()
        router.reload()
        prompt_dir = env.get("MADOGUCHI_SIP_PROMPT_DIR") or os.path.join(
            settings.run_dir, "prompts"
        )
        wrap_up = env.get("MADOGUCHI_SIP_WRAP_UP_S")
        gateway = SipGateway(
            router,
            settings,
            prompts=PromptCache(prompt_dir),
            wrap_up_s=float(wrap_up) if wrap_up else None,
        )
        try:
            gateway.start()
        except Exception:
            gateway.stop()
            router.gateway = gw.CommandLog()
            raise
        logger.info(
            "SIP gateway: routing endpoint %s:%s, media worker udp %s, evapi %s",
            settings.host,
            settings.router_port,
            settings.worker_port,
            settings.evapi_port,
        )
        _gateway = gateway
        return gateway


def sip_gateway_stop() -> None:
    global _gateway
    with _lock:
        if _gateway is not None:
            _gateway.stop()
            _gateway = None

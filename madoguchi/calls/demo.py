"""The gentle demo call stream of ``make run`` (switch off with MADOGUCHI_DEMO_CALLS=0)."""

from __future__ import annotations

import logging

from madoguchi.calls.gateway.realtime import DemoSettings, RealtimeGateway
from madoguchi.calls.live import live_router
from madoguchi.calls.services import queue_ensure_default, simulated_agents_ensure
from madoguchi.tenancy.models import Center

logger = logging.getLogger(__name__)
_gateway: RealtimeGateway | None = None

DEMO_CENTER = "iwaki"


def demo_gateway() -> RealtimeGateway | None:
    return _gateway


def demo_stream_start(
    *, arrivals: bool = True, seats: int = 2, **tuning: float
) -> RealtimeGateway | None:
    """Start simulated callers and seats for the demo center; None if it is not loaded."""
    global _gateway
    if _gateway is not None:
        return _gateway
    center = Center.objects.filter(slug=DEMO_CENTER).first()
    number = center.numbers.order_by("id").first() if center else None
    if center is None or number is None:
        logger.warning("demo call stream: center %s is not loaded", DEMO_CENTER)
        return None
    queue_ensure_default(actor=None, center=center)
    router = live_router()
    router.reload()
    agents = simulated_agents_ensure(center=center, count=seats, prefix="デモ席")
    settings = DemoSettings(
        center_id=center.pk,
        dialed=number.e164,
        simulated_agents=frozenset(a.pk for a in agents),
        **tuning,
    )
    gateway = RealtimeGateway(router, settings)
    for agent in agents:
        router.agent_ready(agent)
    gateway.start(arrivals=arrivals)
    _gateway = gateway
    return gateway


def demo_stream_stop() -> None:
    global _gateway
    if _gateway is not None:
        _gateway.stop()
        _gateway = None

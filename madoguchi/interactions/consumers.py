"""The operator desk's push channel: a call offered to the operator's seat opens the
contact on the desk (CON-1) without reloading or polling.

The live router wakes ``agent_listeners`` after each committed agent-state change; the
consumer then reads the seat's state from the router of this process (the single-router
design, docs/telephony.md) and sends it. Only the operator's own seat is ever sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from madoguchi.accounts.permissions import Action, has_permission
from madoguchi.calls.live import agent_listeners, live_router
from madoguchi.calls.models import Agent
from madoguchi.tenancy.models import Center


def _seat(user: Any, center_id: int) -> Agent | None:
    """The user's seat in the center, if they may take contacts there."""
    center = Center.objects.filter(pk=center_id).first()
    if (
        center is None
        or user is None
        or not has_permission(user, center, Action.INTERACTION_CREATE)
    ):
        return None
    return Agent.objects.filter(user_id=user.pk, center_id=center_id).first()


def seat_snapshot(agent: Agent) -> dict[str, Any]:
    """The seat's state and the call offered to it (or in progress), if any."""
    router = live_router()
    live = router.agent_state(agent)
    call = router.offered_call(agent)
    return {
        "state": live.state if live else "logged_out",
        "call": (
            {"id": call.id, "dialed": call.dialed, "caller": call.caller, "language": call.language}
            if call is not None
            else None
        ),
    }


class DeskConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        center_id = int(self.scope["url_route"]["kwargs"]["center_id"])
        # database_sync_to_async closes the connection it used: a consumer must not keep
        # one open between messages (nor after the socket closes).
        agent = await database_sync_to_async(_seat)(user, center_id)
        if agent is None:
            await self.close(code=4403)
            return
        self.agent = agent
        self.changed = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        agent_listeners.add(agent.pk, self.loop, self.changed)
        await self.accept()
        await self.send_json(await database_sync_to_async(seat_snapshot)(agent))
        self.pusher = asyncio.create_task(self.push_changes())

    async def push_changes(self) -> None:
        while True:
            await self.changed.wait()
            self.changed.clear()
            await self.send_json(await database_sync_to_async(seat_snapshot)(self.agent))

    async def disconnect(self, code: Any) -> None:
        if hasattr(self, "agent"):
            agent_listeners.remove(self.agent.pk, self.loop, self.changed)
            self.pusher.cancel()

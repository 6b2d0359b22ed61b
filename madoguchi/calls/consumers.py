"""The live wallboard over WebSocket (TEL-7): a snapshot now, and again after each change."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from madoguchi.accounts.permissions import Action, has_permission
from madoguchi.calls.live import wallboard_listeners
from madoguchi.calls.wallboard import wallboard_snapshot
from madoguchi.tenancy.models import Center

# Changes closer together than this are drawn once (the board still follows within 1 s).
_COALESCE_S = 0.2


class WallboardConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        center_id = int(self.scope["url_route"]["kwargs"]["center_id"])
        center = await Center.objects.filter(pk=center_id).afirst()
        allowed = center is not None and await sync_to_async(has_permission)(
            user, center, Action.WALLBOARD_VIEW
        )
        if not allowed:
            await self.close(code=4403)
            return
        assert center is not None  # noqa: S101  (checked above)
        self.center = center
        self.changed = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        wallboard_listeners.add(center.pk, self.loop, self.changed)
        await self.accept()
        await self.send_snapshot()
        self.pusher = asyncio.create_task(self.push_changes())

    async def push_changes(self) -> None:
        while True:
            await self.changed.wait()
            await asyncio.sleep(_COALESCE_S)
            self.changed.clear()
            await self.send_snapshot()

    async def send_snapshot(self) -> None:
        snapshot = await sync_to_async(wallboard_snapshot)(center=self.center, now=timezone.now())
        await self.send_json(snapshot)

    async def disconnect(self, code: Any) -> None:
        if hasattr(self, "center"):
            wallboard_listeners.remove(self.center.pk, self.loop, self.changed)
            self.pusher.cancel()

"""Talking to Kamailio and rtpengine: evapi events in, jsonrpcs commands out, NG ping."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import tempfile
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class EvapiClient:
    """Reads Kamailio's evapi stream (netstrings of JSON) and hands each event over."""

    def __init__(self, host: str, port: int, on_event: Callable[[dict[str, Any]], None]) -> None:
        self.host, self.port, self.on_event = host, port, on_event
        self.task: asyncio.Task[None] | None = None
        self.received = 0
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _run(self) -> None:
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            self.connected.set()
            buf = b""
            try:
                while chunk := await reader.read(65536):
                    buf += chunk
                    while b":" in buf:
                        size, rest = buf.split(b":", 1)
                        n = int(size)
                        if len(rest) < n + 1:
                            break
                        payload, buf = rest[:n], rest[n + 1 :]
                        self.received += 1
                        try:
                            self.on_event(json.loads(payload))
                        except ValueError:
                            logger.warning("evapi: not JSON: %r", payload[:200])
            finally:
                writer.close()
            await asyncio.sleep(0.2)  # Kamailio restarted: reconnect


def jsonrpc(
    socket_path: str, method: str, params: list[Any] | None = None, timeout: float = 3.0
) -> Any:
    """One JSON-RPC call over Kamailio's jsonrpcs unix datagram socket."""
    reply_path = os.path.join(tempfile.gettempdir(), f"madoguchi-rpc-{secrets.token_hex(6)}.sock")
    request = {"jsonrpc": "2.0", "method": method, "id": 1}
    if params:
        request["params"] = params
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(reply_path)
        try:
            sock.settimeout(timeout)
            sock.sendto(json.dumps(request).encode(), socket_path)
            data, _ = sock.recvfrom(1 << 20)
        finally:
            os.unlink(reply_path)
    reply = json.loads(data)
    if "error" in reply:
        raise RuntimeError(f"kamailio {method}: {reply['error']}")
    return reply.get("result")


def _bencode(value: Any) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(_bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(_bencode(k) + _bencode(value[k]) for k in sorted(value)) + b"e"
    raise TypeError(value)


def rtpengine_ng(host: str, port: int, command: dict[str, Any], timeout: float = 2.0) -> bytes:
    """Send one NG command (bencode over UDP); returns the raw bencoded reply."""
    cookie = secrets.token_hex(4).encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(cookie + b" " + _bencode(command), (host, port))
        data, _ = sock.recvfrom(65535)
    return data.split(b" ", 1)[1]

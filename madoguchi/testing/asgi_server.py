"""A real ASGI server (uvicorn, WebSockets included) on loopback for browser tests.

pytest-django's ``live_server`` speaks WSGI only; live screens need WebSockets, so this
fixture serves ``madoguchi.config.asgi.application`` from a thread of the test process,
against the test database (use it with ``transactional_db``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(name="asgi_server")
def asgi_server_fixture(transactional_db: None) -> Iterator[str]:
    from madoguchi.config.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="asgi-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the ASGI test server did not start", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)

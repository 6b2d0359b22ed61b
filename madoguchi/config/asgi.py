"""ASGI entry point: HTTP through Django, WebSockets through Channels (live screens).

On start-up the process also starts the SIP gateway when MADOGUCHI_GATEWAY=sip (real calls
through Kamailio, docs/telephony.md), else the demo call stream when MADOGUCHI_DEMO_CALLS is
on (``make run`` turns it on). Either acts on this process's live router, the one the
console's desk uses, so run exactly one such process.
"""

import os
import warnings
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")

# Static files are streamed by WhiteNoise's synchronous iterators; under ASGI Django warns
# on each one. Production serves /static/ from nginx, so the warning is noise here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

django_asgi_app = get_asgi_application()

from madoguchi.calls.routing import websocket_urlpatterns  # noqa: E402  (needs Django set up)
from madoguchi.interactions.routing import (  # noqa: E402
    websocket_urlpatterns as desk_websocket_urlpatterns,
)

channels_app = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns + desk_websocket_urlpatterns))
        ),
    }
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Channels' router plus the lifespan protocol (start and stop the SIP gateway or the
    demo stream)."""
    if scope["type"] != "lifespan":
        await channels_app(scope, receive, send)
        return
    from asgiref.sync import sync_to_async

    from madoguchi.calls.demo import demo_stream_start, demo_stream_stop
    from madoguchi.calls.gateway.sip.service import (
        gateway_kind,
        sip_gateway_start,
        sip_gateway_stop,
    )

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                if gateway_kind() == "sip":
                    # Real calls; the simulated stream would take over the same router.
                    await sync_to_async(sip_gateway_start)()
                elif os.environ.get("MADOGUCHI_DEMO_CALLS", "0") == "1":
                    await sync_to_async(demo_stream_start)()
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await sync_to_async(sip_gateway_stop)()
            await sync_to_async(demo_stream_stop)()
            await send({"type": "lifespan.shutdown.complete"})
            return

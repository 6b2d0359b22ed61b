"""ASGI entry point: HTTP through Django, WebSockets through Channels (live screens)."""

import os
import warnings

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")

# Static files are streamed by WhiteNoise's synchronous iterators; under ASGI Django warns
# on each one. Production serves /static/ from nginx, so the warning is noise here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

django_asgi_app = get_asgi_application()

# WebSocket routes (operator desk pushes, wallboard) join this router as they land.
application = ProtocolTypeRouter({"http": django_asgi_app})

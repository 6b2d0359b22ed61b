"""Entry point of the public (citizen) processes: Django's WSGI application run by uvicorn
on a pool of ``MADOGUCHI_WSGI_THREADS`` threads (default 8) per process.

Citizen pages have no WebSockets, and every view is synchronous. Measured with
``make bench-booking`` on the 2-core box, the booking API served 270 bookings/s through
the ASGI handler (``config/asgi.py``, where each request hops to a thread) and about 700/s
this way (docs/bookings.md). Each thread takes its database connection from the
process's pool (``MADOGUCHI_PROCESS_KIND=public``: 8 per process), so all threads can
work at once. The staff processes keep ``config/asgi.py`` (WebSockets, SIP gateway).

    uvicorn madoguchi.config.asgi_public:application --port 8001  (one per core, deployment.md)
"""

from __future__ import annotations

import os
import warnings

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")

with warnings.catch_warnings():
    # uvicorn marks its WSGI bridge deprecated in favour of a2wsgi; it is the one the
    # figures above were measured with. Swap in a2wsgi when uvicorn drops it.
    warnings.simplefilter("ignore", DeprecationWarning)
    from uvicorn.middleware.wsgi import WSGIMiddleware  # type: ignore[attr-defined]

    application = WSGIMiddleware(
        get_wsgi_application(), workers=int(os.environ.get("MADOGUCHI_WSGI_THREADS", "8"))
    )

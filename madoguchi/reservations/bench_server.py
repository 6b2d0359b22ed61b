"""The server process of ``bench_booking``: Django's WSGI app in uvicorn, with a fixed
number of request threads per process, each keeping its database connection
(``DATABASE_CONN_MAX_AGE``) — the thread-pool shape a production WSGI server has.

``python -m madoguchi.reservations.bench_server --port P --workers W --threads T``
(the URLconf comes from ``MADOGUCHI_URLCONF``, public or full).
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from uvicorn.middleware.wsgi import WSGIMiddleware  # type: ignore[attr-defined]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings module

app = WSGIMiddleware(
    get_wsgi_application(), workers=int(os.environ.get("MADOGUCHI_WSGI_THREADS", "8"))
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    os.environ["MADOGUCHI_WSGI_THREADS"] = str(args.threads)
    uvicorn.run(
        "madoguchi.reservations.bench_server:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
        # Admitted clients may idle a few seconds while the others pass the waiting room.
        timeout_keep_alive=60,
    )


if __name__ == "__main__":
    main()

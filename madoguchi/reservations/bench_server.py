"""The server processes of ``bench_booking``, run with the production entry points of
docs/deployment.md: ``madoguchi.config.asgi_public:application`` for the public side
(Django's WSGI app on a thread pool) and ``madoguchi.config.asgi:application`` for the
staff side, with the bench's port, worker and thread counts. The URLconf and process kind
come from the environment, as in a deployment.

``python -m madoguchi.reservations.bench_server --app A --port P --workers W --threads T``
"""

from __future__ import annotations

import argparse
import os

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", default="madoguchi.config.asgi_public:application")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    os.environ["MADOGUCHI_WSGI_THREADS"] = str(args.threads)  # read by each worker
    uvicorn.run(
        args.app,
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

#!/usr/bin/env bash
# Serve Madoguchi on http://127.0.0.1:8000 with the task worker beside it (make run).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export MADOGUCHI_ENV="${MADOGUCHI_ENV:-development}"
# A gentle simulated call stream for the demo city (wallboard, desk); 0 switches it off.
export MADOGUCHI_DEMO_CALLS="${MADOGUCHI_DEMO_CALLS:-1}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

mkdir -p var
# A random key per installation, kept across runs (sessions survive a restart).
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s var/secret_key ]; then
    (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key)
  fi
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi

.venv/bin/madoguchi migrate --noinput -v 0
.venv/bin/madoguchi load_demo
# Daily housekeeping is done by the worker; ask it for the retention purges now
# (interaction jobs then reschedule themselves daily, interactions/tasks.py).
.venv/bin/madoguchi audit_purge --enqueue
.venv/bin/madoguchi recordings_purge --enqueue
.venv/bin/madoguchi interactions_housekeeping --enqueue
.venv/bin/madoguchi inbox_fetch --enqueue --every 300
.venv/bin/madoguchi report_schedule --enqueue --every 3600

.venv/bin/madoguchi db_worker --queue-name '*' >var/worker.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
echo "worker: pid $worker (log: var/worker.log)"
echo "serving http://$HOST:$PORT/  (console: http://$HOST:$PORT/console/) — Ctrl-C to stop"
.venv/bin/uvicorn madoguchi.config.asgi:application --host "$HOST" --port "$PORT" \
  --no-access-log --lifespan on

#!/usr/bin/env bash
# The booking waiting room over real HTTP: two public uvicorn processes on loopback share
# one throwaway PostgreSQL; prints one JSON object as the last line (see
# madoguchi/reservations/management/commands/bench_admission.py). Extra arguments go to
# `madoguchi bench_admission` (e.g. --clients 60 --rate-per-minute 240).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh dev >&2
exec timeout 600 bash scripts/with-postgres.sh env MADOGUCHI_ENV=development bash -c \
  '.venv/bin/madoguchi migrate -v 0 >&2 && .venv/bin/madoguchi bench_admission "$@"' bench-admission "$@"

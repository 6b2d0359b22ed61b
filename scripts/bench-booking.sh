#!/usr/bin/env bash
# make bench-booking: booking throughput and correctness on a throwaway PostgreSQL.
# Starts its own cluster on loopback (scripts/with-postgres.sh), installs pgbench from
# Debian if missing (root), and prints one JSON object as the last line.
# Extra arguments go to `madoguchi bench_booking` (e.g. --seconds 20).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh dev >&2
if ! command -v pgbench >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  else
    echo "bench-booking: pgbench is missing: apt-get install postgresql-contrib" >&2; exit 1
  fi
fi
# The cluster is durable like production (fsync, synchronous_commit, full_page_writes on;
# research note booking.md §2): ceiling, service and HTTP are all measured on it.
# `--not-durable` measures on the fast test cluster instead (labelled in the JSON).
durable=1
for arg in "$@"; do [ "$arg" = --not-durable ] && durable=0; done
exec timeout 900 env PG_DURABLE="$durable" bash scripts/with-postgres.sh \
  env MADOGUCHI_ENV=development .venv/bin/madoguchi bench_booking "$@"

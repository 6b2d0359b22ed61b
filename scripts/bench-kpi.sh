#!/usr/bin/env bash
# KPI engine timings over a month and a year (500,000 calls by default) on a throwaway
# PostgreSQL. Last line: one JSON object. Extra arguments go to `madoguchi bench_kpi`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
exec bash scripts/with-postgres.sh env MADOGUCHI_ENV=development bash -c \
  "$BIN/madoguchi migrate -v 0 && $BIN/madoguchi bench_kpi --format json $*"

#!/usr/bin/env bash
# make bench-telephony: real concurrent calls through Kamailio, rtpengine and the media
# worker on loopback, against a throwaway SQLite database. Last line: one JSON object.
# Extra arguments go to `madoguchi bench_telephony` (--calls, --agents, --rate, --talk).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh dev >/dev/null
bash scripts/ensure-telephony.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/madoguchi-bench-db.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MADOGUCHI_ENV=development
export DATABASE_URL="sqlite:///$work/bench.sqlite3"
export MADOGUCHI_RECORDINGS_DIR="$work/recordings"
export SECRET_KEY="bench-only-$(date +%s)"
.venv/bin/madoguchi migrate --noinput -v 0
.venv/bin/madoguchi bench_telephony "$@"

#!/usr/bin/env bash
# The whole suite, on SQLite and then on a throwaway PostgreSQL (make test).
# Extra arguments go to pytest, e.g. `scripts/test.sh -k calendar`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export MADOGUCHI_ENV=test
bash scripts/bootstrap.sh dev
bash scripts/ensure-browser.sh
bash scripts/ensure-fonts.sh
bash scripts/ensure-mail.sh
bash scripts/ensure-telephony.sh

started=$(date +%s)
echo "== tests on SQLite =="
.venv/bin/pytest -q "$@"
echo "== tests on PostgreSQL =="
bash scripts/with-postgres.sh .venv/bin/pytest -q "$@"
echo "make test: SQLite and PostgreSQL passed in $(( $(date +%s) - started )) s"

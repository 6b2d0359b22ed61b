#!/usr/bin/env bash
# make telephony: the SIP stack on loopback for the demo (see docs/telephony.md).
# Kamailio on udp 127.0.0.1:5060, rtpengine, the media worker and two auto-answering
# seats; Ctrl-C stops every process it started (by PID). Extra arguments go to
# `madoguchi telephony` (e.g. --call to place a test call, --seats 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export MADOGUCHI_ENV="${MADOGUCHI_ENV:-development}"
bash scripts/bootstrap.sh dev >/dev/null
bash scripts/ensure-telephony.sh
mkdir -p var
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s var/secret_key ]; then
    (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key)
  fi
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
.venv/bin/madoguchi migrate --noinput -v 0
.venv/bin/madoguchi load_demo >/dev/null
exec .venv/bin/madoguchi telephony "$@"

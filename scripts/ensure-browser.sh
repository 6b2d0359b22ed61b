#!/usr/bin/env bash
# Make sure the UI tests can run: Debian's Chromium, Japanese fonts
# (fonts-noto-cjk), Node/npm, and node_modules/axe-core from package-lock.json.
# Idempotent; prints nothing when everything is already there.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { echo "ensure-browser: $*" >&2; }

# Debian packages that are missing.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' \
  || missing+=(fonts-noto-cjk)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]}; run as root or: apt-get install --no-install-recommends ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# JS test assets (axe-core), pinned by package-lock.json.
cd "$ROOT"
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
fi
